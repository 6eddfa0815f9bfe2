"""Importing a saved gallery (.zip or folder): every member is checked before anything is
written, files are verified against their sha256, items already in the library (same
file hash) are recognised and not duplicated, and collections, tags, favourites and
ratings come back."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable

from desktop.core.errors import Cancelled, UserFacingError
from desktop.store.archive_safety import checked_members
from desktop.store.asset_files import write_atomically
from desktop.store.fts import remember_terms
from desktop.store.generations import AssetMeta, transaction


@dataclass
class ImportResult:
    imported: int
    duplicates: int


class _Source:
    """Reads members of a zip (after the safety check) or of a folder (inside it only)."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = None
        if zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            self.names = {m.filename for m in checked_members(self.zip)}
        elif path.is_dir():
            self.root = path.resolve()
        else:
            raise UserFacingError(f"{path.name} is neither a gallery .zip nor a gallery folder.")

    def read(self, name: str) -> bytes:
        if self.zip is not None:
            if name not in self.names:
                raise UserFacingError(f"The gallery lists {name} but does not contain it.")
            return self.zip.read(name)
        target = (self.root / PurePosixPath(name)).resolve()
        if not target.is_relative_to(self.root) or target.is_symlink():
            raise UserFacingError(f"The gallery refers outside its folder ({name}); it was not imported.")
        return target.read_bytes()

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def import_gallery(store, path: Path, progress: Callable[[int, int], None] = lambda d, t: None,
                   cancel: threading.Event | None = None) -> ImportResult:
    """`store.call(fn)` runs fn(library) where the library's connection lives (a Library
    itself, or the app's writer thread): files are read, verified and written here, and
    only the short database steps go to the store."""
    cancel = cancel or threading.Event()
    root = store.call(lambda lib: lib.layout.root)
    source = _Source(Path(path))
    try:
        try:
            manifest = json.loads(source.read("manifest.json"))
        except (UserFacingError, OSError, KeyError, ValueError):
            raise UserFacingError("This is not an Atelier gallery (no readable manifest.json).") from None
        if manifest.get("format") != "atelier-gallery" or not isinstance(manifest.get("items"), list):
            raise UserFacingError("This is not an Atelier gallery (unknown manifest format).")
        imported = duplicates = 0
        items = manifest["items"]
        for index, entry in enumerate(items):
            if cancel.is_set():
                raise Cancelled()
            files = _verified_files(source, entry)
            existing = store.call(lambda lib: _existing(lib, entry, files))
            if existing is not None:
                store.call(lambda lib: _curate(lib, existing, entry))
                duplicates += 1
            else:
                metas = [_write(root, asset, data) for asset, data in files]
                store.call(lambda lib: _insert(lib, entry, metas))
                imported += 1
            progress(index + 1, len(items))
        return ImportResult(imported, duplicates)
    finally:
        source.close()


def _verified_files(source: _Source, entry: dict) -> list[tuple[dict, bytes]]:
    files = []
    for asset in entry.get("assets", []):
        data = source.read(asset["file"])
        if hashlib.sha256(data).hexdigest() != asset.get("sha256"):
            raise UserFacingError(f"{asset['file']} does not match its recorded checksum; the gallery is damaged.")
        files.append((asset, data))
    return files


def _existing(library, entry: dict, files) -> int | None:
    conn = library.conn
    if files:  # the same file is the same item
        row = conn.execute("SELECT generation_id FROM assets WHERE sha256=?", (files[0][0]["sha256"],)).fetchone()
    else:      # text has no file: the same words made at the same moment
        row = conn.execute("SELECT id FROM generations WHERE status='done' AND prompt=? AND output_text=?"
                           " AND created_at=?", (entry.get("prompt", ""), entry.get("output_text", ""),
                                                 entry.get("created_at"))).fetchone()
    return row[0] if row else None


def _write(root: Path, asset: dict, data: bytes) -> AssetMeta:
    # Named by content, so an import interrupted and run again writes the same file.
    name = PurePosixPath(asset["file"]).name
    written = write_atomically(root, f"assets/imported/{asset['sha256'][:16]}-{name}", data)
    return AssetMeta(written, asset.get("mime", "application/octet-stream"), asset.get("width"),
                     asset.get("height"), asset.get("duration_s"))


def _insert(library, entry: dict, metas: list[AssetMeta]) -> None:
    conn = library.conn
    with transaction(conn):
        cursor = conn.execute(
            "INSERT INTO generations (modality, kind, prompt, negative, output_text, params, model_name,"
            " model_sha256, seed, status, created_at, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " 'done', ?, ?, ?)",
            (entry.get("modality", "image"), entry.get("kind", ""), entry.get("prompt", ""), entry.get("negative", ""),
             entry.get("output_text", ""), json.dumps(entry.get("params", {})), entry.get("model_name", ""),
             entry.get("model_sha256", ""), entry.get("seed"), entry.get("created_at", time.time()), time.time(),
             time.time()))
        generation_id = cursor.lastrowid
        remember_terms(conn, entry.get("prompt", ""), entry.get("negative", ""))
        library.generations.finish(generation_id, output_text=entry.get("output_text", ""),
                                   seed=entry.get("seed"), assets=metas)
        _curate(library, generation_id, entry)


def _curate(library, generation_id: int, entry: dict) -> None:
    items = library.items
    if entry.get("favorite"):
        items.set_favorite([generation_id], True)
    if entry.get("rating"):
        items.set_rating([generation_id], int(entry["rating"]))
    for tag in entry.get("tags", []):
        items.add_tag([generation_id], tag)
    for name in entry.get("collections", []):
        items.add_to_collection(items.create_collection(name), [generation_id])
