"""Deleting from the Library: items go to a trash first (their files move to `trash/`
beside `assets/`), so a delete can be undone; emptying the trash removes rows and files
for good. File moves come before the row update, and every step can be re-run."""

from __future__ import annotations

import os
import time
from pathlib import Path

from desktop.store.generations import transaction

TRASH_FOLDER = "trash"


def trash_path(root: Path, relative: str) -> Path:
    return root / TRASH_FOLDER / relative


def stored_at(relative: str, trashed: bool) -> str:
    """Where an asset's file is now, relative to the data folder."""
    return f"{TRASH_FOLDER}/{relative}" if trashed else relative


def _asset_paths(conn, generation_ids: list[int]) -> list[str]:
    marks = ",".join("?" * len(generation_ids))
    return [r[0] for r in conn.execute(f"SELECT path FROM assets WHERE generation_id IN ({marks})", generation_ids)]


def _move(source: Path, destination: Path) -> None:
    if source.exists():
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, destination)


def move_to_trash(library, generation_ids: list[int]) -> int:
    """Returns how many items went to the trash."""
    ids = list(generation_ids)
    if not ids:
        return 0
    root = library.layout.root
    for relative in _asset_paths(library.conn, ids):
        _move(root / relative, trash_path(root, relative))
    marks = ",".join("?" * len(ids))
    cursor = library.conn.execute(f"UPDATE generations SET trashed_at=? WHERE trashed_at IS NULL AND id IN ({marks})",
                                  (time.time(), *ids))
    return cursor.rowcount


def restore(library, generation_ids: list[int]) -> int:
    ids = list(generation_ids)
    if not ids:
        return 0
    root = library.layout.root
    for relative in _asset_paths(library.conn, ids):
        _move(trash_path(root, relative), root / relative)
    marks = ",".join("?" * len(ids))
    return library.conn.execute(f"UPDATE generations SET trashed_at=NULL WHERE id IN ({marks})", ids).rowcount


def trashed_ids(library) -> list[int]:
    return [r[0] for r in library.conn.execute("SELECT id FROM generations WHERE trashed_at IS NOT NULL")]


def delete_forever(library, generation_ids: list[int] | None = None) -> int:
    """Remove trashed items (all of them when none are named): rows first, then files, so a
    crash between the two leaves only stray files, which the integrity check reports."""
    ids = trashed_ids(library) if generation_ids is None else list(generation_ids)
    if not ids:
        return 0
    conn, root = library.conn, library.layout.root
    marks = ",".join("?" * len(ids))
    with transaction(conn):
        paths = _asset_paths(conn, ids)
        removed = conn.execute(f"DELETE FROM generations WHERE trashed_at IS NOT NULL AND id IN ({marks})",
                               ids).rowcount
    for relative in paths:
        trash_path(root, relative).unlink(missing_ok=True)
    return removed
