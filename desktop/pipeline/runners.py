"""Which function runs a job of each kind. Later kinds add a line here."""

from desktop.core.jobs import JobKind
from desktop.pipeline.audio_job import run_audio_job
from desktop.pipeline.image_job import run_image_job
from desktop.pipeline.soundtrack_job import SoundtrackRequest, run_soundtrack
from desktop.pipeline.storyboard_run import run_storyboard
from desktop.pipeline.text_job import run_text_job
from desktop.pipeline.upscale_job import run_upscale_job
from desktop.pipeline.video_job import run_video_job



def run_video_kind(job, cache, store, progress):
    """Video jobs that load no model (a soundtrack laid under a clip) are video jobs too: they
    queue, cancel and commit with the clips."""
    if isinstance(job.request, SoundtrackRequest):
        return run_soundtrack(job, store, progress)
    return run_video_job(job, cache, store, progress)


RUNNERS = {
    JobKind.TEXT: run_text_job,
    JobKind.IMAGE: run_image_job,
    JobKind.UPSCALE: run_upscale_job,
    JobKind.AUDIO: run_audio_job,
    JobKind.VIDEO: run_video_kind,
    JobKind.STORYBOARD: run_storyboard,
}
