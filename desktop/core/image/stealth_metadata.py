""""Stealth" metadata: settings hidden in the lowest bit of the pixels, which survives sites
that strip text chunks. Written by Forge (modules/stealth_infotext.py), the A1111
extension sd-webui-stealth-pnginfo and NovelAI:

- pixels are walked column by column (x outer, y inner);
- "alpha" mode puts one bit per pixel in the alpha channel's lowest bit, "rgb" mode three
  (red, green, blue), as one continuous stream;
- the stream is a 15-byte signature (stealth_pnginfo / stealth_pngcomp for alpha,
  stealth_rgbinfo / stealth_rgbcomp for rgb; "comp" = gzip), a 32-bit big-endian length
  of the payload in bits, then the payload: the A1111 text, or NovelAI's JSON.

Reading decodes pixels, so it is bounded: only PNG and WebP (lossless formats that can
carry it), at most MAX_PIXELS, only the columns the declared length needs, at most
MAX_PAYLOAD bytes read and MAX_TEXT bytes inflated. Nothing raises: damage reads as None.
"""

from __future__ import annotations

import math
import warnings
import zlib
from pathlib import Path

SIGNATURES = {b"stealth_pnginfo": ("alpha", False), b"stealth_pngcomp": ("alpha", True),
              b"stealth_rgbinfo": ("rgb", False), b"stealth_rgbcomp": ("rgb", True)}
_SIGNATURE_BITS = 15 * 8
_HEADER_BITS = _SIGNATURE_BITS + 32
# A1111/NovelAI images are a few megapixels; past this the decode costs more than it is worth.
MAX_PIXELS = 16 * 1024 * 1024
MAX_PAYLOAD = 1 << 20
MAX_TEXT = 1 << 20


def read_stealth_text(path: str | Path) -> str | None:
    """The text hidden in the image's pixels, or None (none there, or unreadable)."""
    try:
        return _read(path)
    except Exception:  # noqa: BLE001 - Pillow and numpy raise many kinds on hostile files
        return None


def _read(path) -> str | None:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(path) as image:
            width, height = image.size
            if image.format not in ("PNG", "WEBP") or not 0 < width * height <= MAX_PIXELS:
                return None
            if image.mode not in ("RGB", "RGBA"):
                return None
            image.load()
            for channels, mode in (((3,), "alpha"), ((0, 1, 2), "rgb")):
                if mode == "alpha" and image.mode != "RGBA":
                    continue
                found = _payload(image, channels, mode)
                if found is not None:
                    return found
    return None


def _payload(image, channels: tuple[int, ...], mode: str) -> str | None:
    signature = _bits_to_bytes(_bits(image, channels, _SIGNATURE_BITS))
    kind = SIGNATURES.get(signature)
    if kind is None or kind[0] != mode:
        return None
    header = _bits(image, channels, _HEADER_BITS)
    length = int("".join(map(str, header[_SIGNATURE_BITS:].tolist())), 2)
    available = image.size[0] * image.size[1] * len(channels) - _HEADER_BITS
    if not 0 < length <= min(MAX_PAYLOAD * 8, available):
        return None
    data = _bits_to_bytes(_bits(image, channels, _HEADER_BITS + length)[_HEADER_BITS:])
    if kind[1]:
        data = _gunzip(data)
    elif len(data) > MAX_TEXT:
        return None
    return data.decode("utf-8", "replace") if data is not None else None


def _bits(image, channels: tuple[int, ...], count: int):
    """The first `count` lowest bits of `channels`, pixels taken column by column. Only the
    columns needed are copied out of the decoded image."""
    import numpy

    width, height = image.size
    pixels_needed = math.ceil(count / len(channels))
    columns = min(width, math.ceil(pixels_needed / height))
    region = numpy.asarray(image.crop((0, 0, columns, height)))  # (height, columns, bands)
    stream = region.transpose(1, 0, 2).reshape(-1, region.shape[2])[:pixels_needed, list(channels)]
    return (stream.reshape(-1)[:count] & 1).astype(numpy.uint8)


def _bits_to_bytes(bits) -> bytes:
    import numpy

    return numpy.packbits(bits[: len(bits) // 8 * 8]).tobytes()


def _gunzip(data: bytes) -> bytes | None:
    """gzip data, or None when damaged, cut short or longer than MAX_TEXT once inflated."""
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, MAX_TEXT + 1)
    except zlib.error:
        return None
    return out if len(out) <= MAX_TEXT and inflater.eof and not inflater.unconsumed_tail else None
