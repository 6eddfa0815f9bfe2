"""Running a generation's work so that its row always ends truthfully: cancelled rows say
cancelled, failures keep the message, nothing claims success until the commit, and a
finished result is never lost — not to a database another process holds, nor to a kill
while waiting for it (desktop/store/pending_commits.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

from desktop.core.error_text import describe
from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.jobs import Progress
from desktop.pipeline.store_access import StoreAccess
from desktop.store import pending_commits
from desktop.store.asset_files import move_into_place, remove_path, write_atomically
from desktop.store.patience import WAITING, call_when_free
from desktop.store.pending_commits import FinishedWork

T = TypeVar("T")


def call_patiently(store: StoreAccess, fn: Callable, progress: Callable[[Progress], None] | None = None):
    """store.call(fn), waiting as long as another process holds the database, and saying so
    once through `progress`."""
    return call_when_free(store, fn, (lambda: progress(Progress(unit="waiting", message=WAITING))) if progress else None)


def run_recorded(store: StoreAccess, generation_id: int, work: Callable[[], T],
                 on_cancel: Callable[[Cancelled], Callable] | None = None) -> T:
    """`on_cancel(stopped)` may give a library call of its own (e.g. to keep partial text)."""
    try:
        return work()
    except Cancelled as stopped:
        call_patiently(store, on_cancel(stopped) if on_cancel else (lambda lib: lib.generations.cancel(generation_id)))
        raise
    except BaseException as exc:
        message = describe(exc)
        call_patiently(store, lambda lib: lib.generations.fail(generation_id, message))
        raise


def commit_finished(store: StoreAccess, work: FinishedWork, contents: list[bytes | Path] = (),
                    progress: Callable[[Progress], None] | None = None):
    """Journal, files (`contents[i]` for `work.assets[i]`: bytes, or a finished partial file
    to move into place), then the row, in that order, so a death at any point leaves either
    nothing claimed or a journal the next start replays. Returns the assistant message when
    the work belongs to a conversation."""
    root, owner = store.call(lambda lib: (lib.layout.root, lib.lease.token))
    journal = pending_commits.journal_path(root, work.generation_id)
    try:
        pending_commits.write_journal(root, owner, work)
        for asset, data in zip(work.assets, contents, strict=True):
            if isinstance(data, Path):
                move_into_place(data, asset.file.path)
            else:
                write_atomically(root, asset.file.relative, data, owner)
    except BaseException as exc:  # e.g. the disk is full: nothing of this result is kept
        for asset, data in zip(work.assets, contents):
            remove_path(asset.file.path)
            if isinstance(data, Path):
                data.unlink(missing_ok=True)
        journal.unlink(missing_ok=True)
        message = describe(exc)
        call_patiently(store, lambda lib: lib.generations.fail(work.generation_id, message))
        raise
    try:
        message = call_patiently(store, lambda lib: pending_commits.apply(lib, work), progress)
    except Exception as exc:  # the result stays on disk with its journal: the next start records it
        raise UserFacingError(
            f"The result was made and kept in {root}, but the library could not record it now "
            f"({describe(exc)}). Atelier adds it to the library the next time it starts.") from exc
    journal.unlink(missing_ok=True)
    return message
