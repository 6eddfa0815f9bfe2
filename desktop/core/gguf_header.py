"""Read a GGUF file's header (metadata and tensor table) without loading weights.

Used to list models (name, size, quantization, context length) and to refuse files
that are not GGUF or are truncated *before* llama.cpp sees them: llama.cpp reports
such files only as a generic load failure.
"""

from __future__ import annotations

import functools
import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.ggml_types import FILE_TYPES, TENSOR_TYPES

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32
# Arrays longer than this (vocabularies) are skipped, not kept.
MAX_KEPT_ARRAY = 64

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
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if value is not None else None

    @property
    def chat_template(self) -> str | None:
        template = self.metadata.get("tokenizer.chat_template")
        return template if isinstance(template, str) and template.strip() else None

    @property
    def quantization(self) -> str:
        file_type = self.metadata.get("general.file_type")
        if file_type is not None:
            return _file_type_name(int(file_type))
        if not self.tensor_types:
            return "unknown"
        most_common = max(self.tensor_types, key=self.tensor_types.get)
        return _tensor_type_name(most_common)


class _Cursor:
    def __init__(self, buf, path: Path):
        self.buf, self.pos, self.path = buf, 0, path

    def unpack(self, fmt: str):
        try:
            value = struct.unpack_from(fmt, self.buf, self.pos)[0]
        except struct.error:
            raise _truncated(self.path) from None
        self.pos += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        length = self.unpack("<Q")
        if self.pos + length > len(self.buf):
            raise _truncated(self.path)
        raw = self.buf[self.pos:self.pos + length]
        self.pos += length
        return raw.decode("utf-8", errors="replace")

    def skip_strings(self, count: int) -> None:
        buf, pos, unpack = self.buf, self.pos, struct.Struct("<Q").unpack_from
        try:
            for _ in range(count):
                pos += 8 + unpack(buf, pos)[0]
        except struct.error:
            raise _truncated(self.path) from None
        if pos > len(buf):
            raise _truncated(self.path)
        self.pos = pos

    def value(self, vtype: int):
        if vtype in _SCALARS:
            return self.unpack(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            item_type, count = self.unpack("<I"), self.unpack("<Q")
            if item_type in _SCALARS and count > MAX_KEPT_ARRAY:
                self.pos += struct.calcsize(_SCALARS[item_type]) * count  # skip in one jump
                if self.pos > len(self.buf):
                    raise _truncated(self.path)
                return _SkippedArray(count)
            if item_type == _STRING and count > MAX_KEPT_ARRAY:
                self.skip_strings(count)  # vocabularies: hundreds of thousands of strings
                return _SkippedArray(count)
            return [self.value(item_type) for _ in range(count)]
        raise ModelFileError(f"{self.path.name} has an unknown GGUF value type {vtype}; the file is damaged.")


class _SkippedArray(list):
    def __init__(self, count: int):
        super().__init__()
        self.count = count


def _truncated(path: Path) -> ModelFileError:
    return ModelFileError(
        f"{path.name} is incomplete (the file ends early). It was probably not fully "
        "downloaded or copied; download it again."
    )


def read_header(path: str | Path) -> GGUFHeader:
    """Parse the header; raise ModelFileError with a clear reason on anything wrong.
    Parsed headers are remembered per file version (a scan and a load read it once)."""
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
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(buf, path, size)


def _parse(buf, path: Path, size: int) -> GGUFHeader:
    if buf[:4] != GGUF_MAGIC:
        raise ModelFileError(
            f"{path.name} is not a GGUF model. Text models must be .gguf files "
            "(convert or download a GGUF quantization of the model)."
        )
    cur = _Cursor(buf, path)
    cur.pos = 4
    version = cur.unpack("<I")
    if version not in (2, 3):
        raise ModelFileError(f"{path.name} uses GGUF version {version}, which this app cannot read.")
    tensor_count, kv_count = cur.unpack("<Q"), cur.unpack("<Q")
    if kv_count > 1_000_000 or tensor_count > 10_000_000:
        raise ModelFileError(f"{path.name} has an impossible header; the file is damaged.")
    header = GGUFHeader(path=path, version=version, file_size=size, tensor_count=tensor_count)
    for _ in range(kv_count):
        key = cur.string()
        header.metadata[key] = cur.value(cur.unpack("<I"))
    data_end = 0
    infos = []
    for _ in range(tensor_count):
        cur.string()  # tensor name
        n_dims = cur.unpack("<I")
        if n_dims > 8:
            raise ModelFileError(f"{path.name} has a malformed tensor table; the file is damaged.")
        dims = [cur.unpack("<Q") for _ in range(n_dims)]
        ggml_type, offset = cur.unpack("<I"), cur.unpack("<Q")
        header.tensor_types[ggml_type] = header.tensor_types.get(ggml_type, 0) + 1
        infos.append((dims, ggml_type, offset))
    alignment = int(header.metadata.get("general.alignment", DEFAULT_ALIGNMENT)) or DEFAULT_ALIGNMENT
    data_start = -(-cur.pos // alignment) * alignment
    for dims, ggml_type, offset in infos:
        nbytes = _tensor_nbytes(dims, ggml_type)
        if nbytes is not None:
            data_end = max(data_end, offset + nbytes)
    if tensor_count and data_start + data_end > size:
        raise _truncated(path)
    return header


def _tensor_nbytes(dims: list[int], ggml_type: int) -> int | None:
    if ggml_type not in TENSOR_TYPES:
        return None  # a type newer than this table: skip the size check for it
    _name, block, type_size = TENSOR_TYPES[ggml_type]
    elements = 1
    for d in dims:
        elements *= d
    return elements // block * type_size


def _file_type_name(file_type: int) -> str:
    return FILE_TYPES.get(file_type, f"type {file_type}")


def _tensor_type_name(ggml_type: int) -> str:
    return TENSOR_TYPES[ggml_type][0] if ggml_type in TENSOR_TYPES else f"type {ggml_type}"
