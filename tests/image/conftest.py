"""Fixtures of the Image studio's panel tests: a tiny random-weight SD folder and a tiny
Real-ESRGAN beside it, the window open on the Image studio."""

import pytest

from app_window import open_window
from desktop.settings import Settings
from tiny_models import write_tiny_esrgan, write_tiny_sd


@pytest.fixture(scope="module")
def image_models_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("image-models")
    write_tiny_sd(folder / "tiny-sd")
    write_tiny_esrgan(folder / "tiny-x4.safetensors")
    return folder


@pytest.fixture
def panel(qtbot, tmp_path, image_models_dir):
    window, services = open_window(qtbot, tmp_path / "data",
                                   Settings(model_dirs=[str(image_models_dir)], cpu_threads=2), panel="image")
    services.image_models.refresh()
    qtbot.waitUntil(lambda: services.image_models.rowCount() == 1, timeout=20000)
    image_panel = window.panel("image")
    form = image_panel.form
    form.width_box.setValue(64)
    form.height_box.setValue(64)
    form.steps.setValue(3)
    yield image_panel
    services.shutdown()
