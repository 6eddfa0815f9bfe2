"""desktop/pipeline/model_hashes.py without a model: which files a folder's hash covers, one
read per file version (size and mtime_ns, cached in the library for every process), and a
stopped or cancelled job that stops reading and caches nothing."""

import hashlib
import json
import os
import threading
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled
from desktop.pipeline import model_hashes
from desktop.pipeline.model_hashes import ModelHashing, weight_files
from desktop.pipeline.store_access import DirectStore
from desktop.store.library import Library


@pytest.fixture
def library(tmp_path):
    library = Library(tmp_path / "lib")
    yield library
    library.close()


@pytest.fixture
def reads(monkeypatch):
    seen = []
    real = model_hashes.file_sha256

    def counted(path, *args, **kwargs):
        seen.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(model_hashes, "file_sha256", counted)
    return seen


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def hash_of(library: Library, model: Path, cancel=None) -> str:
    with ModelHashing(DirectStore(library), model, cancel) as hashing:
        return hashing.result()


def cached_rows(library: Library) -> list:
    rows = library.conn.execute("SELECT path, size_bytes, sha256 FROM model_hashes ORDER BY path")
    return [tuple(row) for row in rows]


def test_a_pipeline_folder_hashes_the_weights_its_components_load(tmp_path):
    folder = tmp_path / "pipe"
    write(folder / "model_index.json", json.dumps({
        "_class_name": "StableDiffusionPipeline", "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"], "safety_checker": [None, None],
        "scheduler": ["diffusers", "EulerDiscreteScheduler"]}).encode())
    write(folder / "v1-5-pruned.safetensors", b"a single-file copy the pipeline does not load")
    write(folder / "unet" / "diffusion_pytorch_model.safetensors", b"unet fp32")
    write(folder / "unet" / "diffusion_pytorch_model.fp16.safetensors", b"unet fp16")
    write(folder / "vae" / "diffusion_pytorch_model.fp16.safetensors", b"vae fp16")  # only fp16: variant fp16
    write(folder / "safety_checker" / "model.safetensors", b"not declared")
    write(folder / "scheduler" / "scheduler_config.json", b"{}")
    assert [name for name, _ in weight_files(folder)] == [
        "unet/diffusion_pytorch_model.fp16.safetensors", "vae/diffusion_pytorch_model.fp16.safetensors"]


def test_a_folder_without_model_index_hashes_its_own_weights_shards_and_all(tmp_path):
    folder = tmp_path / "musicgen"
    for name in ("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "config.json"):
        write(folder / name, name.encode())
    write(folder / "extra" / "other.safetensors", b"not the model's")
    assert [name for name, _ in weight_files(folder)] == ["model-00001-of-00002.safetensors",
                                                          "model-00002-of-00002.safetensors"]


def test_a_folder_hash_is_the_sha256_of_its_sha256sum_lines(tmp_path, library):
    folder = tmp_path / "voice"
    write(folder / "b.safetensors", b"second")
    write(folder / "a.safetensors", b"first")
    lines = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                    for name, data in (("a.safetensors", b"first"), ("b.safetensors", b"second")))
    assert hash_of(library, folder) == hashlib.sha256(lines.encode()).hexdigest()
    (tmp_path / "no-weights").mkdir()
    assert hash_of(library, tmp_path / "no-weights") == ""  # nothing to identify: A1111's text leaves it out


def test_a_file_is_read_once_per_version_size_or_mtime(tmp_path, library, reads):
    model = write(tmp_path / "model.gguf", b"x" * 1000)
    link = tmp_path / "link.gguf"
    link.symlink_to(model)
    assert hash_of(library, model) == hashlib.sha256(b"x" * 1000).hexdigest()
    assert hash_of(library, link) == hash_of(library, model)  # a link is cached as the file it leads to
    assert reads == ["model.gguf"]

    stat = model.stat()
    with open(model, "ab") as handle:
        handle.write(b"y")
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime, new size
    assert hash_of(library, model) == hashlib.sha256(b"x" * 1000 + b"y").hexdigest()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # same size, new mtime
    hash_of(library, model)
    assert reads == ["model.gguf"] * 3
    assert cached_rows(library) == [(str(model.resolve()), 1001, hashlib.sha256(b"x" * 1000 + b"y").hexdigest())]


def test_another_process_sharing_the_library_finds_the_hash(tmp_path, library, reads):
    model = write(tmp_path / "model.onnx", b"voice")
    hash_of(library, model)
    other = Library(tmp_path / "lib")
    try:
        assert hash_of(other, model) == hashlib.sha256(b"voice").hexdigest()
    finally:
        other.close()
    assert reads == ["model.onnx"]


def test_blocks_are_bounded_and_a_set_cancel_stops_the_reading(tmp_path, library, monkeypatch):
    monkeypatch.setattr(model_hashes, "BLOCK_BYTES", 1024)
    model = write(tmp_path / "model.safetensors", os.urandom(10_000))
    assert model_hashes.file_sha256(model) == hashlib.sha256(model.read_bytes()).hexdigest()  # 10 blocks, 1 short
    blocks = []
    with pytest.raises(Cancelled):
        model_hashes.file_sha256(model, lambda: len(blocks) > 2 or blocks.append(1))
    assert len(blocks) == 3  # asked before each block: stopped before the fourth

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        hash_of(library, model, cancel)
    assert cached_rows(library) == []


def test_leaving_early_stops_the_reading_and_caches_nothing(tmp_path, library, monkeypatch):
    started, seen_stop = threading.Event(), []

    def slow(path, stop):  # a long read: returns only when told to stop
        started.set()
        while not stop():
            threading.Event().wait(0.01)
        seen_stop.append(True)
        raise Cancelled()

    monkeypatch.setattr(model_hashes, "file_sha256", slow)
    model = write(tmp_path / "model.safetensors", b"weights")
    with pytest.raises(RuntimeError, match="load failed"):
        with ModelHashing(DirectStore(library), model) as hashing:
            assert started.wait(5)
            raise RuntimeError("load failed")
    assert seen_stop == [True] and not hashing._thread.is_alive()
    assert cached_rows(library) == []


def test_a_file_changed_while_it_is_read_is_not_cached(tmp_path, library, monkeypatch):
    model = write(tmp_path / "model.safetensors", b"old")
    real = model_hashes.file_sha256

    def rewritten_meanwhile(path, stop):
        digest = real(path, stop)
        model.write_bytes(b"new weights")
        return digest

    monkeypatch.setattr(model_hashes, "file_sha256", rewritten_meanwhile)
    hash_of(library, model)
    assert cached_rows(library) == []


def test_a_missing_model_is_reported_when_the_hash_is_asked_for(tmp_path, library):
    with ModelHashing(DirectStore(library), tmp_path / "gone.safetensors") as hashing:
        with pytest.raises(FileNotFoundError):
            hashing.result()
