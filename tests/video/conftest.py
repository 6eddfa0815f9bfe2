"""Tiny video models shared by the video tests: written once per session (a few MB, seconds)."""

import pytest

from tiny_models import write_tiny_sd
from tiny_video_models import write_tiny_motion_adapter, write_tiny_motion_adapter_file, write_tiny_svd


@pytest.fixture(scope="session")
def video_models(tmp_path_factory):
    """Folder with: sd (the AnimateDiff base), motion (MotionAdapter folder),
    animatediff_lightning_2step_diffusers.safetensors (single-file adapter), svd."""
    folder = tmp_path_factory.mktemp("video-models")
    write_tiny_sd(folder / "sd")
    write_tiny_motion_adapter(folder / "motion")
    write_tiny_motion_adapter_file(folder / "animatediff_lightning_2step_diffusers.safetensors")
    write_tiny_svd(folder / "svd")
    return folder
