"""Read a GGUF file's header (metadata and tensor table) without loading weights.

Used to list models (name, size, quantization, context length) and to refuse files
that are not GGUF, are damaged or are truncated *before* llama.cpp sees them: llama.cpp
reports such files only as a generic load failure.

Damaged and incomplete are told apart: a file is "incomplete" only when its header is
sound and says the file is longer than it is; anything that cannot be a GGUF header
(impossible lengths, unknown types, a tensor table that does not add up) is "damaged".
"""

from __future__ import annotations

import functools
import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.text.ggml_types import FILE_TYPES, TENSOR_TYPES

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
# Arrays longer than this (vocabularies) are skipped, not kept.
MAX_KEPT_ARRAY = 64
# Strings longer than this (an embedded tokenizer.json) are skipped, not decoded.
MAX_KEPT_STRING = 1 << 20
# What a header may keep in memory in all (strings plus array items), whatever the file says.
KEEP_BUDGET = 32 << 20
# Real headers are a few MB (the vocabulary); a length that reaches past this is damage.
MAX_HEADER_BYTES = 1 << 30
MAX_NESTING = 8
# Longest plausible key, tensor name (llama.cpp itself allows 63 bytes) and array item
# (a vocabulary token): a longer length field is damage, not a file cut short.
MAX_KEY, MAX_TENSOR_NAME, MAX_ITEM_STRING = 1 << 16, 1 << 12, 1 << 20
MAX_ARRAY = 1 << 26
MAX_KV, MAX_TENSORS, MAX_DIMS = 100_000, 1_000_000, 8
MAX_ELEMENTS = 1 << 50

_SCALARS = {  # GGUF value type -> struct format
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
    10: "<Q", 11: "<q", 12: "<d",
}
_STRING, _ARRAY = 8, 9


@dataclass
class GGUFHeader:
    path: Path
    version: int
    file_size: int
    metadata: dict = field(default_factory=dict)
    tensor_types: dict[int, int] = field(default_factory=dict)  # ggml type -> tensor count
    tensor_count: int = 0

    @property
    def architecture(self) -> str:
        value = self.metadata.get("general.architecture")
        return value if isinstance(value, str) and value else "unknown"

    @property
    def name(self) -> str:
        value = self.metadata.get("general.name")
        return value if isinstance(value, str) and value.strip() else self.path.stem

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return value if _is_count(value) and value > 0 else None

    @property
    def chat_template(self) -> str | None:
        template = self.metadata.get("tokenizer.chat_template")
        return template if isinstance(template, str) and template.strip() else None

    @property
    def quantization(self) -> str:
        file_type = self.metadata.get("general.file_type")
        if _is_count(file_type):
            return _file_type_name(file_type)
        if not self.tensor_types:
            return "unknown"
        most_common = max(self.tensor_types, key=self.tensor_types.get)
        return _tensor_type_name(most_common)


class _Damaged(Exception):
    """Internal: the header cannot be a GGUF header (turned into ModelFileError by read_header)."""


class _Incomplete(Exception):
    """Internal: the header is sound but the file ends before it does."""


