"""A load that would not fit is refused before anything loads, with a message that names the
model, the numbers and what to do — never the OS killing the app. Real tiny models on a
faked small machine (desktop/pipeline/load_guard.current_machine)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.core.errors import UserFacingError
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache
from desktop.core.models.fit import Machine, ModelTooBigError
from desktop.core.text.text_request import COMPLETION, Sampling, TextRequest
from desktop.pipeline import load_guard, text_job
from desktop.pipeline.store_access import DirectStore
from desktop.pipeline.text_job import load_text_engine, run_text_job
from desktop.store.library import Library
from tiny_models import write_tiny_llama

MB = 10**6
GB = 10**9


def small_machine(monkeypatch, available: int, total: int = 8 * GB) -> None:
    monkeypatch.setattr(load_guard, "current_machine", lambda: Machine(total, available, total // 2))


class IdleModel:
    """Another studio's model sitting in the cache (a stand-in: only its size matters here)."""
    modality = "image"

    def __init__(self, size: int):
        self.model_path, self.size, self.closed = "other", size, False

    def memory_bytes(self) -> int:
        return self.size

    def close(self) -> None:
        self.closed = True


def rows(data: Path) -> list[tuple]:
    conn = sqlite3.connect(data / "library.sqlite3")
    try:
        return conn.execute("SELECT status, error FROM generations").fetchall()
    finally:
        conn.close()


def text_job_for(model: Path, n_ctx: int = 4096) -> Job:
    request = TextRequest(mode=COMPLETION, prompt="the cat", sampling=Sampling(max_tokens=8, seed=1))
    return Job(JobKind.TEXT, request, str(model), JobOrigin(Studio.TEXT), EngineOptions(n_threads=1, n_ctx=n_ctx))


def test_a_text_job_too_big_for_the_machine_is_refused_before_anything_loads(tmp_path, tiny_chat_gguf, monkeypatch):
    small_machine(monkeypatch, available=100 * MB)  # the tiny model needs ~0.32 GB with llama.cpp's buffers
    loads = []
    monkeypatch.setattr(text_job, "LlamaTextEngine", lambda *a, **k: loads.append(a))
    library, cache = Library(tmp_path / "lib"), ModelCache(1 << 30)
    try:
        with pytest.raises(ModelTooBigError) as refused:
            run_text_job(text_job_for(tiny_chat_gguf), cache, DirectStore(library), lambda update: None)
    finally:
        library.close()
    message = str(refused.value)
    assert isinstance(refused.value, UserFacingError)  # shown as it is by the window and the CLI
    assert message.startswith("Tiny Llama was not loaded: it needs about 0.3")
    assert "about 0.1 GB free" in message and "smaller quantization" in message and "Closing other apps" in message
    assert refused.value.estimate.verdict == "too big"
    assert loads == [] and cache.keys() == []
    assert not any(status == "running" for status, _ in rows(tmp_path / "lib"))


def test_the_same_model_loads_on_a_machine_with_room(tmp_path, tiny_chat_gguf, monkeypatch):
    small_machine(monkeypatch, available=2 * GB)
    library, cache = Library(tmp_path / "lib"), ModelCache(1 << 30)
    try:
        outcome = run_text_job(text_job_for(tiny_chat_gguf), cache, DirectStore(library), lambda update: None)
    finally:
        cache.clear()
        library.close()
    assert rows(tmp_path / "lib") == [("done", "")] and outcome.result.text is not None


def test_a_long_context_is_what_does_not_fit_and_the_message_says_so(tmp_path, monkeypatch):
    model = write_tiny_llama(tmp_path / "long.gguf", n_ctx=1 << 20)  # 512 bytes of KV cache a token
    small_machine(monkeypatch, available=800 * MB)
    cache = ModelCache(1 << 30)
    with pytest.raises(ModelTooBigError) as refused:
        load_text_engine(cache, str(model), 1 << 20, 1)  # 0.54 GB of cache + 0.31 GB of buffers
    assert "shorter context (Settings › Context length, now 1,048,576 tokens" in str(refused.value)
    engine = load_text_engine(cache, str(model), 4096, 1)  # the same model, a usual context: fits
    try:
        assert engine.n_ctx == 4096
    finally:
        cache.clear()


