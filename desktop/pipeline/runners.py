"""Which function runs a job of each modality. Later modalities add a line here."""

from desktop.pipeline.audio_job import run_audio_job
from desktop.pipeline.image_job import run_image_job
from desktop.pipeline.text_job import run_text_job
from desktop.pipeline.upscale_job import run_upscale_job

RUNNERS = {
    "text": run_text_job,
    "image": run_image_job,
    "upscale": run_upscale_job,
    "audio": run_audio_job,
}