class _Cursor:
    def __init__(self, buf, size: int):
        self.buf, self.pos, self.size = buf, 0, size
        self.budget = KEEP_BUDGET

    def need(self, end: int) -> None:
        """A read up to `end`: past any real header is damage; past the file end, a cut."""
        if end > MAX_HEADER_BYTES:
            raise _Damaged
        if end > self.size:
            raise _Incomplete

    def unpack(self, fmt: str):
        self.need(self.pos + struct.calcsize(fmt))
        value = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += struct.calcsize(fmt)
        return value

    def string(self, keep: bool = True, longest: int = MAX_HEADER_BYTES) -> str | None:
        length = self.unpack("<Q")
        if length > longest:
            raise _Damaged
        self.need(self.pos + length)
        start, self.pos = self.pos, self.pos + length
        if not keep or length > MAX_KEPT_STRING or length > self.budget:
            return None
        self.budget -= length
        return bytes(self.buf[start:self.pos]).decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        self.need(self.pos + 8 * count)  # each string has at least its 8-byte length
        buf, pos, unpack = self.buf, self.pos, struct.Struct("<Q").unpack_from
        limit = min(self.size, MAX_HEADER_BYTES) - 8
        for _ in range(count):  # vocabularies: hundreds of thousands of strings
            if pos > limit:
                self.need(pos + 8)
            length = unpack(buf, pos)[0]
            if length > MAX_ITEM_STRING:
                self.pos = pos
                raise _Damaged
            pos += 8 + length
        self.need(pos)
        self.pos = pos

    def value(self, vtype: int, depth: int = 0):
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            text = self.string(longest=MAX_ITEM_STRING if depth else MAX_HEADER_BYTES)
            return text if text is not None else _Skipped(1)
        if vtype == _ARRAY:
            return self.array(depth + 1)
        raise _Damaged

    def array(self, depth: int):
        if depth > MAX_NESTING:
            raise _Damaged
        item_type, count = self.unpack("<I"), self.unpack("<Q")
        if count > MAX_ARRAY:
            raise _Damaged
        if item_type in _SCALARS:
            item_size = struct.calcsize(_SCALARS[item_type])
            if count > MAX_KEPT_ARRAY or count * 8 > self.budget:
                self.need(self.pos + item_size * count)  # skip in one jump
                self.pos += item_size * count
                return _Skipped(count)
        elif item_type == _STRING:
            if count > MAX_KEPT_ARRAY:
                self.skip_strings(count)
                return _Skipped(count)
        elif item_type == _ARRAY:
            self.need(self.pos + 12 * count)  # each inner array has at least its type and count
        else:
            raise _Damaged
        if count > MAX_KEPT_ARRAY or depth > 1:  # walked over, nothing kept
            for _ in range(count):
                self.value(item_type, depth)
            return _Skipped(count)
        self.budget -= 8 * count
        return [self.value(item_type, depth) for _ in range(count)]


class _Skipped(list):
    """A value too large to keep (a vocabulary, an embedded tokenizer): only its count."""

    def __init__(self, count: int):
        super().__init__()
        self.count = count


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _truncated(path: Path) -> ModelFileError:
    return ModelFileError(
        f"{path.name} is incomplete (the file ends early). It was probably not fully "
        "downloaded or copied; download it again."
    )


def _damaged(path: Path, why: str) -> ModelFileError:
    return ModelFileError(
        f"{path.name} is damaged or not a GGUF model ({why}). If it came from a download, "
        "download it again; otherwise copy it again from where it came."
    )


