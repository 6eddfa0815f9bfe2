"""Fuzzing the readers of settings that images carry: PNG text chunks (tEXt, zTXt, iTXt,
eXIf), EXIF UserComment and XMP in JPEG/WebP, A1111 `parameters`, ComfyUI and InvokeAI
JSON. Whatever the file holds, reading gives ImageSettings with values of the right types
or None — never an exception — within a second, in bounded memory.

ATELIER_FUZZ_EXAMPLES raises the number of examples (and makes runs random, not repeatable)."""

from __future__ import annotations

import io
import itertools
import json
import math
import os
import struct
import tempfile
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PIL = pytest.importorskip("PIL")  # the image extra
from PIL import Image  # noqa: E402

from desktop.core.image import a1111_parameters, foreign_metadata  # noqa: E402
from desktop.core.image.image_metadata import (ATELIER_KEY, XMP_KEY, is_marked_ai_generated,  # noqa: E402
                                               read_settings, settings_from_stealth, settings_from_texts, xmp_packet)

EXAMPLES = int(os.environ.get("ATELIER_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=EXAMPLES or 50, deadline=1000, derandomize=not EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow])
_names = itertools.count()
KEYWORDS = ["parameters", ATELIER_KEY, "prompt", "workflow", "invokeai_metadata", "sd-metadata", "Dream", "Comment",
            "Software", XMP_KEY]


def assert_typed(found) -> None:
    """Settings a caller can use without checking: strings are strings, numbers numbers."""
    if found is None:
        return
    for name in ("prompt", "negative", "sampler", "scheduler", "model_name", "model_hash", "source"):
        assert isinstance(getattr(found, name), str), name
    for name in ("steps", "seed", "width", "height"):
        value = getattr(found, name)
        assert value is None or (type(value) is int and -2**63 <= value < 2**64), name
    for name in ("guidance", "strength"):
        value = getattr(found, name)
        assert value is None or (type(value) is float and math.isfinite(value)), name
    assert isinstance(found.extra, dict)
    found.as_dict()


# -- PNG files built chunk by chunk ------------------------------------------------------

def chunk(kind: bytes, data: bytes, length: int | None = None) -> bytes:
    return (struct.pack(">I", len(data) if length is None else length) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def png(before: bytes = b"", after: bytes = b"", size: tuple[int, int] = (4, 4)) -> bytes:
    width, height = size
    rows = b"".join(b"\0" + b"\0" * 3 * width for _ in range(min(height, 4)))  # only real for tiny sizes
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + before + chunk(b"IDAT", zlib.compress(rows)) + after + chunk(b"IEND", b""))


def text_chunk(kind: str, keyword: bytes, text: bytes, compress: bool = False) -> bytes:
    if kind == "tEXt":
        return chunk(b"tEXt", keyword + b"\0" + text)
    if kind == "zTXt":
        return chunk(b"zTXt", keyword + b"\0\0" + zlib.compress(text))
    body = zlib.compress(text) if compress else text
    return chunk(b"iTXt", keyword + b"\0" + bytes([compress, 0]) + b"en\0\0" + body)


def read_bytes(data: bytes, suffix: str = ".png"):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz-{next(_names)}{suffix}"
        path.write_bytes(data)
        found = read_settings(path)
        is_marked_ai_generated(path)
    assert_typed(found)
    return found


JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**80), 2**80),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=10))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=25)


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


TEXTS = st.one_of(
    st.text(max_size=200),
    JSON.map(json.dumps),
    st.sampled_from([nested(100_000), "[" * 50_000, '{"settings": [1]}', '{"settings": {"prompt": 5, "seed": 1e999}}',
                     "Steps: " + "a:," * 20_000, '{"3": {"class_type": "KSampler", "inputs": [1]}}',
                     "\n" * 100_000 + "Steps: 2, Seed: 1e400, Size: " + "9" * 5000 + "x2"]),
)


@st.composite
def text_chunks(draw) -> bytes:
    keyword = draw(st.one_of(st.sampled_from(KEYWORDS).map(str.encode), st.binary(max_size=90)))
    text = draw(TEXTS).encode("utf-8", "surrogatepass")
    kind = draw(st.sampled_from(["tEXt", "zTXt", "iTXt"]))
    made = text_chunk(kind, keyword, text, compress=draw(st.booleans()))
    if draw(st.integers(0, 9)) == 0:  # a length field that lies
        made = struct.pack(">I", draw(st.integers(0, 2**32 - 1))) + made[4:]
    if draw(st.integers(0, 9)) == 0:  # damaged body
        cut = draw(st.integers(8, len(made)))
        made = made[:cut] + draw(st.binary(max_size=8)) + made[cut:]
    return made


@FUZZ
@given(st.lists(text_chunks(), max_size=4), st.lists(text_chunks(), max_size=2),
       st.one_of(st.none(), st.binary(max_size=80)))
