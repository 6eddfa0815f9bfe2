"""Safetensors headers: what a person is told about empty, cut-short and damaged files
(through the image studio's loaders), and fuzzing the header reader: whatever the bytes,
a checked header or ModelFileError naming the file, within a second, allocating nothing
a length field claims.

ATELIER_FUZZ_EXAMPLES raises the number of examples (and makes runs random, not repeatable)."""

from __future__ import annotations

import itertools
import json
import os
import struct
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.image import diffusion_registry, upscaler_registry
from desktop.core.errors import ModelFileError
from desktop.core.safetensors_header import read_header
from desktop.core.image.single_file_models import describe_checkpoint

EXAMPLES = int(os.environ.get("ATELIER_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 60, deadline=1000, derandomize=not EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow])
_names = itertools.count()

UNET = "model.diffusion_model.input_blocks.0.0.weight"
CLIP = "cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"


def safetensors_file(tensors: dict[str, tuple[int, ...]], *, length: int | None = None, pad: bytes = b"") -> bytes:
    """F32 zeros in the safetensors layout; `length` overrides the header length field."""
    header, offset = {}, 0
    for name, shape in tensors.items():
        nbytes = 4
        for d in shape:
            nbytes *= d
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header).encode() + pad
    return struct.pack("<Q", len(raw) if length is None else length) + raw + b"\0" * offset


def tiny_checkpoint() -> bytes:
    return safetensors_file({UNET: (8, 4, 3, 3), CLIP: (10, 32)})


def test_the_sample_is_a_checkpoint(tmp_path):
    path = tmp_path / "tiny.safetensors"
    path.write_bytes(tiny_checkpoint())
    assert describe_checkpoint(path) == {"family": "SD 1.x", "text_width": 32, "in_channels": 4}


BAD = {
    "empty": (lambda d: b"", "is not a safetensors file: it is empty"),
    "five bytes": (lambda d: d[:5], "is not a safetensors file: it ends inside its header"),
    "cut in the header": (lambda d: d[:60], "is not a safetensors file: it ends inside its header"),
    "cut in the weights": (lambda d: d[:-100], "is not a safetensors file Atelier can load: it is incomplete"),
    "header length 2^63": (lambda d: struct.pack("<Q", 2**63) + d[8:], "is not a safetensors file"),
    "header not JSON": (lambda d: d[:8] + b"\xff" * (len(d) - 8), "is not a safetensors file"),
    "a text file": (lambda d: b"this is not a model, just text\n" * 3, "is not a safetensors file"),
}


@pytest.mark.parametrize("case", BAD)
def test_the_image_studio_says_what_is_wrong_and_what_to_do(tmp_path, case):
    damage, expected = BAD[case]
    path = tmp_path / "my-model.safetensors"
    path.write_bytes(damage(tiny_checkpoint()))
    # Adding the file in the image studio inspects it ...
    with pytest.raises(ModelFileError, match=expected) as raised:
        diffusion_registry.inspect(path)
    message = str(raised.value)
    assert message.startswith("my-model.safetensors ") and "again" in message and "unpack" not in message
    # ... and scanning the model folders lists it as a problem instead of failing.
    models, problems = diffusion_registry.scan([tmp_path])
    assert models == [] and [p.message for p in problems] == [message]
    assert upscaler_registry.scan([tmp_path]) == ([], [])


@pytest.mark.parametrize("case", ["empty", "five bytes", "cut in the weights"])
def test_loading_a_bad_single_file_checkpoint_says_so(tmp_path, case):
    pytest.importorskip("diffusers")
    from desktop.core.image.diffusion_engine import DiffusionEngine

    damage, expected = BAD[case]
    path = tmp_path / "my-model.safetensors"
    path.write_bytes(damage(tiny_checkpoint()))
    with pytest.raises(ModelFileError, match=f"my-model.safetensors {expected}"):
        DiffusionEngine(path, n_threads=1, config_candidates=[])


# -- fuzzing ------------------------------------------------------------------------------

def check(data: bytes) -> None:
    """The property: a checked header (and a checkpoint description, or None), or
    ModelFileError naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz-{next(_names)}.safetensors"
        path.write_bytes(data)
        try:
            header = read_header(path)
        except ModelFileError as exc:
            assert path.name in str(exc)
            return
        for entry in header.values():
            assert isinstance(entry["dtype"], str) and all(isinstance(d, int) for d in entry["shape"])
        describe_checkpoint(path)
        upscaler_registry.scan([Path(folder)])


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                         st.text(max_size=8))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20)
KEYS = st.sampled_from([UNET, CLIP, "conditioner.embedders.1.x", "cond_stage_model.model.token_embedding.weight",
                        "conv_first.weight", "__metadata__", "x"])


@st.composite
def entries(draw):
    """Tensor entries that are nearly right: any shape, offsets anywhere (beyond the file too)."""
    if draw(st.booleans()):
        return draw(JSON)
    return {"dtype": draw(st.sampled_from(["F32", "F16", 7, None])),
            "shape": draw(st.lists(st.one_of(st.integers(-2, 2**64), JSON_SCALARS), max_size=5)),
            "data_offsets": draw(st.lists(st.one_of(st.integers(-2, 2**64), st.integers(0, 64)), max_size=3))}


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data):
    check(data)
    check(struct.pack("<Q", len(data)) + data)


@FUZZ
@given(st.dictionaries(KEYS, entries(), max_size=5), st.one_of(st.none(), st.integers(0, 2**64 - 1)),
       st.binary(max_size=64))
def test_headers_that_are_nearly_right(header, length, data):
    raw = json.dumps(header).encode()
    check(struct.pack("<Q", len(raw) if length is None else length) + raw + data)


@FUZZ
@given(st.data())
def test_a_checkpoint_damaged_or_cut_anywhere(data):
    valid = bytearray(tiny_checkpoint())
    cut = data.draw(st.integers(0, len(valid)))
    for _ in range(data.draw(st.integers(0, 3))):
        start = data.draw(st.integers(0, len(valid) - 1))
        patch = data.draw(st.binary(min_size=1, max_size=8))
        valid[start:start + len(patch)] = patch
    check(bytes(valid[:cut]))


def test_deeply_nested_json_and_huge_lengths_allocate_nothing(tmp_path):
    nested = b"{" + b'"a":[' * 100_000 + b"]" * 100_000 + b"}"
    cases = [struct.pack("<Q", len(nested)) + nested, struct.pack("<Q", 2**64 - 1) + b"{}",
             struct.pack("<Q", 99_999_999) + b"{}" + b" " * 64]
    for index, data in enumerate(cases):
        path = tmp_path / f"{index}.safetensors"
        path.write_bytes(data)
        tracemalloc.start()
        try:
            with pytest.raises(ModelFileError, match="is not a safetensors file"):
                read_header(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < len(data) + 8 * 2**20


@pytest.mark.parametrize("text", ["[1, 2]", "7", '"text"', "[" * 100_000, '{"_class_name": ["a"]}'])
def test_model_folders_with_odd_json_are_problems_not_crashes(tmp_path, text):
    from desktop.core.image.single_file_models import find_config_folder

    folder = tmp_path / "odd"
    for part in ("", "unet", "text_encoder"):
        (folder / part).mkdir(parents=True, exist_ok=True)
        (folder / part / ("model_index.json" if not part else "config.json")).write_text(text)
    models, problems = diffusion_registry.scan([tmp_path])
    assert [m.family for m in models] in ([], ["diffusers"]) and len(models) + len(problems) == 1
    checkpoint = tmp_path / "tiny.safetensors"
    checkpoint.write_bytes(tiny_checkpoint())
    with pytest.raises(ModelFileError, match="found none"):
        find_config_folder(checkpoint, [folder])
