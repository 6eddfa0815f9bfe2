"""Settings read from the images other tools write (samples in metadata_samples, written from
each tool's writer code): every field each format carries, stealth metadata read within its
bounds, truncated PNGs read up to the cut without decoding pixels."""

from __future__ import annotations

import gzip
import io
import struct
import time
import tracemalloc
import zlib

import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

import metadata_samples as samples  # noqa: E402
from desktop.core.image import comfyui_graph, image_metadata, stealth_metadata  # noqa: E402
from desktop.core.image.image_metadata import read_settings  # noqa: E402
from desktop.core.image.invokeai_metadata import parse_dream, split_negative  # noqa: E402

SAMPLES = samples.samples()


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_every_field_of_every_tool_is_read(tmp_path, sample):
    path = tmp_path / f"{sample.name}{sample.suffix}"
    path.write_bytes(sample.data)
    found = read_settings(path)
    assert found is not None
    assert {k: getattr(found, k) for k in sample.expected} == sample.expected


def write(tmp_path, data: bytes, name="x.png"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- truncated PNGs -------------------------------------------------------------------------

@pytest.mark.parametrize("cut", ["idat", "chunk"])
def test_a_truncated_png_gives_the_chunks_before_the_cut_without_decoding(tmp_path, cut, monkeypatch):
    path = write(tmp_path, samples.truncated_png(cut))
    with pytest.raises(OSError), Image.open(path) as image:
        image.load()  # the pixels really are cut off
    monkeypatch.setattr(stealth_metadata, "read_stealth_text", lambda _path: pytest.fail("pixels decoded"))
    found = read_settings(path)
    assert (found.prompt, found.seed, found.width) == (samples.A1111_EXPECTED["prompt"], 1234567890, 832)


# -- stealth metadata -----------------------------------------------------------------------

def test_stealth_is_read_only_when_no_text_holds_settings(tmp_path, monkeypatch):
    image = samples.stealth_image("hidden prompt\nSteps: 9, Sampler: Euler, Seed: 1")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=_info(parameters="visible prompt\nSteps: 3, Sampler: Euler, Seed: 2"))
    path = write(tmp_path, buffer.getvalue())
    monkeypatch.setattr(stealth_metadata, "read_stealth_text", lambda _path: pytest.fail("pixels decoded"))
    assert read_settings(path).prompt == "visible prompt"


def _info(**chunks):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    for key, value in chunks.items():
        info.add_text(key, value)
    return info


def stealth_bytes(signature: bytes, length_bits: int, body: bytes, size=(64, 64)) -> bytes:
    """An RGBA PNG whose alpha LSBs carry exactly this header and body (lengths may lie)."""
    bits = []
    for byte in signature + struct.pack(">I", length_bits) + body:
        bits += [(byte >> (7 - i)) & 1 for i in range(8)]
    image = Image.new("RGBA", size, (100, 100, 100, 254))
    pixels = image.load()
    for index, bit in enumerate(bits[: size[0] * size[1]]):
        x, y = divmod(index, size[1])  # column by column
        pixels[x, y] = (100, 100, 100, 254 | bit)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("signature, length, body", [
    (b"stealth_pnginfo", 2**32 - 1, b"x" * 100),            # longer than the image holds
    (b"stealth_pnginfo", 0, b""),                            # empty
    (b"stealth_pngcomp", 8 * 40, b"not gzip at all, damaged" * 2),
    (b"stealth_pngcomp", 8 * 30, gzip.compress(b"a cat\nSteps: 3")[:20] + b"\0" * 10),  # cut gzip
    (b"stealth_rgbinfo", 8 * 10, b"0123456789"),             # rgb signature in the alpha channel
    (b"stealth_png1nfo", 8 * 10, b"0123456789"),             # no signature
])
def test_damaged_stealth_metadata_is_none(tmp_path, signature, length, body):
    path = write(tmp_path, stealth_bytes(signature, length, body))
    assert stealth_metadata.read_stealth_text(path) is None
    assert read_settings(path) is None


def test_a_stealth_zip_bomb_stays_small(tmp_path):
    bomb = gzip.compress(b" " * (64 << 20), 9)  # 64 MB of spaces in ~64 KB
    image = Image.new("RGBA", (1024, 1024), (1, 2, 3, 255))
    path = write(tmp_path, _stealth_png_with(image, b"stealth_pngcomp", bomb))
    tracemalloc.start()
    try:
        assert stealth_metadata.read_stealth_text(path) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 48 << 20  # the decoded image (4 MB) and the capped text, never the 64 MB