def test_png_with_hostile_text_chunks(before, after, exif):
    found = read_bytes(png(b"".join(before) + (chunk(b"eXIf", exif) if exif is not None else b""), b"".join(after)))
    assert found is None or found.source in ("atelier", "a1111", "forge", "fooocus", "swarmui", "comfyui", "invokeai",
                                              "novelai")


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([".png", ".jpg", ".webp", ".gif", ""]))
def test_random_bytes_as_an_image(data, suffix):
    read_bytes(data, suffix)
    read_bytes(b"\x89PNG\r\n\x1a\n" + data, suffix)


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200), st.integers(0, 2**31)), st.binary(max_size=300),
       st.sampled_from(["JPEG", "WEBP"]))
def test_jpeg_and_webp_with_hostile_exif_and_xmp(comment, xmp, fmt):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = comment
    buffer = io.BytesIO()
    try:
        Image.new("RGB", (8, 8)).save(buffer, fmt, exif=exif.tobytes(), xmp=xmp)
    except (ValueError, TypeError, struct.error):
        return  # Pillow refuses to write this one: nothing to read
    read_bytes(buffer.getvalue(), "." + fmt.lower())


@FUZZ
@given(st.dictionaries(st.sampled_from(KEYWORDS + ["x"]), TEXTS, max_size=4), st.text(max_size=100),
       st.one_of(st.none(), TEXTS.map(lambda t: xmp_packet(t))))
def test_settings_from_any_texts(texts, exif_comment, xmp):
    assert_typed(settings_from_texts(texts, exif_comment, xmp))


# -- the parsers one by one ---------------------------------------------------------------

LINES = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(
    ["Negative prompt: ", "Steps: 20, Sampler: Euler a, Seed: 5", 'Lora: "a, b", Seed: x', "Size: 1x", "Size: 512x512",
     'Steps: "', "Seed: :, Sampler: , :", "Steps: 1, " + 'k: "\\"' * 50, "CFG scale: inf, Denoising strength: nan"])),
    max_size=8)


@FUZZ
@given(LINES, st.text(max_size=300))
def test_a1111_parameters(lines, tail):
    assert_typed(a1111_parameters.parse_parameters("\n".join(lines) + tail))
    assert_typed(a1111_parameters.parse_parameters("Steps: 3, " + tail))


NODE_TYPES = st.one_of(st.sampled_from(
    ["KSampler", "CLIPTextEncode", "EmptyLatentImage", "SamplerCustomAdvanced", "CFGGuider", "DualCFGGuider",
     "ConditioningCombine", "ConditioningZeroOut", "FluxGuidance", "RandomNoise", "BasicScheduler", "KSamplerSelect",
     "ControlNetApplyAdvanced", "Reroute", "PrimitiveNode"]), JSON_SCALARS)
LINK_OR_VALUE = st.one_of(JSON, st.lists(st.one_of(st.sampled_from(["1", "2", "3"]), JSON), max_size=3))
INPUT_NAMES = st.sampled_from(["seed", "steps", "cfg", "positive", "negative", "latent_image", "model", "text",
                               "width", "denoise", "guider", "noise", "sigmas", "sampler", "conditioning",
                               "conditioning_1", "conditioning_2", "cond1", "noise_seed", "sampler_name", "text_a", ""])
NODE = st.fixed_dictionaries({"class_type": NODE_TYPES}, optional={"inputs": st.one_of(
    JSON, st.dictionaries(INPUT_NAMES, LINK_OR_VALUE, max_size=6))})


@FUZZ
@given(st.one_of(JSON, st.dictionaries(st.sampled_from(["1", "2", "3", "x"]), st.one_of(NODE, JSON), max_size=4)))
def test_comfyui_prompt_graphs(graph):
    assert_typed(foreign_metadata.parse_comfyui_prompt(json.dumps(graph)))


SLOT = st.fixed_dictionaries({"name": st.sampled_from(["positive", "negative", "latent_image", "guider", "conditioning_1",
                                                       "text", ""]),
                              "link": st.one_of(st.integers(0, 3), JSON)})
WORKFLOW_NODE = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(0, 3), JSON_SCALARS), "type": NODE_TYPES},
    optional={"inputs": st.one_of(JSON, st.lists(st.one_of(JSON, SLOT), max_size=3)), "widgets_values": JSON})


@FUZZ
@given(st.one_of(JSON, st.fixed_dictionaries({"nodes": st.lists(st.one_of(WORKFLOW_NODE, JSON), max_size=4)},
                                             optional={"links": st.one_of(JSON, st.lists(st.lists(
                                                 st.one_of(st.integers(0, 3), JSON), max_size=6), max_size=4))})))
def test_comfyui_workflows(workflow):
    assert_typed(foreign_metadata.parse_comfyui_workflow(json.dumps(workflow)))


FOREIGN_KEYS = ["prompt", "workflow", "invokeai_metadata", "sd-metadata", "Dream", "Comment", "Software", "Source",
                "Description", "parameters"]


@FUZZ
@given(st.dictionaries(st.sampled_from(FOREIGN_KEYS), st.one_of(TEXTS, st.sampled_from(
    ["NovelAI", '{"uc": 1, "v4_prompt": {"caption": [1]}}', '"a [b" -s -S 1e999 -W', '{"version": "Fooocus", "seed": []}',
     '{"sui_image_params": {"seed": "x"}}', '{"images": [1]}'])), max_size=5))
