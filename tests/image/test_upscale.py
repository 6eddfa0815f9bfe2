"""GAN upscaling with a tiny Real-ESRGAN-shaped model written here as .safetensors."""

import threading

import numpy as np
import pytest

pytest.importorskip("torch")
from PIL import Image  # noqa: E402

from desktop.core.image import upscaler_registry  # noqa: E402
from desktop.core.errors import Cancelled, ModelFileError, UserFacingError  # noqa: E402
from desktop.core.image.image_metadata import encode_image, read_settings  # noqa: E402
from desktop.core.image.image_settings import ImageSettings  # noqa: E402
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache  # noqa: E402
from desktop.core.image.upscale_engine import UpscaleEngine, UpscaleRequest  # noqa: E402
from desktop.pipeline.store_access import DirectStore  # noqa: E402
from desktop.pipeline.upscale_job import run_upscale_job  # noqa: E402
from desktop.store.library import Library  # noqa: E402
from tiny_models import write_tiny_esrgan  # noqa: E402


@pytest.fixture(scope="module")
def esrgan_x4(tmp_path_factory):
    return write_tiny_esrgan(tmp_path_factory.mktemp("up") / "RealESRGAN_x4plus-tiny.safetensors")


def noise(w=70, h=50):
    return Image.effect_noise((w, h), 60).convert("RGB")


def test_x4_and_x2_sizes_with_progress_per_tile(esrgan_x4):
    engine = UpscaleEngine(esrgan_x4, n_threads=2)
    assert engine.scale == 4
    updates = []
    out = engine.upscale(noise(), 4, updates.append, threading.Event(), tile=32, overlap=8)
    assert out.size == (280, 200)
    assert [u.done for u in updates] == list(range(1, 7)) and updates[-1].total == 6  # 3x2 tiles
    assert engine.upscale(noise(), 2, lambda p: None, threading.Event(), tile=32).size == (140, 100)


def test_tiles_join_without_seams_given_enough_overlap(esrgan_x4):
    engine = UpscaleEngine(esrgan_x4, n_threads=2)
    image = noise(48, 40)
    whole = np.asarray(engine.upscale(image, 4, lambda p: None, threading.Event(), tile=64, overlap=0), dtype=int)
    tiled = np.asarray(engine.upscale(image, 4, lambda p: None, threading.Event(), tile=16, overlap=24), dtype=int)
    assert np.abs(whole - tiled).max() <= 1


def test_cancel_between_tiles(esrgan_x4):
    engine = UpscaleEngine(esrgan_x4, n_threads=2)
    cancel, seen = threading.Event(), []

    def progress(p):
        seen.append(p.done)
        cancel.set()

    with pytest.raises(Cancelled):
        engine.upscale(noise(), 4, progress, cancel, tile=16)
    assert seen == [1]


def test_pickles_and_other_weights_are_refused(tmp_path, esrgan_x4):
    pth = tmp_path / "RealESRGAN_x4plus.pth"
    pth.write_bytes(b"\x80\x04pickle")
    with pytest.raises(ModelFileError, match="never loads those"):
        UpscaleEngine(pth)
    from safetensors.torch import save_file
    import torch

    other = tmp_path / "other.safetensors"
    save_file({"weight": torch.zeros(2, 2)}, str(other))
    with pytest.raises(ModelFileError, match="not a usable Real-ESRGAN"):
        UpscaleEngine(other)
    with pytest.raises(UserFacingError, match="by 2 or 4"):
        UpscaleEngine(esrgan_x4).upscale(noise(), 3, lambda p: None, threading.Event())


def test_registry_finds_upscalers_by_their_tensor_names(tmp_path, esrgan_x4):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "x4.safetensors").write_bytes(esrgan_x4.read_bytes())
    from safetensors.torch import save_file
    import torch

    save_file({"weight": torch.zeros(2)}, str(folder / "lora.safetensors"))
    found, _ = upscaler_registry.scan([folder])
    assert [(u.scale, u.name) for u in found] == [(4, "x4")]


def test_upscale_job_is_a_new_generation_linked_to_its_source(tmp_path, esrgan_x4):
    library = Library(tmp_path / "lib")
    settings = ImageSettings(prompt="a castle", seed=5, steps=4, width=70, height=50)
    source = tmp_path / "source.png"
    source.write_bytes(encode_image(noise(), "PNG", settings, {"settings": settings.as_dict()}))
    request = UpscaleRequest(str(source), factor=4, tile=32, source_generation_id=None)
    outcome = run_upscale_job(Job(JobKind.UPSCALE, request, str(esrgan_x4),
                                  JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2)),
                              ModelCache(2**32), DirectStore(library), lambda p: None)
    item = outcome.items[0]
    row = library.generations.get(item.generation_id)
    assert (row.kind, row.status, row.prompt) == ("upscale", "done", "a castle")
    assert library.generations.sources(item.generation_id) == [
        {"source_generation_id": None, "source_path": str(source), "relation": "upscale"}]
    with Image.open(item.path) as out:
        assert out.size == (280, 200)
    carried = read_settings(item.path)
    assert (carried.prompt, carried.seed, carried.width) == ("a castle", 5, 280)
    library.close()
