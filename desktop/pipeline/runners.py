"""Which function runs a job of each kind. Later kinds add a line here."""

from desktop.core.jobs import JobKind
from desktop.pipeline.audio_job import run_audio_job
from desktop.pipeline.image_job import run_image_job
from desktop.pipeline.text_job import run_text_job
from desktop.pipeline.upscale_job import run_upscale_job
from desktop.pipeline.video_job import run_video_job

RUNNERS = {
    JobKind.TEXT: run_text_job,
    JobKind.IMAGE: run_image_job,
    JobKind.UPSCALE: run_upscale_job,
    JobKind.AUDIO: run_audio_job,
    JobKind.VIDEO: run_video_job,
}
