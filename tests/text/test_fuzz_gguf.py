"""Fuzzing the GGUF header reader: whatever the bytes, read_header either returns a header
whose properties all work, or raises ModelFileError naming the file — within a second and
without allocating what a length field claims.

ATELIER_FUZZ_EXAMPLES raises the number of examples (and makes runs random, not repeatable)."""

from __future__ import annotations

import itertools
import os
import struct
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.errors import ModelFileError
from desktop.core.text.gguf_header import parse, read_header

EXAMPLES = int(os.environ.get("ATELIER_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 60, deadline=1000, derandomize=not EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow])
U64 = st.integers(0, 2**64 - 1)
U32 = st.integers(0, 2**32 - 1)
_names = itertools.count()


def string(raw: bytes, length: int | None = None) -> bytes:
    return struct.pack("<Q", len(raw) if length is None else length) + raw


def kv(key: str, vtype: int, value: bytes) -> bytes:
    return string(key.encode()) + struct.pack("<I", vtype) + value


def tensor(name: bytes, dims: list[int], ggml_type: int, offset: int) -> bytes:
    return (string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
            + struct.pack("<IQ", ggml_type, offset))


def gguf_file(kvs: list[bytes], tensors: list[bytes] = (), *, version: int = 3, n_kv: int | None = None,
              n_tensors: int | None = None, data: bytes = b"") -> bytes:
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors) if n_tensors is None else n_tensors,
                                 len(kvs) if n_kv is None else n_kv)
    body = head + b"".join(kvs) + b"".join(tensors)
    return body + b"\0" * (-len(body) % 32) + data


def a_valid_file() -> bytes:
    """Two F32 tensors laid out as llama.cpp expects, and the usual metadata."""
    kvs = [kv("general.architecture", 8, string(b"llama")), kv("general.name", 8, string(b"Fuzz")),
           kv("llama.context_length", 4, struct.pack("<I", 2048)), kv("general.file_type", 4, struct.pack("<I", 0)),
           kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + string(b"a") + string(b"bc") + string(b""))]
    tensors = [tensor(b"a.weight", [4, 2], 0, 0), tensor(b"b.weight", [3], 0, 32)]
    return gguf_file(kvs, tensors, data=b"\1" * 32 + b"\2" * 12)


def check(data: bytes) -> None:
    """The property: a header with working properties, or ModelFileError naming the file."""
    path = Path(f"fuzz-{next(_names)}.gguf")
    try:
        header = parse(data, path, len(data))
    except ModelFileError as exc:
        assert path.name in str(exc)
        return
    (header.name, header.architecture, header.context_length, header.quantization, header.chat_template)


# -- values: any type id, any length fields, arrays nested and huge -----------------------

def _value(draw, vtype: int, depth: int = 0) -> bytes:
    if vtype in (0, 1, 7):
        return draw(st.binary(min_size=1, max_size=1))
    if vtype in (2, 3):
        return draw(st.binary(min_size=2, max_size=2))
    if vtype in (4, 5, 6):
        return draw(st.binary(min_size=4, max_size=4))
    if vtype in (10, 11, 12):
        return draw(st.binary(min_size=8, max_size=8))
    if vtype == 8:
        raw = draw(st.binary(max_size=40))
        return string(raw, draw(st.one_of(st.none(), U64, st.integers(0, 64))))
    if vtype == 9 and depth < 4:
        item_type = draw(st.one_of(st.integers(0, 13), U32))
        items = draw(st.lists(st.just(0), max_size=5))
        count = draw(st.one_of(st.just(len(items)), U64, st.integers(60, 70)))
        return struct.pack("<IQ", item_type, count) + b"".join(_value(draw, item_type, depth + 1) for _ in items)
    return draw(st.binary(max_size=16))


