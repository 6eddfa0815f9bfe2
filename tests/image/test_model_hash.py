"""The model hash an image carries is the one other tools mean: A1111's `Model hash` (Civitai's
AutoV2) is the first 10 hex digits of the checkpoint file's sha256, the library row keeps the
whole sha256, and a diffusers folder gets the hash desktop/pipeline/model_hashes.py documents.
Each file is read once per version: a second image does not read it again, a touched file is
read again. Tiny random-weight models written here (no downloads)."""

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from desktop.core.image.image_metadata import read_settings  # noqa: E402
from desktop.core.image.image_request import ImageRequest  # noqa: E402
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio  # noqa: E402
from desktop.core.model_cache import ModelCache  # noqa: E402
from desktop.pipeline import model_hashes  # noqa: E402
from desktop.pipeline.image_job import run_image_job  # noqa: E402
from desktop.pipeline.store_access import DirectStore  # noqa: E402
from desktop.store.library import Library  # noqa: E402
from tiny_models import write_tiny_sd  # noqa: E402

FOLDER_WEIGHTS = ["text_encoder/model.safetensors", "unet/diffusion_pytorch_model.safetensors",
                  "vae/diffusion_pytorch_model.safetensors"]


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, tiny_sd):
    """The tiny pipeline as one A1111-layout .safetensors file, with a folder to borrow its
    configuration from (as a person's models folder would hold)."""
    import torch
    from diffusers import StableDiffusionPipeline

    from ldm_layout import write_single_file

    root = tmp_path_factory.mktemp("checkpoint")
    (root / "models").mkdir()
    (root / "models" / "tiny-sd").symlink_to(tiny_sd, target_is_directory=True)
    pipe = StableDiffusionPipeline.from_pretrained(tiny_sd, dtype=torch.float32)
    return write_single_file(pipe, root / "tiny-checkpoint.safetensors"), root / "models"


@pytest.fixture
def reads(monkeypatch):
    """The files the hashing reads, in order."""
    seen = []
    real = model_hashes.file_sha256

    def counted(path, *args, **kwargs):
        seen.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(model_hashes, "file_sha256", counted)
    return seen


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def make_image(library: Library, model: Path, cache: ModelCache, model_dirs=()):
    job = Job(JobKind.IMAGE, ImageRequest(prompt="a red cube", steps=1, width=64, height=64, seed=3), str(model),
              JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2, precision="fp32",
                                                     model_dirs=tuple(str(d) for d in model_dirs)))
    item = run_image_job(job, cache, DirectStore(library), lambda p: None).items[0]
    with Image.open(item.path) as image:
        parameters = image.text["parameters"]
    return item, library.generations.get(item.generation_id), parameters


def test_a_checkpoint_image_says_autov2_and_its_row_keeps_the_whole_sha256(tmp_path, checkpoint, reads):
    model, model_dirs = checkpoint
    expected = sha256_of(model)
    library, cache = Library(tmp_path / "lib"), ModelCache(2**34)
    try:
        item, row, parameters = make_image(library, model, cache, [model_dirs])
    finally:
        cache.clear()
        library.close()
    assert f"Model hash: {expected[:10]}, Model: tiny-checkpoint.safetensors" in parameters
    assert row.model_sha256 == expected
    assert read_settings(item.path).model_hash == expected  # Atelier's own chunk keeps all of it
    assert reads == [model]


def test_a_diffusers_folder_hash_is_the_documented_one(tmp_path, tiny_sd, reads):
    lines = "".join(f"{sha256_of(tiny_sd / name)}  {name}\n" for name in FOLDER_WEIGHTS)
    expected = hashlib.sha256(lines.encode()).hexdigest()
    library, cache = Library(tmp_path / "lib"), ModelCache(2**34)
    try:
        item, row, parameters = make_image(library, tiny_sd, cache)
    finally:
        cache.clear()
        library.close()
    assert f"Model hash: {expected[:10]}, Model: tiny-sd" in parameters
    assert row.model_sha256 == expected
    assert sorted(reads) == sorted(tiny_sd / name for name in FOLDER_WEIGHTS)  # configs and tokenizer are not read


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="coreutils' sha256sum is not on this machine")
def test_the_folder_hash_is_what_sha256sum_prints_for_its_weights(tiny_sd, tmp_path):
    listing = subprocess.run(["sha256sum", *FOLDER_WEIGHTS], cwd=tiny_sd, capture_output=True, check=True).stdout
    library = Library(tmp_path / "lib")
    try:
        with model_hashes.ModelHashing(DirectStore(library), tiny_sd) as hashing:
            assert hashing.result() == hashlib.sha256(listing).hexdigest()
    finally:
        library.close()


def test_the_second_image_reads_nothing_and_a_touched_checkpoint_is_read_again(tmp_path, checkpoint, reads):
    model, model_dirs = checkpoint
    library, cache = Library(tmp_path / "lib"), ModelCache(2**34)
    try:
        first = make_image(library, model, cache, [model_dirs])[1]
        second = make_image(library, model, cache, [model_dirs])[1]
        assert reads == [model]
        stat = model.stat()
        os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a new version of the file
        third = make_image(library, model, cache, [model_dirs])[1]
    finally:
        cache.clear()
        library.close()
    assert reads == [model, model]
    assert first.model_sha256 == second.model_sha256 == third.model_sha256 == sha256_of(model)  # same bytes