def test_foreign_texts(texts):
    assert_typed(foreign_metadata.settings_from_foreign(texts))
    for value in texts.values():
        assert_typed(foreign_metadata.parse_parameters(value))
        assert_typed(settings_from_stealth(value))


@FUZZ
@given(st.binary(min_size=4, max_size=60), st.sampled_from([b"stealth_pngcomp", b"stealth_pnginfo", b"stealth_rgbcomp"]))
def test_stealth_bits_that_lie(body, signature):
    import numpy

    bits = numpy.unpackbits(numpy.frombuffer(signature + body, numpy.uint8))
    pixels = numpy.full((32, 32, 4), 200, numpy.uint8)
    lanes = pixels.transpose(1, 0, 2).reshape(-1, 4)  # column by column
    if signature.startswith(b"stealth_rgb"):
        flat = lanes[:, :3].reshape(-1)
        flat[: len(bits)] = (flat[: len(bits)] & 0xFE) | bits
        lanes[:, :3] = flat.reshape(-1, 3)
    else:
        lanes[: len(bits), 3] = (lanes[: len(bits), 3] & 0xFE) | bits
    buffer = io.BytesIO()
    Image.fromarray(lanes.reshape(32, 32, 4).transpose(1, 0, 2).copy(), "RGBA").save(buffer, "PNG")
    read_bytes(buffer.getvalue())


@FUZZ
@given(st.one_of(JSON, st.dictionaries(st.sampled_from(["image", "model", "positive_prompt", "seed", "cfg_scale",
                                                         "width", "model_weights"]), JSON, max_size=5)))
def test_invokeai_metadata(data):
    assert_typed(foreign_metadata.parse_invokeai(json.dumps(data)))


# -- the worst cases, one by one ----------------------------------------------------------

@pytest.mark.parametrize("parse", [foreign_metadata.parse_comfyui_prompt, foreign_metadata.parse_comfyui_workflow,
                                   foreign_metadata.parse_invokeai])
def test_deeply_nested_json_is_no_metadata(parse):
    assert parse(nested(200_000)) is None
    assert parse("[" * 200_000 + "]" * 200_000) is None


HOSTILE_PARAMETERS = {
    "a million lines": "a cat\n" * 1_000_000 + "Steps: 20, Seed: 1",
    "a million colons": "Steps: 1, " + ":" * 1_000_000,
    "unclosed quotes": "Steps: 1, " + 'a: "x, ' * 200_000,
    "keys without colons": "Steps: 1, " + "a a " * 500_000,
    "empty pairs": "Steps: 1, " + "a:," * 500_000,
    "a 5000-digit size": "Steps: 1, Size: " + "9" * 5000 + "x9",
}


# CPU time of this process, so other work on the machine does not count.
@pytest.mark.parametrize("name", HOSTILE_PARAMETERS)
def test_hostile_parameters_finish_fast(name):
    started = time.process_time()
    assert_typed(a1111_parameters.parse_parameters(HOSTILE_PARAMETERS[name]))
    assert time.process_time() - started < 1.0


def test_hostile_xmp_finishes_fast(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(png(text_chunk("iTXt", XMP_KEY.encode(), b"<atelier:Settings>" * 200_000)))
    started = time.process_time()
    assert read_settings(path) is None
    assert time.process_time() - started < 1.0


def test_a_zip_bomb_in_a_text_chunk_stays_small(tmp_path):
    bomb = zlib.compress(b" " * (200 << 20), 9)  # 200 MB of spaces in about 200 KB
    path = tmp_path / "bomb.png"
    path.write_bytes(png(chunk(b"zTXt", b"parameters\0\0" + bomb) + text_chunk("tEXt", b"prompt", b"{}")
                         + chunk(b"iTXt", b"workflow\0\1\0\0\0" + bomb)))
    tracemalloc.start()
    try:
        assert read_settings(path) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 << 20


def test_chunk_lengths_that_lie_read_what_came_before(tmp_path):
    good = text_chunk("tEXt", b"parameters", b"a fox\nSteps: 3, Seed: 8")
    path = tmp_path / "lies.png"
    path.write_bytes(png(good + struct.pack(">I", 2**31 - 1) + b"tEXt" + b"parameters\0x"))
    found = read_settings(path)
    assert (found.prompt, found.steps, found.seed) == ("a fox", 3, 8)


def test_settings_of_a_huge_image_are_read_without_decoding_it(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png(text_chunk("iTXt", b"parameters", "ein Fuchs\nSteps: 3".encode()), size=(60_000, 60_000)))
    started = time.process_time()
    found = read_settings(path)
    assert (found.prompt, found.steps) == ("ein Fuchs", 3)
    assert time.process_time() - started < 1.0


def test_text_chunks_after_the_image_data_are_read(tmp_path):
    path = tmp_path / "late.png"
    path.write_bytes(png(after=text_chunk("zTXt", b"parameters", b"late\nSteps: 9")))
    assert read_settings(path).steps == 9
