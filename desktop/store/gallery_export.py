"""Saving galleries: a selection or a collection written as a folder or a .zip with the
files (their metadata is already embedded), a manifest in JSON and CSV, and a static HTML
page to browse them. Runs off the GUI thread with progress and cancel.

Nothing is written in the library's folder, so saving to another disk works when the
library's disk is full (which is when people export to free space): a zip is streamed
straight into `<out>.<hex>.partial` beside the destination, a folder is built in a
`<out>.<hex>.partial/` folder there, and either is renamed to `out` when complete. The
partial name is registered as staging (desktop/store/staging.py) before it is created,
so if the process dies the next start of any Atelier process removes it.

manifest.json is strict JSON (non-finite numbers become null; created_at stays the number
of seconds the importer reads); manifest.csv gives dates in ISO 8601 (UTC, "...Z") and
neutralises cells a spreadsheet would run as a formula. Each item lists what it was made from
and used in (desktop/store/gallery_lineage.py: ids within the gallery and content hashes), and
the page links them. Files are named
files/<8-digit id>-<name>, the id once: the jobs' own names already begin with it.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import json
import logging
import math
import os
import secrets
import sqlite3
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from desktop.core.errors import Cancelled, UserFacingError
from desktop.store import gallery_html, gallery_lineage, staging
from desktop.store.asset_files import remove_path
from desktop.store.gallery_manifest import poster_index
from desktop.store.patience import call_when_free

log = logging.getLogger(__name__)
MANIFEST_VERSION = 1
CSV_FIELDS = ["id", "modality", "kind", "prompt", "negative", "model_name", "seed", "created_at", "file",
              "sha256", "favorite", "rating", "sources", "used_in"]
# OWASP's CSV-injection advice: a text cell starting with one of these is prefixed with '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Formats that are compressed already: stored as they are, deflating them again only costs time.
COMPRESSED = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp3", ".ogg", ".opus", ".flac", ".m4a", ".mp4",
              ".webm", ".mkv", ".zip", ".gz"}
CHUNK = 1 << 20


@dataclass
class ExportResult:
    path: Path
    items: int
    files: int


def collect(library, generation_ids: list[int] | None = None, collection: str | None = None) -> list[dict]:
    """Manifest entries for the chosen items (all finished items when nothing is chosen)."""
    conn = library.conn
    if collection is not None:
        row = conn.execute("SELECT id FROM collections WHERE name=?", (collection,)).fetchone()
        if row is None:
            raise UserFacingError(f"There is no collection named “{collection}”.")
        ids = [r[0] for r in conn.execute("SELECT generation_id FROM collection_items WHERE collection_id=?"
                                          " ORDER BY generation_id", (row[0],))]
    elif generation_ids is not None:
        ids = list(generation_ids)
    else:
        ids = [r[0] for r in conn.execute("SELECT id FROM generations WHERE status='done' ORDER BY id")]
    entries = []
    for gid in ids:
        g = library.generations.get(gid)
        if g is None or g.status != "done" or g.trashed_at is not None:
            continue  # a trashed item is on its way out, and its file is in the trash
        assets = conn.execute("SELECT path, sha256, mime, size_bytes, width, height, duration_s FROM assets"
                              " WHERE generation_id=? ORDER BY id", (gid,)).fetchall()
        entries.append({
            "id": g.id, "modality": g.modality, "kind": g.kind, "prompt": g.prompt, "negative": g.negative,
            "output_text": g.output_text, "params": g.params, "model_name": g.model_name,
            "model_sha256": g.model_sha256, "seed": g.seed, "created_at": g.created_at,
            "favorite": bool(g.favorite), "rating": g.rating, "tags": library.items.tags_of(g.id),
            "collections": library.items.collections_of(g.id), "assets": [dict(a) for a in assets],
        })
    gallery_lineage.add_links(conn, entries)
    return entries


def export_gallery(store, out: Path, entries: list[dict], fmt: str = "zip", title: str = "Atelier gallery",
                   progress: Callable[[int, int], None] = lambda done, total: None,
                   cancel: threading.Event | None = None) -> ExportResult:
    """`store.call(fn)` runs fn(library) where its connection lives (a Library, or the app's
    writer thread). A cancelled, failed or killed export leaves nothing at `out`."""
    if fmt not in ("zip", "folder"):
        raise UserFacingError("Export as a zip or a folder.")
    out = Path(out)
    if out.exists() or out.is_symlink():
        raise UserFacingError(f"{out} already exists; choose a new name so nothing is overwritten.")
    if not out.parent.is_dir():
        raise UserFacingError(f"The folder {out.parent} does not exist; choose another place to save the gallery.")
    cancel = cancel or threading.Event()
    entries = [_finite(entry) for entry in entries]  # copies: the caller's entries stay as they were
    root = store.call(lambda lib: lib.layout.root)
    partial = out.with_name(f"{out.name}.{secrets.token_hex(4)}.partial")
    registered = _register(store, partial)
    try:
        with (_ZipWriter if fmt == "zip" else _FolderWriter)(partial) as writer:
            files = 0
            taken: set[str] = set()
            for index, entry in enumerate(entries):
                if cancel.is_set():
                    raise Cancelled()
                poster = poster_index(entry["modality"], [asset["mime"] for asset in entry["assets"]])
                kept = []
                for number, asset in enumerate(entry["assets"]):
                    name = export_name(entry["id"], asset["path"], taken)
                    source = root / asset["path"]
                    if not source.is_file():
                        if number == poster:  # only the first frame drawn ahead: the clip goes without it
                            log.warning("Exporting %s without its poster (%s is missing)", entry["id"], asset["path"])
                            poster = None
                            continue
                        raise UserFacingError(f"{asset['path']} is missing from the library folder, so the gallery "
                                              "was not saved; run the library check (Tools, or main.py check).")
                    writer.add_file(source, name, cancel)
                    asset["file"] = name
                    kept.append(asset)
                    files += 1
                entry["file"] = kept[0]["file"] if kept else None
                if poster is not None:  # the page shows a clip's poster until it plays
                    entry["poster"] = entry["assets"][poster]["file"]
                entry["assets"] = kept
                progress(index + 1, len(entries))
            with writer.text("manifest.json") as handle:
                _write_manifest(handle, title, entries)
            with writer.text("manifest.csv") as handle:
                _write_csv(handle, entries)
            with writer.text("index.html") as handle:
                handle.write(gallery_html.render(title, entries))
        if out.exists():
            raise UserFacingError(f"{out} appeared while the gallery was being saved; nothing was overwritten.")
        os.replace(partial, out)  # one folder, so one rename: `out` is complete or absent
        return ExportResult(out, len(entries), files)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            raise UserFacingError(f"There is not enough free space in {out.parent} for this gallery; nothing was "
                                  "saved. Free some space there or choose another place.") from exc
        raise
    finally:
        remove_path(partial)
        if registered:
            _release(store, partial)


def export_name(generation_id: int, path: str, taken: set[str]) -> str:
    """files/<id>-<file name>: the id keeps names apart across items and sorts them as the
    library does; a name that already begins with this id (every job names its files so)
    does not get it twice. A name already used in this gallery gets a number; `taken` is
    updated."""
    prefix, file_name = f"{generation_id:08d}-", Path(path).name
    stem = file_name if file_name.startswith(prefix) else prefix + file_name
    name, number = f"files/{stem}", 1
    while name.casefold() in taken:  # case-insensitive disks would merge "A.png" and "a.png"
        number += 1
        name = f"files/{Path(stem).stem}-{number}{Path(stem).suffix}"
    taken.add(name.casefold())
    return name


def iso_time(timestamp) -> str:
    """Seconds since the epoch as ISO 8601 in UTC ("2026-12-01T17:53:06Z"); "" when unknown."""
    if not isinstance(timestamp, (int, float)) or isinstance(timestamp, bool):
        return ""
    try:
        moment = dt.datetime.fromtimestamp(timestamp, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return ""
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _register(store, partial: Path) -> bool:
    """Record the partial name before it exists. A library whose own disk is full may not
    take even this row; the export still goes ahead (its partial name says what it is)."""
    try:
        call_when_free(store, lambda lib: staging.register(lib, partial))
        return True
    except sqlite3.OperationalError as exc:
        log.warning("Exporting without a staging record for %s (%s)", partial, exc)
        return False


def _release(store, partial: Path) -> None:
    """Best effort: a record left behind names a path that no longer exists, and the next
    start drops it; failing here would report a finished export as failed."""
    try:
        call_when_free(store, lambda lib: staging.release(lib, partial))
    except sqlite3.Error as exc:
        log.warning("Could not forget the staging record of %s (%s)", partial, exc)


class _ZipWriter:
    def __init__(self, path: Path):
        self.archive = zipfile.ZipFile(path, "x", zipfile.ZIP_DEFLATED)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.archive.close()
        return False

    def add_file(self, source: Path, name: str, cancel: threading.Event) -> None:
        info = zipfile.ZipInfo.from_file(source, name, strict_timestamps=False)
        info.compress_type = zipfile.ZIP_STORED if source.suffix.lower() in COMPRESSED else zipfile.ZIP_DEFLATED
        with open(source, "rb") as src, self.archive.open(info, "w", force_zip64=info.file_size > 1 << 30) as dst:
            _copy(src, dst, cancel)

    @contextmanager
    def text(self, name: str):
        with self.archive.open(name, "w", force_zip64=True) as raw:
            handle = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            yield handle
            handle.flush()
            handle.detach()


class _FolderWriter:
    def __init__(self, path: Path):
        path.mkdir()
        self.path = path

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def add_file(self, source: Path, name: str, cancel: threading.Event) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(source, "rb") as src, open(target, "xb") as dst:
            _copy(src, dst, cancel)

    @contextmanager
    def text(self, name: str):
        with open(self.path / name, "x", encoding="utf-8", errors="replace", newline="") as handle:
            yield handle


def _copy(src, dst, cancel: threading.Event) -> None:
    """In chunks, so a long video can be cancelled in the middle."""
    while chunk := src.read(CHUNK):
        dst.write(chunk)
        if cancel.is_set():
            raise Cancelled()


def _write_manifest(handle: TextIO, title: str, entries: list[dict]) -> None:
    """One item per line, written as it goes: a large gallery never sits in memory twice."""
    handle.write(f'{{"format": "atelier-gallery", "version": {MANIFEST_VERSION}, '
                 f'"title": {json.dumps(title, ensure_ascii=False)}, "items": [\n')
    for index, entry in enumerate(entries):
        handle.write(("," if index else "") + json.dumps(entry, ensure_ascii=False, allow_nan=False) + "\n")
    handle.write("]}\n")


def _write_csv(handle: TextIO, entries: list[dict]) -> None:
    writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for entry in entries:
        row = {**entry, "sha256": entry["assets"][0]["sha256"] if entry["assets"] else "",
               "created_at": iso_time(entry.get("created_at")),
               "sources": _links_cell(entry.get("sources")), "used_in": _links_cell(entry.get("used_in"))}
        writer.writerow({key: _cell(row.get(key)) for key in CSV_FIELDS})


def _links_cell(links) -> str:
    """"upscale #3; image prompt 5e2a…" : the other item's id in this gallery, else its hash or file."""
    return "; ".join(f"{link['relation']} " + (f"#{link['id']}" if link.get("id") is not None
                                               else link.get("sha256") or link.get("file") or "")
                     for link in links or ())


def _cell(value):
    """Text a spreadsheet would read as a formula is kept as text; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _finite(value):
    """A copy in which NaN and ±Infinity are null: strict JSON has no such numbers."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
