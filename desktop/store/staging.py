"""Work in progress that no row claims yet: an export's `.partial` file or folder beside its
destination, an import's files on their way into assets/. Each is recorded with its owner's
lease token before it is created, so if the owner dies the next start (of any Atelier
process) removes it, and the integrity check can report it meanwhile."""

from __future__ import annotations

import time
from pathlib import Path

from desktop.store.asset_files import remove_path


def register(library, path: Path, purpose: str = "export") -> None:
    if library.read_only:  # nothing can be recorded; such a process changes nothing in the library
        return
    library.conn.execute("INSERT OR REPLACE INTO staging (path, owner, purpose, created_at) VALUES (?, ?, ?, ?)",
                         (str(path), library.lease.token, purpose, time.time()))


def release(library, path: Path) -> None:
    """The work is finished or cleaned up by its owner: forget it."""
    if library.read_only:
        return
    library.conn.execute("DELETE FROM staging WHERE path=?", (str(path),))


def orphaned(library, live: set[str]) -> list[Path]:
    """Staging paths whose owner is gone (whether or not anything is left on disk)."""
    rows = library.conn.execute("SELECT path, owner FROM staging").fetchall()
    return [Path(path) for path, owner in rows if owner not in live]


def remove(library, path: Path) -> None:
    """Delete a dead owner's leftover and its record."""
    remove_path(path)
    release(library, path)
