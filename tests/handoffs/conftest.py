"""One window with every studio's tiny models (SD + Real-ESRGAN for images, an AnimateDiff base
and motion adapter for clips, the built-in voice for speech), for hand-offs between studios."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "video"))  # tiny_video_models

from app_window import open_window  # noqa: E402
from desktop.core.video import video_registry  # noqa: E402
from desktop.settings import Settings  # noqa: E402
from tiny_models import write_tiny_esrgan, write_tiny_sd  # noqa: E402
from tiny_video_models import write_tiny_motion_adapter  # noqa: E402


@pytest.fixture(scope="session")
def studio_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studio-models")
    write_tiny_sd(folder / "sd")
    write_tiny_esrgan(folder / "tiny-x4.safetensors")
    write_tiny_motion_adapter(folder / "motion")
    return folder


@pytest.fixture
def window(qtbot, tmp_path, studio_models, builtin_voice, monkeypatch):
    # The tiny SD stands in for an SD 1.5 AnimateDiff base (its cross-attention is 32 wide, not 768).
    listed_kind = video_registry._folder_kind
    monkeypatch.setattr(video_registry, "_folder_kind",
                        lambda folder: video_registry.ANIMATEDIFF_BASE if folder.name == "sd" else listed_kind(folder))
    settings = Settings(model_dirs=[str(studio_models)], model_files=[str(builtin_voice)], cpu_threads=2,
                        image_precision="fp32")
    win, services = open_window(qtbot, tmp_path / "data", settings)
    services.rescan_models()
    qtbot.waitUntil(lambda: services.image_models.rowCount() >= 1 and services.upscalers.rowCount() == 1
                    and services.video_models.rowCount() >= 2 and services.audio_models.rowCount() >= 1,
                    timeout=30000)
    image = win.panel("image")
    image.form.width_box.setValue(64)
    image.form.height_box.setValue(64)
    image.form.steps.setValue(2)
    video = win.panel("video")
    video.models.choose(str((studio_models / "sd").resolve()), str((studio_models / "motion").resolve()))
    video.form.apply({"frames": 4, "fps": 8, "width": 64, "height": 64, "steps": 2, "guidance": 5.0, "seed": 7})
    yield win
    services.shutdown()
