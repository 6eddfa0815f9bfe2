"""A library database that cannot be read any more (not a database, or damaged) is never
deleted: with the person's agreement it is set aside as `library.sqlite3.damaged-<time>`,
a fresh database is started, and the files in assets/ are adopted back from the metadata
they carry (desktop/store/adoption.py). Prompts, seeds and models come back with images and
audio; what lived only in the database (conversations, tags, collections) stays in the
set-aside copy for a specialist tool."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import UserFacingError
from desktop.paths import DataLayout
from desktop.store import adoption, leases


class DamagedLibraryError(UserFacingError):
    """library.sqlite3 exists but SQLite cannot read it."""

    def __init__(self, database: Path, detail: str):
        super().__init__(
            f"The library database {database} is damaged or is not an Atelier library ({detail}). "
            "Atelier can keep it aside (renamed library.sqlite3.damaged-<date>), start a fresh library "
            "and bring back your images and audio from the settings stored inside each file: choose "
            "“Set aside and start fresh” in the window, or run `python main.py check --repair`.")
        self.database = database


@dataclass
class RebuildReport:
    set_aside: Path
    adopted: int

    def summary(self) -> str:
        return (f"The damaged database was kept as {self.set_aside.name}; a fresh library was started and "
                f"{self.adopted} file(s) were brought back from their embedded settings.")


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """Damage, as opposed to a busy, locked, read-only or unopenable database."""
    return not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc)


def set_aside_and_rebuild(data_dir: Path):
    """(the fresh Library, RebuildReport). Refused while another Atelier process uses the folder."""
    from desktop.store.library import Library

    layout = DataLayout(Path(data_dir))
    if leases.live_tokens(layout.leases):
        raise UserFacingError(f"Another Atelier process is using {layout.root}; close it, then try again.")
    aside = layout.database.with_name(f"{layout.database.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):  # the WAL belongs with its database
        source = Path(f"{layout.database}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{aside}{suffix}"))
    library = Library(layout.root)
    adopted = adoption.adopt_all(library, adoption.adoptable_files(layout.assets))
    return library, RebuildReport(aside, adopted)