def read_header(path: str | Path) -> GGUFHeader:
    """Parse the header. Raises ModelFileError, and only that, whose message names the
    file and says why: missing or unreadable, not a GGUF, an unsupported version,
    damaged, or incomplete (shorter than its header says). Parsed headers are
    remembered per file version (a scan and a load read it once)."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ModelFileError(f"{path} does not exist.") from None
    except OSError as exc:
        raise ModelFileError(f"{path.name} cannot be read: {exc.strerror or exc}.") from None
    return _read_header_cached(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _read_header_cached(path: Path, size: int, _mtime_ns: int) -> GGUFHeader:
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ModelFileError(f"{path} does not exist.") from None
    except OSError as exc:
        raise ModelFileError(f"{path.name} cannot be read: {exc.strerror or exc}.") from None
    with handle:
        if size < 24:
            raise ModelFileError(f"{path.name} is not a GGUF model (the file is only {size} bytes).")
        try:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                # The file may have changed since stat(): trust what is mapped.
                return parse(buf, path, len(buf))
        except (OSError, ValueError) as exc:  # ValueError: emptied since stat(), cannot be mapped
            raise ModelFileError(f"{path.name} cannot be read: {getattr(exc, 'strerror', None) or exc}.") from None


def parse(buf, path: Path, size: int) -> GGUFHeader:
    """The header in `buf` (bytes or an mmap of the whole file); raises ModelFileError."""
    if bytes(buf[:4]) != GGUF_MAGIC:
        raise ModelFileError(
            f"{path.name} is not a GGUF model. Text models must be .gguf files "
            "(convert or download a GGUF quantization of the model)."
        )
    cur = _Cursor(buf, size)
    cur.pos = 4
    try:
        return _parse_body(cur, path)
    except _Incomplete:
        raise _truncated(path) from None
    except _Damaged:
        raise _damaged(path, f"its header is unreadable at byte {cur.pos}") from None


def _parse_body(cur: _Cursor, path: Path) -> GGUFHeader:
    version = cur.unpack("<I")
    if version not in (2, 3):
        if int.from_bytes(version.to_bytes(4, "little"), "big") in (2, 3):
            raise ModelFileError(f"{path.name} is a big-endian GGUF model; this app reads only "
                                 "little-endian GGUF files (the usual kind).")
        if 0 < version < 100:
            raise ModelFileError(f"{path.name} uses GGUF version {version}, which this app cannot read.")
        raise _Damaged
    tensor_count, kv_count = cur.unpack("<Q"), cur.unpack("<Q")
    if kv_count > MAX_KV or tensor_count > MAX_TENSORS:
        raise _Damaged
    header = GGUFHeader(path=path, version=version, file_size=cur.size, tensor_count=tensor_count)
    for _ in range(kv_count):
        key = cur.string(longest=MAX_KEY)
        value = cur.value(cur.unpack("<I"))
        if key is not None:
            header.metadata[key] = value
    infos = []
    for _ in range(tensor_count):
        cur.string(keep=False, longest=MAX_TENSOR_NAME)  # tensor name
        n_dims = cur.unpack("<I")
        if n_dims > MAX_DIMS:
            raise _Damaged
        dims = [cur.unpack("<Q") for _ in range(n_dims)]
        ggml_type, offset = cur.unpack("<I"), cur.unpack("<Q")
        header.tensor_types[ggml_type] = header.tensor_types.get(ggml_type, 0) + 1
        infos.append((dims, ggml_type, offset))
    alignment = header.metadata.get("general.alignment", DEFAULT_ALIGNMENT)
    if not _is_count(alignment) or not 0 < alignment <= 1 << 20 or alignment & (alignment - 1):
        raise _damaged(path, f"its alignment {alignment!r} is impossible")
    data_start = -(-cur.pos // alignment) * alignment
    data_end = _data_end(path, infos, alignment)
    if tensor_count and data_start + data_end > cur.size:
        raise _truncated(path)
    return header


def _data_end(path: Path, infos: list, alignment: int) -> int:
    """Where the tensor data ends, checked the way llama.cpp checks it: each tensor starts
    where the one before it ends (padded to the alignment). A table that does not add up
    is damage, never a short file."""
    expected, end = 0, 0
    for index, (dims, ggml_type, offset) in enumerate(infos):
        if offset % alignment:
            raise _damaged(path, f"tensor {index} starts at an unaligned offset")
        nbytes = _tensor_nbytes(dims, ggml_type)
        if nbytes is None:
            raise _damaged(path, f"tensor {index} has an impossible shape or type")
        if expected is not None and offset != expected:
            raise _damaged(path, f"tensor {index} is not where the table says it is")
        # A type newer than this table has an unknown size: stop checking the layout there.
        expected = None if nbytes < 0 or expected is None else -(-(offset + nbytes) // alignment) * alignment
        end = max(end, offset + max(nbytes, 0))
    return end  # the last tensor needs no padding after it


def _tensor_nbytes(dims: list[int], ggml_type: int) -> int | None:
    """Bytes of a tensor; -1 for a type newer than this table; None when impossible."""
    elements = 1
    for d in dims:
        elements *= d
    if elements > MAX_ELEMENTS or ggml_type >= 1024:
        return None
    if ggml_type not in TENSOR_TYPES:
        return -1
    _name, block, type_size = TENSOR_TYPES[ggml_type]
    if elements % block:
        return None
    return elements // block * type_size


def _file_type_name(file_type: int) -> str:
    return FILE_TYPES.get(file_type, f"type {file_type}")


def _tensor_type_name(ggml_type: int) -> str:
    return TENSOR_TYPES[ggml_type][0] if ggml_type in TENSOR_TYPES else f"type {ggml_type}"
