"""The sha256 a model is known by, stored with everything it makes.

A single file (a .safetensors checkpoint, a GGUF, an .onnx voice): the sha256 of the whole
file, as A1111 computes it (modules/hashes.py); its first 10 hex digits are A1111's
`Model hash` and Civitai's "AutoV2", so other tools and Civitai recognise the checkpoint.

A folder has no such convention (Civitai hosts single files; InvokeAI hashes each weight file
and hashes the list). Atelier hashes the weights that are loaded from it: the .safetensors
files directly inside each component folder its model_index.json names (a diffusers
pipeline: unet, vae, text_encoder, ...), or directly inside the folder itself when it has
none (a transformers model); in a folder holding several precisions, the variant diffusers is
told to load (fp16) where there is one, else the plain files. Other files (a stray single-file
checkpoint beside model_index.json, unused variants, configs) are not hashed. The folder's hash
is the sha256 of the lines `<file sha256>  <path in the folder>`, one per weight file sorted by
path — what `sha256sum <those files> | sha256sum` prints when run in the folder. Each file's
sha256 is also the one the Hugging Face hub lists for that file.

Hashing reads each file once per file version (resolved path, size, mtime_ns: an edited or
replaced file is a new version) in fixed-size blocks, on the job's thread beside the model's
load, and the result is kept in the library's model_hashes table, which every Atelier process
sharing the library reads (a JSON file in the data folder would need its own locking)."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from desktop.core.errors import Cancelled
from desktop.core.weight_files import weight_variant
from desktop.pipeline.recording import call_patiently
from desktop.pipeline.store_access import StoreAccess

BLOCK_BYTES = 4 << 20  # bounded memory whatever the model's size; larger blocks are no faster


@dataclass(frozen=True)
class FileVersion:
    path: Path       # resolved: a Hugging Face snapshot link is cached as the blob it leads to
    size_bytes: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> FileVersion:
        resolved = Path(path).resolve()
        stat = resolved.stat()
        return cls(resolved, stat.st_size, stat.st_mtime_ns)


def file_sha256(path: Path, stop: Callable[[], bool] = lambda: False) -> str:
    """sha256 of the file's bytes, read a block at a time into one buffer; `stop` is asked
    before each block (a cancelled job does not read on through gigabytes)."""
    digest = hashlib.sha256()
    buffer = bytearray(BLOCK_BYTES)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as handle:
        while True:
            if stop():
                raise Cancelled()
            read = handle.readinto(buffer)
            if not read:
                return digest.hexdigest()
            digest.update(view[:read])  # hashlib lets go of the GIL here: the load runs meanwhile


def weight_files(model: Path) -> list[tuple[str, Path]]:
    """(path in the folder, file) for each file the model's hash covers, sorted by that path;
    a single file is its own only entry."""
    model = Path(model)
    if not model.exists():
        raise FileNotFoundError(f"{model} does not exist")
    if model.is_file():
        return [(model.name, model)]
    variant = weight_variant(model)
    index = model / "model_index.json"
    if index.is_file():
        declared = json.loads(index.read_text(encoding="utf-8"))
        folders = [model / name for name, value in declared.items()
                   if not name.startswith("_") and isinstance(value, list) and any(value)]
    else:
        folders = [model]
    chosen = [file for folder in folders for file in _loaded_weights(folder, variant)]
    return sorted((file.relative_to(model).as_posix(), file) for file in chosen)


def _loaded_weights(folder: Path, variant: str | None) -> list[Path]:
    files = sorted(folder.glob("*.safetensors")) if folder.is_dir() else []
    tagged = [f for f in files if variant and _variant_of(f) == variant]
    return tagged or [f for f in files if _variant_of(f) is None] or files


def _variant_of(file: Path) -> str | None:
    """"fp16" for model.fp16.safetensors and model.fp16-00001-of-00002.safetensors."""
    parts = file.name.split(".")
    return parts[-2].split("-")[0] if len(parts) > 2 else None


def folder_hash(entries: list[tuple[str, str]]) -> str:
    """sha256 over `<sha256>  <path>` lines (sha256sum's format), in the order given."""
    return hashlib.sha256("".join(f"{digest}  {name}\n" for name, digest in entries).encode()).hexdigest()


class ModelHashing:
    """The model's hash, read on a helper thread while the job loads the model (the load
    reads the same files, so the first job waits about once, not twice):

        with ModelHashing(store, job.model_path, job.cancel) as hashing:
            engine = load(...)
            sha256 = hashing.result()

    Files already hashed at their current version are looked up, not read. Leaving the block
    early (a load that fails) stops the reading at the next block. "" for a folder without
    weight files."""

    def __init__(self, store: StoreAccess, model_path: str | Path, cancel: threading.Event | None = None):
        self.store, self.model_path, self.cancel = store, Path(model_path), cancel
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._entries: list[tuple[str, FileVersion]] = []
        self._digests: dict[FileVersion, str] = {}
        self._read: list[FileVersion] = []  # hashed now, to remember if unchanged meanwhile
        self._result: str | None = None
        self._single_file = False

    def __enter__(self) -> ModelHashing:
        try:
            self._single_file = self.model_path.is_file()
            self._entries = [(name, FileVersion.of(file)) for name, file in weight_files(self.model_path)]
        except (OSError, ValueError) as exc:  # a missing or damaged model: the load says so first
            self._error = exc
            return self
        versions = [version for _, version in self._entries]
        known = self.store.call(lambda lib: {v: lib.generations.known_model_hash(v.path, v.size_bytes, v.mtime_ns)
                                             for v in versions})
        self._digests = {version: digest for version, digest in known.items() if digest}
        missing = [version for version in dict.fromkeys(versions) if version not in self._digests]
        if missing:
            self._thread = threading.Thread(target=self._hash, args=(missing,), name="model-hash", daemon=True)
            self._thread.start()
        return self

    def _hash(self, versions: list[FileVersion]) -> None:
        def stop() -> bool:
            return self._stop.is_set() or (self.cancel is not None and self.cancel.is_set())

        try:
            for version in versions:
                self._digests[version] = file_sha256(version.path, stop)
                if FileVersion.of(version.path) == version:
                    self._read.append(version)
        except BaseException as exc:  # noqa: BLE001 - handed to the job's thread by result()
            self._error = exc

    def result(self) -> str:
        if self._result is None:
            if self._thread is not None:
                self._thread.join()
            if self._error is not None:
                raise self._error
            read = list(self._read)
            if read:
                call_patiently(self.store, lambda lib: [lib.generations.remember_model_hash(
                    v.path, v.size_bytes, v.mtime_ns, self._digests[v]) for v in read])
            self._result = self._combine()
        return self._result

    def _combine(self) -> str:
        if self._single_file:
            return self._digests[self._entries[0][1]]
        return folder_hash([(name, self._digests[version]) for name, version in self._entries]) if self._entries else ""

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
