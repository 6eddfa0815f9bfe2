"""A copy of the library database taken before a migration changes it.

sqlite3's backup API copies a consistent snapshot (WAL contents included) while other
processes keep reading. The copy goes to a temporary name and is renamed when complete, so
a `library.sqlite3.before-v<N>` file is always a whole database at user_version N.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

from desktop.core.errors import UserFacingError

# Enough to step back over a few upgrades without copies piling up for ever.
KEEP = 3
# Room left after the copy, so the migration that follows can still write its journal.
SPACE_MARGIN = 16 * 1024 * 1024
SUFFIX = ".before-v"


class BackupSpaceError(UserFacingError):
    """There is no room to back the library up, so it is not migrated."""


def backup_before_migrating(conn: sqlite3.Connection, path: Path, version: int) -> Path:
    """Copy the database at `path` (open as `conn`, at user_version `version`) beside it;
    keep the newest KEEP copies. Raises BackupSpaceError, leaving no partial copy, when
    the disk cannot hold it."""
    target = path.with_name(f"{path.name}{SUFFIX}{version}")
    partial = target.with_name(target.name + ".partial")
    size = _database_bytes(conn)
    free = free_space(path.parent)
    if size + SPACE_MARGIN > free:
        raise _no_space(path, size, free)
    try:
        _copy(conn, partial)
        os.replace(partial, target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        if _is_disk_full(exc):
            raise _no_space(path, size, free_space(path.parent)) from exc
        raise
    _prune(path)
    return target


def backups(path: Path) -> list[Path]:
    """The copies beside `path`, oldest version first."""
    pattern = re.compile(re.escape(path.name + SUFFIX) + r"(\d+)$")
    found = [(int(m.group(1)), p) for p in path.parent.iterdir() if (m := pattern.match(p.name))]
    return [p for _, p in sorted(found)]


def free_space(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def _copy(conn: sqlite3.Connection, target: Path) -> None:
    target.unlink(missing_ok=True)  # a partial copy left by a crash
    copy = sqlite3.connect(str(target))
    try:
        conn.backup(copy)
    finally:
        copy.close()


def _database_bytes(conn: sqlite3.Connection) -> int:
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    return pages * conn.execute("PRAGMA page_size").fetchone()[0]


def _prune(path: Path) -> None:
    for old in backups(path)[:-KEEP]:
        old.unlink(missing_ok=True)


def _is_disk_full(exc: BaseException) -> bool:
    return "full" in str(exc).lower() or getattr(exc, "errno", None) == 28  # ENOSPC


def _no_space(path: Path, size: int, free: int) -> BackupSpaceError:
    return BackupSpaceError(
        f"This version of Atelier must upgrade the library at {path}, and first keeps a copy of it "
        f"({_mb(size)}), but the disk has only {_mb(free)} free. Free some space and open it again; "
        "the library was left untouched.")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"
