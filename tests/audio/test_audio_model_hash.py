"""The audio studio records the hash other tools mean, not a name-and-size fingerprint: a
Piper voice's row holds its .onnx file's sha256, a transformers voice folder's the folder hash
desktop/pipeline/model_hashes.py documents (its own .safetensors files, sha256sum lines)."""

import hashlib

from desktop.core.audio.audio_request import SpeechRequest
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache
from desktop.pipeline.audio_job import run_audio_job
from desktop.pipeline.store_access import DirectStore
from desktop.store.library import Library


def speak(library: Library, voice) -> str:
    job = Job(JobKind.AUDIO, SpeechRequest("Hello there.", seed=1), str(voice), JobOrigin(Studio.AUDIO),
              EngineOptions(n_threads=1))
    cache = ModelCache(1 << 32)
    try:
        outcome = run_audio_job(job, cache, DirectStore(library), lambda p: None)
    finally:
        cache.clear()
    return library.generations.get(outcome.generation_id).model_sha256


def test_a_piper_voice_row_holds_the_onnx_sha256(tmp_path, builtin_voice):
    library = Library(tmp_path / "lib")
    try:
        assert speak(library, builtin_voice) == hashlib.sha256(builtin_voice.read_bytes()).hexdigest()
    finally:
        library.close()


def test_a_voice_folder_row_holds_the_folder_hash(tmp_path, tiny_vits):
    weights = sorted(f.name for f in tiny_vits.glob("*.safetensors"))
    assert weights  # the folder's own weights: what its hash covers
    lines = "".join(f"{hashlib.sha256((tiny_vits / name).read_bytes()).hexdigest()}  {name}\n" for name in weights)
    library = Library(tmp_path / "lib")
    try:
        assert speak(library, tiny_vits) == hashlib.sha256(lines.encode()).hexdigest()
    finally:
        library.close()