def _stealth_png_with(image, signature: bytes, body: bytes) -> bytes:
    import numpy

    bits = numpy.unpackbits(numpy.frombuffer(signature + struct.pack(">I", len(body) * 8) + body, numpy.uint8))
    pixels = numpy.asarray(image).copy()
    columns = pixels.transpose(1, 0, 2).reshape(-1, 4)
    columns[: len(bits), 3] = (columns[: len(bits), 3] & 0xFE) | bits
    buffer = io.BytesIO()
    Image.fromarray(columns.reshape(image.size[0], image.size[1], 4).transpose(1, 0, 2).copy(), "RGBA").save(buffer, "PNG")
    return buffer.getvalue()


def test_an_image_too_large_for_stealth_is_not_decoded(tmp_path):
    """A PNG declaring 20000x20000 pixels (400 MP) with almost no data: refused by size."""
    header = struct.pack(">IIBBBBB", 20_000, 20_000, 8, 6, 0, 0, 0)
    data = (b"\x89PNG\r\n\x1a\n" + samples.chunk(b"IHDR", header)
            + samples.chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + samples.chunk(b"IEND", b""))
    path = write(tmp_path, data)
    started = time.process_time()
    assert read_settings(path) is None
    assert time.process_time() - started < 1.0


def test_plain_pixels_have_no_stealth_metadata(tmp_path):
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 80).convert("RGBA").save(buffer, "PNG")
    assert read_settings(write(tmp_path, buffer.getvalue())) is None


def test_a_jpeg_is_never_searched_for_stealth_bits(tmp_path):
    buffer = io.BytesIO()
    samples.stealth_image("a cat\nSteps: 3", mode="rgb", image_mode="RGB").save(buffer, "JPEG", quality=100)
    assert stealth_metadata.read_stealth_text(write(tmp_path, buffer.getvalue(), "x.jpg")) is None


# -- the parsers' details -------------------------------------------------------------------

@pytest.mark.parametrize("command, prompt, negative, steps, seed, sampler", [
    ('"a cat [dog]" -s 20 -S 5 -A k_lms', "a cat", "dog", 20, 5, "LMS"),
    ("a cat, [blurry], sitting -s30 -S7 -Addim", "a cat, sitting", "blurry", 30, 7, "DDIM"),
    ('"say \\"hi\\"" --steps=12 --seed 9', 'say "hi"', "", 12, 9, ""),
    ("only a prompt - with a dash", "only a prompt - with a dash", "", None, None, ""),
])
def test_invokeai2_dream_commands(command, prompt, negative, steps, seed, sampler):
    found = parse_dream(command)
    assert (found.prompt, found.negative, found.steps, found.seed, found.sampler) == (prompt, negative, steps, seed, sampler)


@pytest.mark.parametrize("prompt, expected", [
    ("a [b [c]] d", ("a d", "b [c]")),
    ("[only negative]", ("", "only negative")),
    ("unclosed [bracket", ("unclosed", "bracket")),
    ("stray ] bracket", ("stray ] bracket", "")),
    ("[" * 100_000 + "x", ("", "[" * 99_999 + "x")),
])
def test_invokeai2_negative_syntax(prompt, expected):
    assert split_negative(prompt) == expected


def test_a_conditioning_loop_ends():
    graph = {
        "1": {"class_type": "KSampler", "inputs": {"positive": ["2", 0], "negative": ["3", 0], "seed": 1}},
        "2": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["3", 0], "conditioning_2": ["4", 0]}},
        "3": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["2", 0], "conditioning_2": ["4", 0]}},
        "4": {"class_type": "CLIPTextEncode", "inputs": {"text": ["4", 0]}},
    }
    found = comfyui_graph.settings_from_graph(graph)
    assert (found.prompt, found.negative, found.seed) == ("", "", 1)


def test_a_long_conditioning_chain_is_walked_within_its_bounds():
    graph = {str(i): {"class_type": "ConditioningSetArea", "inputs": {"conditioning": [str(i + 1), 0]}}
             for i in range(2, 100_000)}
    graph["1"] = {"class_type": "KSampler", "inputs": {"positive": ["2", 0], "seed": 3}}
    graph["100000"] = {"class_type": "CLIPTextEncode", "inputs": {"text": "far away"}}
    started = time.process_time()
    found = comfyui_graph.settings_from_graph(graph)
    assert found.seed == 3 and found.prompt == ""  # deeper than MAX_DEPTH: not reached, not hung
    assert time.process_time() - started < 1.0


def test_stealth_text_that_is_novelai_json_or_a1111_text():
    assert image_metadata.settings_from_stealth(samples.NAI4_STEALTH).source == "novelai"
    assert image_metadata.settings_from_stealth("a fox\nSteps: 4, Seed: 2").steps == 4
    assert image_metadata.settings_from_stealth(None) is None
