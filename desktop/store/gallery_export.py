"""Saving galleries: a selection or a collection written as a folder or a .zip with the
files (their metadata is already embedded), a manifest in JSON and CSV, and a static HTML
page to browse them. Runs off the GUI thread with progress and cancel."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from desktop.core.errors import Cancelled, UserFacingError
from desktop.store import gallery_html

MANIFEST_VERSION = 1
CSV_FIELDS = ["id", "modality", "kind", "prompt", "negative", "model_name", "seed", "created_at", "file",
              "sha256", "favorite", "rating"]


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
        entries.append({
            "id": g.id, "modality": g.modality, "kind": g.kind, "prompt": g.prompt, "negative": g.negative,
            "output_text": g.output_text, "params": g.params, "model_name": g.model_name,
            "model_sha256": g.model_sha256, "seed": g.seed, "created_at": g.created_at,
            "favorite": bool(g.favorite), "rating": g.rating, "tags": library.items.tags_of(g.id),
            "collections": library.items.collections_of(g.id),
            "assets": [dict(a) for a in g.assets],
        })
    return entries


def export_gallery(layout, out: Path, entries: list[dict], fmt: str = "zip", title: str = "Atelier gallery",
                   progress: Callable[[int, int], None] = lambda done, total: None,
                   cancel: threading.Event | None = None) -> ExportResult:
    """Write the gallery; a cancelled or failed export leaves nothing at `out`."""
    if fmt not in ("zip", "folder"):
        raise UserFacingError("Export as a zip or a folder.")
    out = Path(out)
    if out.exists():
        raise UserFacingError(f"{out} already exists; choose a new name so nothing is overwritten.")
    cancel = cancel or threading.Event()
    # Staged inside the library's tmp/ folder, which start-up empties after a crash; the
    # finished gallery is moved into place in one step.
    layout.temp.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="export-", dir=layout.temp))
    staging = work / "gallery"
    try:
        files = 0
        for index, entry in enumerate(entries):
            if cancel.is_set():
                raise Cancelled()
            for asset in entry["assets"]:
                source = layout.root / asset["path"]
                name = f"files/{entry['id']:08d}-{Path(asset['path']).name}"
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, staging / name)
                asset["file"] = name
                files += 1
            entry["file"] = entry["assets"][0]["file"] if entry["assets"] else None
            progress(index + 1, len(entries))
        staging.mkdir(parents=True, exist_ok=True)
        manifest = {"format": "atelier-gallery", "version": MANIFEST_VERSION, "title": title, "items": entries}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        (staging / "manifest.csv").write_text(_csv(entries), encoding="utf-8", newline="")
        (staging / "index.html").write_text(gallery_html.render(title, entries), encoding="utf-8")
        finished = staging
        if fmt == "zip":
            finished = work / "gallery.zip"
            with zipfile.ZipFile(finished, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(staging.rglob("*")):
                    if cancel.is_set():
                        raise Cancelled()
                    if path.is_file():
                        archive.write(path, path.relative_to(staging).as_posix())
        _move_into_place(finished, out)
        return ExportResult(out, len(entries), files)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _move_into_place(finished: Path, out: Path) -> None:
    """One rename when the library and the destination share a disk; otherwise a copy
    under a temporary name beside the destination, renamed when complete."""
    try:
        os.replace(finished, out)
        return
    except OSError:
        pass
    partial = out.with_name(out.name + ".partial")
    try:
        if finished.is_dir():
            shutil.copytree(finished, partial)
        else:
            shutil.copyfile(finished, partial)
        os.replace(partial, out)
    finally:
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)


def _csv(entries: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for entry in entries:
        writer.writerow({**entry, "sha256": entry["assets"][0]["sha256"] if entry["assets"] else ""})
    return buffer.getvalue()
