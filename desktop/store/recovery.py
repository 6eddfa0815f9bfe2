"""What processes that died left behind, found and cleaned — and only theirs.

Every entry point (the window, each CLI command) runs `recover` when it opens the library;
the integrity check reports the same `Leftovers` and its repair cleans them. Anything whose
owner still holds its lease (desktop/store/leases.py) is somebody's work in progress and
is left alone: a window opened beside a running CLI job does not touch that job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from desktop.store import leases, pending_commits, staging
from desktop.store.asset_files import leftover_temp_files, remove_path

log = logging.getLogger(__name__)


@dataclass
class Leftovers:
    """Debris of dead processes, as found (nothing changed yet)."""

    live: set[str] = field(default_factory=set)
    journals: list[Path] = field(default_factory=list)       # finished work not yet committed
    running_rows: list[int] = field(default_factory=list)    # rows still 'running' with no live owner
    temp_files: list[Path] = field(default_factory=list)     # .partial-* files in the library
    staging: list[Path] = field(default_factory=list)        # e.g. an export's .partial at its destination

    def __bool__(self) -> bool:
        return bool(self.journals or self.running_rows or self.temp_files or self.staging)

    def describe(self) -> list[str]:
        parts = []
        if self.journals:
            parts.append(f"{len(self.journals)} finished item(s) not yet recorded")
        if self.running_rows:
            parts.append(f"{len(self.running_rows)} item(s) left running by an Atelier process that has ended")
        if self.temp_files:
            parts.append(f"{len(self.temp_files)} partly written file(s)")
        if self.staging:
            parts.append(f"{len(self.staging)} unfinished export or import file(s)")
        return parts


@dataclass
class RecoveryReport:
    finished: int = 0          # generations completed from their commit journal
    interrupted: int = 0       # rows marked failed
    temp_files_removed: int = 0
    staging_removed: int = 0

    def __bool__(self) -> bool:
        return any((self.finished, self.interrupted, self.temp_files_removed, self.staging_removed))

    def summary(self) -> str:
        parts = [f"{self.finished} finished item(s) recorded" if self.finished else "",
                 f"{self.interrupted} interrupted item(s) marked failed" if self.interrupted else "",
                 f"{self.temp_files_removed} partly written file(s) removed" if self.temp_files_removed else "",
                 f"{self.staging_removed} unfinished export or import file(s) removed" if self.staging_removed else ""]
        return "Recovered after an Atelier process ended uncleanly: " + ", ".join(p for p in parts if p) + "."


def find(library) -> Leftovers:
    found = find_recorded(library)
    found.temp_files = find_temp_files(library.layout, found.live)
    return found


def find_recorded(library) -> Leftovers:
    """What the database, the leases and the journals say (quick: runs where the connection
    lives); everything but the partly written files, which need a walk of the folders."""
    layout = library.layout
    live = leases.live_tokens(layout.leases)
    live.add(library.lease.token)  # our own lease, even where the file lock cannot be tried
    journals = sorted((layout.root / pending_commits.FOLDER).glob("*.json"))
    rows = library.conn.execute("SELECT id, owner FROM generations WHERE status='running'").fetchall()
    return Leftovers(live=live, journals=[p for p in journals if _journal_owner(p) not in live],
                     running_rows=[gid for gid, owner in rows if owner not in live],
                     staging=staging.orphaned(library, live))


def find_temp_files(layout, live: set[str]) -> list[Path]:
    """Partly written files and scratch entries whose writer is gone (a walk of assets/: the
    window's check does it on the thread pool, not on the library's writer)."""
    temp_files = [path for folder in (layout.assets, layout.root / pending_commits.FOLDER, layout.temp)
                  for path in leftover_temp_files(folder, live)]
    temp_files += [path for path in (layout.temp.iterdir() if layout.temp.exists() else [])
                   if leases.token_of(path.name) not in live and path not in temp_files]
    return temp_files


def clean(library, leftovers: Leftovers) -> RecoveryReport:
    """Finish what can be finished, mark the rest interrupted, remove the debris."""
    report = RecoveryReport()
    if leftovers.journals:
        report.finished = pending_commits.replay_orphaned(library, leftovers.live)
    report.interrupted = library.generations.mark_interrupted(leftovers.running_rows)
    for path in leftovers.temp_files:
        remove_path(path)
        report.temp_files_removed += 1
    for path in leftovers.staging:
        staging.remove(library, path)
        report.staging_removed += 1
    return report


def recover(library) -> RecoveryReport:
    """Run at every start: clean up after dead processes, leave live ones alone."""
    report = clean(library, find(library))
    if report:
        log.warning(report.summary())
    return report


def _journal_owner(path: Path) -> str | None:
    try:
        owner, _work = pending_commits.FinishedWork.from_json(Path("."), path.read_bytes())
        return owner
    except (OSError, ValueError, KeyError, TypeError):
        return None  # unreadable: nobody owns it, replay drops it

