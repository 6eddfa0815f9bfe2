"""The text a PNG carries (tEXt, zTXt, iTXt chunks, and the raw eXIf chunk), read straight
from the file: no pixels are decoded (Pillow's `.text` decodes the whole image to find
chunks after the image data) and memory stays bounded whatever the chunks claim."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Per chunk, after decompression (ComfyUI workflows reach a few MB); longer ones are skipped.
MAX_TEXT = 16 << 20
MAX_TOTAL_TEXT = 64 << 20
MAX_EXIF = 1 << 20
# A real PNG has a handful of chunks (and IDAT chunks of kilobytes); stop walking after this.
MAX_CHUNKS = 100_000
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def is_png(path: str | Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(8) == PNG_SIGNATURE


def read_png_texts(path: str | Path) -> tuple[dict[str, str], bytes]:
    """(keyword -> text, raw eXIf bytes). A damaged or oversized chunk is skipped, and the
    walk ends at the first chunk that cannot be a chunk: whatever was read before is kept.
    Raises only OSError (the file cannot be opened or read)."""
    texts: dict[str, str] = {}
    exif, budget = b"", MAX_TOTAL_TEXT
    with open(path, "rb") as handle:
        if handle.read(8) != PNG_SIGNATURE:
            return texts, exif
        for _ in range(MAX_CHUNKS):
            head = handle.read(8)
            if len(head) < 8:
                break
            length, kind = struct.unpack(">I4s", head)
            if kind == b"IEND" or length > 0x7FFFFFFF:  # the format's own limit on chunk length
                break
            wanted = kind in _TEXT_CHUNKS and length <= min(MAX_TEXT, budget)
            if wanted or (kind == b"eXIf" and length <= MAX_EXIF):
                data = handle.read(length)
                if len(data) < length:
                    break
                handle.seek(4, 1)  # CRC: a bad one costs nothing here, the text is checked below
            else:
                handle.seek(length + 4, 1)
                continue
            if kind == b"eXIf":
                exif = data
                continue
            entry = _text_chunk(kind, data, min(MAX_TEXT, budget))
            if entry is not None:
                texts[entry[0]] = entry[1]
                budget -= len(entry[1])
    return texts, exif


def _text_chunk(kind: bytes, data: bytes, limit: int) -> tuple[str, str] | None:
    keyword, sep, rest = data.partition(b"\0")
    if not sep or not 1 <= len(keyword) <= 79:
        return None
    key = keyword.decode("latin-1")
    if kind == b"tEXt":
        return key, rest.decode("latin-1")
    if kind == b"zTXt":
        text = _inflate(rest[1:], limit) if rest[:1] == b"\0" else None
        return (key, text.decode("latin-1")) if text is not None else None
    # iTXt: compression flag, method, language tag\0, translated keyword\0, UTF-8 text
    if len(rest) < 2:
        return None
    flag, method, rest = rest[0], rest[1], rest[2:]
    _language, sep1, rest = rest.partition(b"\0")
    _translated, sep2, body = rest.partition(b"\0")
    if not (sep1 and sep2):
        return None
    if flag:
        body = _inflate(body, limit) if method == 0 else None
        if body is None:
            return None
    return key, body.decode("utf-8", "replace")


def _inflate(data: bytes, limit: int) -> bytes | None:
    """zlib data, or None when it is damaged or would inflate past `limit` (a zip bomb
    stops after `limit` bytes, never allocating more)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        return None
    return out if len(out) <= limit and not inflater.unconsumed_tail else None
