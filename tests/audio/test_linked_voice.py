"""A voice kept in the Hugging Face cache is a link named voice.onnx to a blob with no
extension: it loads through the link (the engine opens the path as given) and the model cache
knows it by the file the link leads to."""

import os
import threading

import pytest

from desktop.core.audio.audio_request import SpeechRequest
from desktop.core.model_cache import ModelCache
from desktop.pipeline.audio_job import load_audio_engine


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_voice_linked_from_a_blob_with_no_extension_loads(tmp_path, builtin_voice):
    blobs, snapshot = tmp_path / "blobs", tmp_path / "snapshots" / "abc123"
    blobs.mkdir()
    snapshot.mkdir(parents=True)
    (blobs / "1f2e").symlink_to(builtin_voice)
    (blobs / "9c8d").symlink_to(builtin_voice.with_name(builtin_voice.name + ".json"))
    (snapshot / "voice.onnx").symlink_to(blobs / "1f2e")
    (snapshot / "voice.onnx.json").symlink_to(blobs / "9c8d")
    cache = ModelCache(2**33)
    try:
        engine = load_audio_engine(cache, str(snapshot / "voice.onnx"), 1)
        audio = engine.generate(SpeechRequest("Hello."), lambda _p: None, threading.Event())
        assert audio.duration_s > 0.2
        assert [key[:2] for key in cache.keys()] == [("audio", str(builtin_voice.resolve()))]
    finally:
        cache.clear()
