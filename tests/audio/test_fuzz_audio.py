"""Fuzzing the readers of audio files: read_tags gives a dict whatever the file holds;
decode_mono gives samples or raises its documented RuntimeError (libsndfile's error) or
OSError — within a second, without allocating what a damaged header claims.

ATELIER_FUZZ_EXAMPLES raises the number of examples (and makes runs random, not repeatable)."""

from __future__ import annotations

import functools
import itertools
import json
import os
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

np = pytest.importorskip("numpy")
pytest.importorskip("soundfile")
pytest.importorskip("mutagen")

from desktop.core.audio.audio_files import AudioTags, decode_mono, encode_audio, read_tags  # noqa: E402

EXAMPLES = int(os.environ.get("ATELIER_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 40, deadline=1000, derandomize=not EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow])
FORMATS = ["wav", "flac", "ogg"]
_names = itertools.count()


@functools.lru_cache(maxsize=None)
def sample(fmt: str) -> bytes:
    tone = (0.3 * np.sin(np.arange(4000) / 7)).astype(np.float32)
    return encode_audio(tone, 16000, fmt, AudioTags("a test tone", "tiny", 7, {"steps": 1}))


def check(data: bytes, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz-{next(_names)}.{fmt}"
        path.write_bytes(data)
        assert isinstance(read_tags(path), dict)
        try:
            samples, rate = decode_mono(path)
        except (RuntimeError, OSError):
            return
        assert samples.ndim == 1 and samples.dtype == np.float32 and rate > 0


def test_the_samples_read_back():
    for fmt in FORMATS:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"tone.{fmt}"
            path.write_bytes(sample(fmt))
            assert read_tags(path)["seed"] == 7
            assert decode_mono(path)[0].shape == (4000,)


@FUZZ
@given(st.binary(max_size=600), st.sampled_from(FORMATS))
def test_random_bytes(data, fmt):
    check(data, fmt)
    check(sample(fmt)[:12] + data, fmt)


@FUZZ
@given(st.data(), st.sampled_from(FORMATS))
def test_a_real_file_damaged_or_cut_anywhere(data, fmt):
    valid = bytearray(sample(fmt))
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(valid) - 1))
        patch = data.draw(st.binary(min_size=1, max_size=8))
        valid[start:start + len(patch)] = patch
    check(bytes(valid[:data.draw(st.integers(0, len(valid)))]), fmt)


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=15)


@FUZZ
@given(st.one_of(st.text(max_size=200), JSON.map(json.dumps),
                 st.sampled_from(["[" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "1e999", "null"])),
       st.sampled_from(["flac", "ogg"]))
def test_any_text_in_the_atelier_tag(text, fmt):
    from mutagen.flac import FLAC
    from mutagen.oggvorbis import OggVorbis

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"tagged.{fmt}"
        path.write_bytes(sample(fmt))
        tagged = (FLAC if fmt == "flac" else OggVorbis)(path)
        tagged["ATELIER"] = text
        tagged.save()
        found = read_tags(path)
    assert isinstance(found, dict)


def test_a_flac_claiming_billions_of_frames_allocates_nothing_for_them(tmp_path):
    data = bytearray(sample("flac"))
    # STREAMINFO: rate (20 bits), channels (3), bits (5), then 36 bits of total frames.
    fields = int.from_bytes(data[18:26], "big") | (2**36 - 1)
    data[18:26] = fields.to_bytes(8, "big")
    path = tmp_path / "liar.flac"
    path.write_bytes(bytes(data))
    tracemalloc.start()
    try:
        try:
            decode_mono(path)
        except RuntimeError:
            pass  # libsndfile notices the file ends early: the documented failure
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20
