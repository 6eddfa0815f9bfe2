"""Read a .safetensors file's header (tensor names, dtypes, shapes, offsets) without
touching the weights, and refuse anything that is not one with a message a person can
act on — never "unpack requires a buffer of 8 bytes".

Layout: an 8-byte little-endian header length N, N bytes of JSON (an object of
name -> {dtype, shape, data_offsets}, plus optional "__metadata__"), then the data.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.model_registry import human_size

# The format's own limit (the safetensors library refuses longer headers).
MAX_HEADER = 100_000_000
METADATA_KEY = "__metadata__"


def read_header(path: str | Path) -> dict[str, dict]:
    """Tensor name -> {"dtype": str, "shape": [int], "data_offsets": [begin, end]}, checked.

    Raises ModelFileError, and only that, naming the file: missing or unreadable; "not a
    safetensors file" when it is empty, ends inside its header, or its header is not a
    safetensors header; "incomplete" (also "not a safetensors file Atelier can load") when
    the header is sound but the file is shorter than the data it describes."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(0)
            prefix = handle.read(8)
            length = struct.unpack("<Q", prefix)[0] if len(prefix) == 8 else None
            if length is None or length > size - 8:
                raise _cut_in_header(path, size, length)
            if not 2 <= length <= MAX_HEADER:
                raise _not_safetensors(path)
            raw = handle.read(length)  # bounded: at most MAX_HEADER and at most the file
    except FileNotFoundError:
        raise ModelFileError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path.name} is a folder, not a safetensors file.") from None
    except OSError as exc:
        raise ModelFileError(f"{path.name} cannot be read: {exc.strerror or exc}.") from None
    tensors = parse_header(raw, path)
    data_end = max((entry["data_offsets"][1] for entry in tensors.values()), default=0)
    if 8 + length + data_end > size:
        raise ModelFileError(
            f"{path.name} is not a safetensors file Atelier can load: it is incomplete (its header "
            f"describes {human_size(data_end)} of weights, the file holds "
            f"{human_size(max(size - 8 - length, 0))}). It was probably not fully downloaded or "
            "copied; download it again.")
    return tensors


def parse_header(raw: bytes, path: Path) -> dict[str, dict]:
    """The JSON header bytes, checked entry by entry; raises ModelFileError."""
    if raw[:1] != b"{":
        raise _not_safetensors(path)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        raise _not_safetensors(path) from None
    if not isinstance(header, dict):
        raise _not_safetensors(path)
    tensors = {}
    for name, entry in header.items():
        if name == METADATA_KEY:
            continue
        if not _is_tensor_entry(entry):
            raise _not_safetensors(path)
        tensors[name] = entry
    return tensors


def parameter_count(path: str | Path) -> int:
    """Numbers stored in the file, from its header alone."""
    return sum(math.prod(entry["shape"]) for name, entry in read_header(path).items() if name != METADATA_KEY)


def shape_dim(entry: dict | None, index: int) -> int | None:
    """One dimension of a checked entry's shape, or None when it has no such dimension."""
    shape = entry.get("shape") if isinstance(entry, dict) else None
    return shape[index] if isinstance(shape, list) and -len(shape) <= index < len(shape) else None


def _is_tensor_entry(entry) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("dtype"), str):
        return False
    shape, offsets = entry.get("shape"), entry.get("data_offsets")
    if not isinstance(shape, list) or not all(_is_size(d) for d in shape):
        return False
    return (isinstance(offsets, list) and len(offsets) == 2 and all(_is_size(o) for o in offsets)
            and offsets[0] <= offsets[1])


def _is_size(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _not_safetensors(path: Path) -> ModelFileError:
    return ModelFileError(
        f"{path.name} is not a safetensors file (its header is missing or damaged). If it should "
        "be one, download or copy it again; otherwise remove it from the model folder.")


def _cut_in_header(path: Path, size: int, length: int | None) -> ModelFileError:
    if size == 0:
        return ModelFileError(
            f"{path.name} is not a safetensors file: it is empty (0 bytes). Download or copy it "
            "again, or remove it from the model folder.")
    if length is not None and length > MAX_HEADER:
        return _not_safetensors(path)
    return ModelFileError(
        f"{path.name} is not a safetensors file: it ends inside its header ({size} bytes), so it is "
        "incomplete or damaged. Download or copy it again, or remove it from the model folder.")