def test_other_loaded_models_are_unloaded_to_make_room_and_left_alone_when_that_cannot_help(tiny_gguf, monkeypatch):
    cache = ModelCache(100 * GB)  # a budget that would never evict them by itself
    other = IdleModel(3 * GB)
    cache.get(("image", "other"), lambda: other)
    small_machine(monkeypatch, available=100 * MB)
    with pytest.raises(ModelTooBigError) as refused:
        load_guard.make_room(cache, ("text", "x"), lambda machine: _needs(5 * GB, machine), "Huge", "Advice.")
    assert "counting the models Atelier would unload" in str(refused.value)
    assert not other.closed and cache.keys() == [("image", "other")]  # nothing unloaded for nothing

    engine = load_text_engine(cache, str(tiny_gguf), 512, 1)  # 0.3 GB: fits once the other model goes
    try:
        assert other.closed and cache.keys() == [("text", str(tiny_gguf.resolve()), 512, 1)]
        assert engine.n_ctx == 512
    finally:
        cache.clear()


def _needs(size: int, machine: Machine):
    from desktop.core.models import fit

    return fit.judge(size, None, machine)


def test_a_loaded_model_is_not_checked_again_for_the_same_settings(tiny_gguf, monkeypatch):
    cache = ModelCache(1 << 30)
    engine = load_text_engine(cache, str(tiny_gguf), 512, 1)
    try:
        small_machine(monkeypatch, available=1)  # would refuse any new load
        assert load_text_engine(cache, str(tiny_gguf), 512, 1) is engine
    finally:
        cache.clear()


# -- images, upscaling, voices --------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    pytest.importorskip("diffusers")
    from tiny_models import write_tiny_sd

    return write_tiny_sd(tmp_path_factory.mktemp("fit-models") / "tiny-sd")


def test_an_image_job_too_big_is_refused_and_a_loaded_model_is_checked_for_the_image_size(tmp_path, tiny_sd, monkeypatch):
    from desktop.core.image.image_request import ImageRequest
    from desktop.core.weight_files import weight_parameters
    from desktop.pipeline.image_job import load_image_engine, run_image_job

    assert 1_000_000 < weight_parameters(tiny_sd) < 3_000_000  # the ~1.7 M parameters of the tiny SD
    small_machine(monkeypatch, available=50 * MB)  # 64² needs ~0.15 GB: the activations' base
    cache = ModelCache(1 << 30)
    library = Library(tmp_path / "lib")
    request = ImageRequest(prompt="a cat", steps=1, width=64, height=64, seed=1)
    job = Job(JobKind.IMAGE, request, str(tiny_sd), JobOrigin(Studio.IMAGE), EngineOptions(n_threads=1, precision="fp32"))
    try:
        with pytest.raises(ModelTooBigError) as refused:
            run_image_job(job, cache, DirectStore(library), lambda update: None)
        assert "tiny-sd was not loaded" in str(refused.value) and "smaller image (now 64×64)" in str(refused.value)
        assert cache.keys() == [] and rows(tmp_path / "lib") == []

        small_machine(monkeypatch, available=4 * GB)
        engine = load_image_engine(cache, str(tiny_sd), 1, precision="fp32", width=64, height=64)
        with pytest.raises(ModelTooBigError) as huge:  # loaded, but a 2048² image needs ~16 GB of activations
            load_image_engine(cache, str(tiny_sd), 1, precision="fp32", width=2048, height=2048)
        assert "now 2048×2048" in str(huge.value)
        assert load_image_engine(cache, str(tiny_sd), 1, precision="fp32", width=128, height=128) is engine
    finally:
        cache.clear()
        library.close()


def test_an_upscale_whose_output_would_not_fit_is_refused(tmp_path, monkeypatch):
    from tiny_models import write_tiny_esrgan

    from desktop.pipeline.upscale_job import load_upscale_engine

    model = write_tiny_esrgan(tmp_path / "x4.safetensors")
    working = load_guard.upscale_working_bytes(4096, 4096, 4, 192, 16)
    assert working > 10 * GB  # a 16384² float32 result and its conversion to 8 bits
    small_machine(monkeypatch, available=4 * GB)
    cache = ModelCache(1 << 30)
    with pytest.raises(ModelTooBigError, match="Upscale a smaller image"):
        load_upscale_engine(cache, str(model), 1, working)
    engine = load_upscale_engine(cache, str(model), 1, load_guard.upscale_working_bytes(256, 256, 4, 192, 16))
    try:
        assert engine.scale == 4
    finally:
        cache.clear()


def test_a_voice_too_big_for_the_machine_is_refused(builtin_voice, monkeypatch):
    from desktop.pipeline.audio_job import load_audio_engine

    small_machine(monkeypatch, available=200 * MB)  # a 63 MB voice is taken to need ~0.3 GB
    with pytest.raises(ModelTooBigError, match="smaller voice"):
        load_audio_engine(ModelCache(1 << 30), str(builtin_voice), 1)