@st.composite
def gguf_files(draw) -> bytes:
    kvs = []
    for _ in range(draw(st.integers(0, 6))):
        vtype = draw(st.one_of(st.integers(0, 13), U32))
        key = draw(st.sampled_from(["general.architecture", "general.name", "general.alignment",
                                    "general.file_type", "llama.context_length", "tokenizer.chat_template", "k"]))
        kvs.append(kv(key, vtype, _value(draw, vtype)))
    tensors = []
    for _ in range(draw(st.integers(0, 4))):
        dims = draw(st.lists(st.one_of(st.integers(0, 64), U64), max_size=10))
        tensors.append(tensor(draw(st.binary(max_size=12)), dims, draw(st.one_of(st.integers(0, 45), U32)),
                              draw(st.one_of(st.sampled_from([0, 32, 64]), U64))))
    return gguf_file(kvs, tensors, version=draw(st.one_of(st.sampled_from([2, 3]), U32)),
                     n_kv=draw(st.one_of(st.none(), U64, st.integers(0, 8))),
                     n_tensors=draw(st.one_of(st.none(), U64, st.integers(0, 8))),
                     data=draw(st.binary(max_size=128)))


@FUZZ
@given(st.binary(max_size=512))
def test_random_bytes(data):
    check(data)
    check(b"GGUF" + data)
    check(b"GGUF\3\0\0\0" + data)


@FUZZ
@given(gguf_files())
def test_structured_headers_with_wrong_counts_lengths_and_types(data):
    check(data)


@FUZZ
@given(st.data())
def test_a_valid_file_damaged_anywhere(data):
    valid = bytearray(a_valid_file())
    for _ in range(data.draw(st.integers(1, 4))):
        start = data.draw(st.integers(0, len(valid) - 1))
        patch = data.draw(st.binary(min_size=1, max_size=9))
        valid[start:start + len(patch)] = patch
    check(bytes(valid))


@FUZZ
@given(st.data())
def test_a_valid_file_cut_anywhere_is_incomplete(data):
    valid = a_valid_file()
    cut = data.draw(st.integers(24, len(valid) - 1))
    with pytest.raises(ModelFileError, match="incomplete"):
        parse(valid[:cut], Path("cut.gguf"), cut)


def test_the_valid_sample_reads():
    header = parse(a_valid_file(), Path("fuzz.gguf"), len(a_valid_file()))
    assert (header.name, header.context_length, header.quantization, header.tensor_count) == ("Fuzz", 2048, "F32", 2)


HOSTILE = {
    "string length 2^63": gguf_file([kv("general.name", 8, string(b"x", 2**63))]),
    "array count 2^64-1": gguf_file([kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 2**64 - 1))]),
    "scalar array 2^62 items": gguf_file([kv("scores", 9, struct.pack("<IQ", 6, 2**62))]),
    "arrays nested 10,000 deep": gguf_file([kv("deep", 9, struct.pack("<IQ", 9, 1) * 10_000)]),
    "2^60 key-values": gguf_file([], n_kv=2**60),
    "2^60 tensors": gguf_file([], n_tensors=2**60),
    "tensor dims 2^64-1": gguf_file([], [tensor(b"t", [2**64 - 1] * 8, 0, 0)]),
    "tensor offset 2^64-1": gguf_file([], [tensor(b"t", [4], 0, 2**64 - 1)]),
    "alignment 0": gguf_file([kv("general.alignment", 4, struct.pack("<I", 0))], [tensor(b"t", [4], 0, 0)]),
    "alignment 3": gguf_file([kv("general.alignment", 4, struct.pack("<I", 3))], [tensor(b"t", [4], 0, 0)]),
    "1,000 vocabulary strings of 2^40": gguf_file([kv("v", 9, struct.pack("<IQ", 8, 1000) + string(b"", 2**40))]),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_lengths_allocate_nothing_and_name_the_damage(tmp_path, name):
    path = tmp_path / f"{name}.gguf"
    path.write_bytes(HOSTILE[name])
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="damaged or not a GGUF model|incomplete"):
            read_header(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{name}: {peak} bytes"


def test_sixty_thousand_empty_arrays_are_walked_not_kept(tmp_path):
    path = tmp_path / "wide.gguf"
    path.write_bytes(gguf_file([kv("wide", 9, struct.pack("<IQ", 9, 60_000) + struct.pack("<IQ", 0, 0) * 60_000)]))
    assert read_header(path).metadata["wide"] == []
