"""The start-up check: rows whose files are gone, files that no row claims, SQLite's own
integrity check, and what dead processes left (desktop/store/recovery.py). Reported, and
repaired only when asked. The window and `main.py check` print the same report."""

from __future__ import annotations

import mimetypes
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.errors import UserFacingError
from desktop.store import pending_commits, recovery
from desktop.store.asset_files import TEMP_PREFIX, WrittenFile, move_into_place, partial_file, planned_from
from desktop.store.fts import sync_terms
from desktop.store.generations import transaction
from desktop.store.item_status import missing_file_reason, missing_path
from desktop.store.trash import TRASH_FOLDER, trash_path


@dataclass
class IntegrityReport:
    database_ok: bool
    missing_files: list[tuple[int, str]] = field(default_factory=list)  # (generation id, relative path)
    orphan_files: list[str] = field(default_factory=list)               # relative paths
    leftovers: recovery.Leftovers = field(default_factory=recovery.Leftovers)

    @property
    def clean(self) -> bool:
        return self.database_ok and not self.missing_files and not self.orphan_files and not self.leftovers

    def summary(self) -> str:
        if self.clean:
            return "The library is intact."
        parts = []
        if not self.database_ok:
            parts.append("the database reports damage")
        if self.missing_files:
            parts.append(f"{len(self.missing_files)} item(s) whose file is missing")
        if self.orphan_files:
            parts.append(f"{len(self.orphan_files)} file(s) no item refers to")
        parts += self.leftovers.describe()
        return "Found " + ", ".join(parts) + "."


def details(report: IntegrityReport, limit: int = 8) -> list[str]:
    """The first few findings of each kind, as lines for a person (window and CLI alike)."""
    leftovers = report.leftovers
    return ([f"missing: {path}" for _gid, path in report.missing_files[:limit]]
            + [f"not in the library: {path}" for path in report.orphan_files[:limit]]
            + [f"left running by an ended process: item {gid}" for gid in leftovers.running_rows[:limit]]
            + [f"finished, not yet recorded: {path.name}" for path in leftovers.journals[:limit]]
            + [f"partly written: {path}" for path in leftovers.temp_files[:limit]]
            + [f"unfinished export or import: {path}" for path in leftovers.staging[:limit]])


def check(store) -> IntegrityReport:
    """`store.call(fn)` runs fn(library) where its connection lives (a Library itself, or
    the app's writer thread); the folder scan runs on the calling thread."""
    def read(library):
        conn = library.conn
        if not library.read_only:
            sync_terms(conn)  # search's word list catches up with the index (cheap, idempotent)
        rows = conn.execute("SELECT a.generation_id, a.path, g.trashed_at IS NOT NULL FROM assets a"
                            " JOIN generations g ON g.id = a.generation_id").fetchall()
        ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        return ok, [tuple(r) for r in rows], library.layout, recovery.find_recorded(library)

    database_ok, rows, layout, leftovers = store.call(read)
    leftovers.temp_files = recovery.find_temp_files(layout, leftovers.live)  # the folder walk, here
    root = layout.root
    # Files a commit journal names are somebody's finished work on its way in, not strays.
    claimed, missing = pending_commits.claimed_paths(root), []
    for generation_id, relative, trashed in rows:
        where = trash_path(root, relative) if trashed else root / relative
        claimed.add(where)
        if not where.exists():
            missing.append((generation_id, relative))
    orphans = []
    for folder in (layout.assets, root / TRASH_FOLDER):
        if folder.exists():
            orphans += [path.relative_to(root).as_posix() for path in folder.rglob("*")
                        if path.is_file() and not path.name.startswith(TEMP_PREFIX) and path not in claimed]
    return IntegrityReport(database_ok, sorted(missing), sorted(orphans), leftovers)


def repair(library, report: IntegrityReport, quarantine: Path | None = None) -> None:
    """Items without their file are marked failed with item_status's "file missing" reason
    (kept, so their prompt is not lost, and the Library shows them as missing their file);
    unclaimed files move to a `lost+found` folder rather than being deleted."""
    conn, root = library.conn, library.layout.root
    recovery.clean(library, report.leftovers)
    for generation_id, relative in report.missing_files:
        if _put_back(library, generation_id, relative):
            continue
        conn.execute("DELETE FROM assets WHERE path=?", (relative,))
        conn.execute("UPDATE generations SET status='failed', error=? WHERE id=? AND status='done'",
                     (missing_file_reason(relative), generation_id))
    target = quarantine or (root / "lost+found")
    for relative in report.orphan_files:
        if not (root / relative).exists():
            continue  # it was put back above
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        (root / relative).rename(destination)


def _put_back(library, generation_id: int, relative: str) -> bool:
    """A delete or restore interrupted between moving the file and updating the row leaves
    the file on the other side of the trash: move it to where the row expects it."""
    root = library.layout.root
    trashed = library.conn.execute("SELECT trashed_at IS NOT NULL FROM generations WHERE id=?",
                                   (generation_id,)).fetchone()[0]
    expected, other = (trash_path(root, relative), root / relative) if trashed else (root / relative, trash_path(root, relative))
    if not other.exists():
        return False
    expected.parent.mkdir(parents=True, exist_ok=True)
    os.replace(other, expected)
    return True


def place_located_file(root: Path, relative: str, trashed: bool, source: Path) -> WrittenFile:
    """Copy a file the person located to where a "file missing" item expects it (file work
    only, for a pool thread; record_located_file then links it). The copy goes through a
    temp name, so a crash leaves no half file under the item's name."""
    source = Path(source)
    if not source.is_file():
        raise UserFacingError(f"{source} is not a file.")
    if source.suffix.lower() != Path(relative).suffix.lower():
        raise UserFacingError(f"The missing file is a {Path(relative).suffix or 'file without extension'}; "
                              f"choose a file of that kind (not {source.name}).")
    final = trash_path(root, relative) if trashed else root / relative
    if final.exists():
        raise UserFacingError(f"There is already a file at {relative}: run the library check to link it.")
    partial = partial_file(final.parent, final.name)
    try:
        shutil.copyfile(source, partial)
        written = planned_from(root, relative, partial)
        move_into_place(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return written


def record_located_file(library, generation_id: int, written: WrittenFile) -> None:
    """The item has its file again: its asset row comes back and it is finished once more.
    If the item changed meanwhile (no longer missing that file), an unclaimed copy is removed."""
    conn = library.conn
    row = conn.execute("SELECT status, error, created_at FROM generations WHERE id=?", (generation_id,)).fetchone()
    if row is None or missing_path(row["status"], row["error"]) != written.relative:
        if conn.execute("SELECT 1 FROM assets WHERE path=?", (written.relative,)).fetchone() is None:
            written.path.unlink(missing_ok=True)  # our copy, which nothing will claim
        raise UserFacingError("This item no longer misses that file; nothing was changed.")
    mime = mimetypes.guess_type(written.relative)[0] or "application/octet-stream"
    with transaction(conn):
        conn.execute("INSERT INTO assets (generation_id, path, sha256, mime, size_bytes, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     (generation_id, written.relative, written.sha256, mime, written.size_bytes, row["created_at"]))
        conn.execute("UPDATE generations SET status='done', error='' WHERE id=?", (generation_id,))
