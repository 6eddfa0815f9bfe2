"""Importing a saved gallery (.zip or folder).

Nothing is written until the archive's members (desktop/store/archive_safety.py) and the
whole manifest (desktop/store/gallery_manifest.py) have been checked, so a bad gallery
changes nothing. Then, item by item, each file is streamed into a temp file in the
library while its sha256 is computed, and one short transaction records the item with
its files. That transaction also serialises imports running in other processes or
threads: each one re-checks there whether the item arrived meanwhile.

A file is never left without its row. Its final name is registered as staging
(desktop/store/staging.py) before it is moved into place and forgotten in the same
transaction that records its row: a failure moves it back out (then removes it), and a
kill leaves a record whose dead owner the next start of any Atelier process cleans up.

An item already in the library (the same file; for text, the same words made at the same
moment) is skipped and counted. With `merge`, what the gallery adds to it is kept: its
tags and collections, its favourite mark, and its rating when the item has none.

Lineage comes last, in a further pass over the manifest once every item has its library id
(desktop/store/gallery_lineage.py): the links between the imported items, and to items the
library already held (the same content hash), are restored; an item skipped as a duplicate
gets new links only when merging.

A clip's poster (its first frame as a PNG, the second asset of a video generation) is
optional: when it is missing, damaged or not a PNG the clip is imported without it and its
tile shows the decoded first frame. A kept poster is named after the imported clip, as
the video job names it (`<clip stem>-poster.png` beside the clip). Its location is recorded
in the store already — it is the generation's second asset, which the viewer, export and
trash read — so no schema change is needed; the name is what the Library grid derives it
from (desktop/viewmodels/video_thumbnails.py: no query per tile), and every writer of video
items keeps the two in agreement.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import sqlite3
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable

from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.video.video_files import poster_name
from desktop.store import archive_safety, gallery_lineage, staging
from desktop.store.asset_files import TEMP_PREFIX, WrittenFile
from desktop.store.fts import remember_terms
from desktop.store.gallery_manifest import GalleryAsset, GalleryItem, ManifestReader, poster_index
from desktop.store.generations import AssetMeta, transaction
from desktop.store.patience import call_when_free

log = logging.getLogger(__name__)
FOLDER = "assets/imported"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class ImportResult:
    imported: int
    duplicates: int          # already in the library: skipped, or merged when `merged`
    merged: bool = False


@dataclass
class _Staged:
    asset: GalleryAsset
    temp: Path               # the verified copy, in the library's folder under a temp name
    size: int
    relative: str = ""       # its final name, chosen and registered just before the commit
    poster: bool = False     # a clip's poster: named after the clip (see the module's docstring)


class _Source:
    """Members of a zip (after the safety checks) or files of a folder (inside it only)."""

    def __init__(self, path: Path, free_bytes: int):
        self.path, self.zip = path, None
        if path.is_file() and zipfile.is_zipfile(path):
            self.zip = archive_safety.open_archive(path)
            members = archive_safety.checked_members(self.zip, free_bytes)
            self.members = {m.filename: m for m in members if not m.is_dir()}
            self.label = f"manifest.json in {path.name}"
        elif path.is_dir():
            self.root = path.resolve()
            self.label = str(path / "manifest.json")
        else:
            raise UserFacingError(f"{path.name} is neither a gallery .zip nor a gallery folder.")
        if not self.has("manifest.json"):
            self.close()
            raise UserFacingError(f"{path.name} is not an Atelier gallery (it has no manifest.json). Import a "
                                  "gallery that Atelier saved (a .zip, or the folder holding its manifest.json).")

    def has(self, name: str) -> bool:
        return name in self.members if self.zip is not None else self._file(name).is_file()

    def size(self, name: str) -> int:
        return self.members[name].file_size if self.zip is not None else self._file(name).stat().st_size

    def open(self, name: str) -> BinaryIO:
        return self.zip.open(self.members[name]) if self.zip is not None else open(self._file(name), "rb")

    def copy(self, name: str, out: BinaryIO, cancel: threading.Event) -> tuple[str, int]:
        if self.zip is not None:
            return archive_safety.copy_member(self.zip, self.members[name], out, cancel)
        return archive_safety.copy_file(self._file(name), out, cancel)

    def _file(self, name: str) -> Path:
        target = (self.root / PurePosixPath(name)).resolve()
        if not target.is_relative_to(self.root):
            raise UserFacingError(f"The gallery refers outside its folder ({name}); it was not imported.")
        return target

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def import_gallery(store, path: Path, progress: Callable[[int, int], None] = lambda d, t: None,
                   cancel: threading.Event | None = None, merge: bool = False) -> ImportResult:
    """`store.call(fn)` runs fn(library) where the library's connection lives (a Library
    itself, or the app's writer thread): files are read, verified and copied here, and
    only the short database steps go to the store."""
    cancel = cancel or threading.Event()
    root, token = store.call(lambda lib: (lib.layout.root, lib.lease.token))
    path = Path(path)
    source = _Source(path, archive_safety.free_space(root))
    try:
        reader = ManifestReader(lambda: source.open("manifest.json"), source.label)
        needed = 0

        def check(item: GalleryItem) -> None:
            nonlocal needed
            if cancel.is_set():
                raise Cancelled()
            poster = poster_index(item.modality, [asset.mime for asset in item.assets])
            for number, asset in enumerate(item.assets):
                if not source.has(asset.file):
                    if number == poster:
                        continue  # the clip comes without it
                    raise UserFacingError(f"{path.name} lists {asset.file} but does not contain it; "
                                          "the gallery is incomplete and was not imported.")
                needed += source.size(asset.file)

        total = reader.scan(check).count  # the whole manifest is checked before anything is written
        archive_safety.ensure_space(needed, archive_safety.free_space(root))
        imported = duplicates = 0
        ids: dict[int, int] = {}          # the gallery's item ids -> the library's
        fresh: set[int] = set()           # library ids of the items added now
        clashing: set[int] = set()        # gallery ids given to two items: their links are dropped
        for item in reader.items():
            if cancel.is_set():
                raise Cancelled()
            added, generation_id = _import_item(store, source, root, token, item, merge, cancel)
            if added:
                imported += 1
                fresh.add(generation_id)
            else:
                duplicates += 1
            if item.gallery_id is not None and generation_id is not None:
                if item.gallery_id in ids:
                    clashing.add(item.gallery_id)
                ids.setdefault(item.gallery_id, generation_id)
            progress(imported + duplicates, total)
        for gallery_id in clashing:
            ids.pop(gallery_id)
        # Links last, once every item has its library id (a source may come after its result).
        gallery_lineage.restore(store, reader.items(), ids, lambda generation_id: merge or generation_id in fresh)
        return ImportResult(imported, duplicates, merge)
    finally:
        source.close()


def _import_item(store, source: _Source, root: Path, token: str, item: GalleryItem, merge: bool,
                 cancel: threading.Event) -> tuple[bool, int | None]:
    """(True, its id) when the item was added, (False, the id it has) when it was already in
    the library."""
    existing = call_when_free(store, lambda lib: _existing(lib, item))
    if existing is not None:  # known before copying anything
        if merge:
            call_when_free(store, lambda lib: _merge(lib, existing, item))
        return False, existing
    staged: list[_Staged] = []
    added = False
    try:
        poster = poster_index(item.modality, [asset.mime for asset in item.assets])
        for number, asset in enumerate(item.assets):
            if number != poster:
                staged.append(_stage(source, root, token, asset, cancel))
            elif (entry := _stage_poster(source, root, token, asset, cancel)) is not None:
                staged.append(entry)
        if staged:
            call_when_free(store, lambda lib: _plan(lib, root, staged))
        added, generation_id = call_when_free(store, lambda lib: _commit(lib, root, item, staged, merge))
        return added, generation_id
    finally:
        for entry in staged:
            entry.temp.unlink(missing_ok=True)  # gone already when it was moved into place
        if not added and any(entry.relative for entry in staged):  # the commit forgets them itself
            _release(store, [root / entry.relative for entry in staged if entry.relative])


def _release(store, paths: list[Path]) -> None:
    """Best effort, so the failure being reported is the real one: a record left behind
    names a path nothing claims (its file is gone), which the next start drops."""
    try:
        call_when_free(store, lambda lib: [staging.release(lib, path) for path in paths])
    except sqlite3.Error as exc:
        log.warning("Could not forget the staging records of %s (%s)", paths, exc)


def _stage(source: _Source, root: Path, token: str, asset: GalleryAsset, cancel: threading.Event) -> _Staged:
    """Copy one file into the library under a temp name (recovery removes it if we die),
    verifying its checksum on the way."""
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{token}-", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            digest, size = source.copy(asset.file, out, cancel)
            out.flush()
            os.fsync(out.fileno())
        if digest != asset.sha256:
            raise UserFacingError(f"{asset.file} does not match its recorded checksum; the gallery is damaged.")
        os.chmod(temp, 0o644)  # mkstemp makes files private; library files are ordinary files
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return _Staged(asset, Path(temp), size)


def _stage_poster(source: _Source, root: Path, token: str, asset: GalleryAsset,
                  cancel: threading.Event) -> _Staged | None:
    """A clip's poster staged like any other file and then opened as an image prompt is
    (desktop/core/image/image_files.py: the pixel limit, decoded whole), or None when it is
    missing, damaged or not a PNG. Cancel and a full disk still stop the import."""
    if not source.has(asset.file):
        log.warning("Importing a clip without its poster: %s is not in the gallery", asset.file)
        return None
    try:
        entry = _stage(source, root, token, asset, cancel)
    except UserFacingError as exc:
        log.warning("Importing a clip without its poster: %s", exc)
        return None
    try:
        width, height = _png_size(entry.temp, asset.file)
    except UserFacingError as exc:
        entry.temp.unlink(missing_ok=True)
        log.warning("Importing a clip without its poster: %s", exc)
        return None
    entry.asset = replace(asset, mime="image/png", width=width, height=height)  # what the file is
    entry.poster = True
    return entry


def _png_size(path: Path, label: str) -> tuple[int, int]:
    from desktop.core.image.image_files import open_image

    with open(path, "rb") as handle:
        if handle.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
            raise UserFacingError(f"{label} is not a PNG image.")
    return open_image(path).size


def _plan(library, root: Path, staged: list[_Staged]) -> None:
    """Choose each file's final name and register it, in one transaction, so no two
    importers ever choose the same name and a kill after this is cleaned up. A clip's
    poster takes the clip's name (+ "-poster.png"), so the clip's name is chosen where both
    are free."""
    poster = next((entry for entry in staged if entry.poster), None)
    with transaction(library.conn):
        for entry in staged:
            if entry.poster:
                continue  # named with its clip
            name = _safe_name(PurePosixPath(entry.asset.file).name)
            relative = f"{FOLDER}/{entry.asset.sha256[:16]}-{name}"
            with_poster = poster is not None and entry is staged[0]
            while _taken(library, root, relative) or (with_poster and _taken(library, root, poster_name(relative))):
                relative = f"{FOLDER}/{entry.asset.sha256[:16]}-{secrets.token_hex(4)}-{name}"
            staging.register(library, root / relative, "import")
            entry.relative = relative
            if with_poster:
                poster.relative = poster_name(relative)
                staging.register(library, root / poster.relative, "import")




def _commit(library, root: Path, item: GalleryItem, staged: list[_Staged], merge: bool) -> tuple[bool, int]:
    """Under the write lock: record the item with its files, unless it arrived meanwhile.
    (added, its id)."""
    conn, placed = library.conn, []
    with transaction(conn):
        existing = _existing(library, item)
        if existing is not None:
            if merge:
                _merge(library, existing, item)
            return False, existing
        try:
            for entry in staged:
                os.replace(entry.temp, root / entry.relative)
                placed.append(entry)
            generation_id = _insert(library, item, [_meta(root, entry) for entry in staged])
            for entry in staged:
                staging.release(library, root / entry.relative)
        except BaseException:
            for entry in reversed(placed):  # back under its temp name: the caller removes it
                try:
                    os.replace(root / entry.relative, entry.temp)
                except OSError:
                    (root / entry.relative).unlink(missing_ok=True)
            raise
    return True, generation_id


def _existing(library, item: GalleryItem) -> int | None:
    conn = library.conn
    if item.assets:  # the same file is the same item
        row = conn.execute("SELECT generation_id FROM assets WHERE sha256=?", (item.assets[0].sha256,)).fetchone()
    else:            # text has no file: the same words made at the same moment
        row = conn.execute("SELECT id FROM generations WHERE status='done' AND prompt=? AND output_text=?"
                           " AND created_at IS ?", (item.prompt, item.output_text, item.created_at)).fetchone()
    return row[0] if row else None


def _insert(library, item: GalleryItem, metas: list[AssetMeta]) -> int:
    conn, now = library.conn, time.time()
    cursor = conn.execute(
        "INSERT INTO generations (modality, kind, prompt, negative, output_text, params, model_name,"
        " model_sha256, seed, status, created_at, started_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " 'done', ?, ?, ?)",
        (item.modality, item.kind, item.prompt, item.negative, item.output_text,
         json.dumps(item.params, allow_nan=False), item.model_name, item.model_sha256, item.seed,
         item.created_at if item.created_at is not None else now, now, now))
    generation_id = cursor.lastrowid
    remember_terms(conn, item.prompt, item.negative)
    library.generations.finish(generation_id, output_text=item.output_text, seed=item.seed, assets=metas)
    _curate(library, generation_id, item, replace_rating=True)
    return generation_id


def _merge(library, generation_id: int, item: GalleryItem) -> None:
    with transaction(library.conn):
        _curate(library, generation_id, item, replace_rating=False)


def _curate(library, generation_id: int, item: GalleryItem, replace_rating: bool) -> None:
    """Adds only: tags, collections and a favourite mark; the rating when asked or missing."""
    items = library.items
    if item.favorite:
        items.set_favorite([generation_id], True)
    if item.rating is not None and (replace_rating or _rating(library, generation_id) is None):
        items.set_rating([generation_id], item.rating)
    for tag in item.tags:
        items.add_tag([generation_id], tag)
    for name in item.collections:
        items.add_to_collection(items.create_collection(name), [generation_id])


def _rating(library, generation_id: int) -> int | None:
    return library.conn.execute("SELECT rating FROM generations WHERE id=?", (generation_id,)).fetchone()[0]


def _meta(root: Path, entry: _Staged) -> AssetMeta:
    asset = entry.asset
    written = WrittenFile(root / entry.relative, entry.relative, asset.sha256, entry.size)
    return AssetMeta(written, asset.mime, asset.width, asset.height, asset.duration_s)


def _taken(library, root: Path, relative: str) -> bool:
    path = root / relative
    return (path.exists()
            or library.conn.execute("SELECT 1 FROM assets WHERE path=?", (relative,)).fetchone() is not None
            or library.conn.execute("SELECT 1 FROM staging WHERE path=?", (str(path),)).fetchone() is not None)


def _safe_name(name: str) -> str:
    """A file name any file system accepts, whatever the archive called it."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[-100:].lstrip(".") or "file"

