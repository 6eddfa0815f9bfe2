"""The library's single writer: one thread owns the database connection and runs every
read and write in order, so the GUI thread never touches SQLite (the Anki pattern).

It is also where the library says what changed: a write submitted with a `LibraryChange`
broadcasts it on `changed` once done, and so do the job queue's ended jobs (`announce`), so
views reload from one signal. A failure nobody handles reaches the person (`unhandled_error`,
shown in the status bar), never only the log."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from desktop.core.error_text import describe
from desktop.store.changes import CHOICES, CONVERSATIONS, ITEMS, LibraryChange, change
from desktop.store.library import Library
from desktop.store.patience import WAITING, call_when_free
from desktop.workers.relay import CallbackRelay

log = logging.getLogger(__name__)
# A person's edits (tags, a new conversation...) wait this long for a library another
# process holds before they fail with a message. Generation commits wait without limit
# (desktop/pipeline/recording.py); they call in through `call`, not `submit`.
PATIENCE_S = 120.0


class StoreWriter(QObject):
    waiting = Signal(str)  # a person's edit waits for a library another process holds; "" when it is over
    changed = Signal(object)       # LibraryChange, on the GUI thread, after the write that made it
    unhandled_error = Signal(str)  # a failed call that came with no on_error: a message for a person

    def __init__(self, data_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atelier-store")
        self._relay = CallbackRelay(self)
        self._thread_id: int | None = None
        self._library: Library | None = None
        self._data_dir = Path(data_dir)
        self._closed = False
        # Opening (and migrating) runs on the writer thread too, queued before any other call;
        # a failure (e.g. a newer schema) is reported by every later call.
        self.opened: Future = self._executor.submit(self._open, Path(data_dir))

    def _open(self, data_dir: Path):
        """The start-up recovery's report (desktop/store/recovery.py)."""
        self._thread_id = threading.get_ident()
        self._library = Library(data_dir)
        return self._library.recover_after_crash()

    @property
    def read_only(self) -> bool:
        return self._library is not None and self._library.read_only

    def read_only_note(self) -> str:
        return self._library.read_only_note() if self._library is not None else ""

    def rebuild(self, on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]) -> Future:
        """Set a damaged database aside and start a fresh one that adopts the files (the
        person agreed); on_done(RebuildReport) on the caller's thread."""
        def run():
            from desktop.store.rebuild import set_aside_and_rebuild

            self._library, report = set_aside_and_rebuild(self._data_dir)
            return report
        return self._submit(run, on_done, on_error, change(ITEMS, CHOICES, CONVERSATIONS, source=self))

    def _run(self, fn: Callable[[Library], Any]) -> Any:
        if self._library is None:
            self.opened.result()  # re-raises why the library could not be opened
        return fn(self._library)

    def call(self, fn: Callable[[Library], Any]) -> Any:
        """Run fn(library) on the writer and wait: for worker threads, not the GUI thread."""
        if threading.get_ident() == self._thread_id:
            return self._run(fn)
        return self._executor.submit(self._run, fn).result()

    def submit(self, fn: Callable[[Library], Any], on_done: Callable[[Any], None] | None = None,
               on_error: Callable[[BaseException], None] | None = None, changes: LibraryChange | None = None) -> Future:
        """Run fn(library) on the writer; on_done(result) / on_error(exc) run on the caller's
        (GUI) thread, then `changes` is broadcast when it succeeded. After close (late signals
        during shutdown) nothing runs. A database held by another Atelier process is waited
        for (up to PATIENCE_S), not failed at once."""
        return self._submit(lambda: self._run_when_free(fn), on_done, on_error, changes)

    def announce(self, what: LibraryChange) -> None:
        """Broadcast a change made elsewhere (a job's pipeline wrote through `call`)."""
        if not self._closed:
            self.changed.emit(what)

    def _run_when_free(self, fn: Callable[[Library], Any]) -> Any:
        """On the writer: wait for a library another process holds, and let the window say so
        while it lasts (`waiting` carries the message, then "")."""
        told = []

        def tell() -> None:
            told.append(True)
            self._relay.post(self.waiting.emit, WAITING)

        try:
            return call_when_free(SimpleNamespace(call=self._run), fn, tell, give_up_after_s=PATIENCE_S)
        finally:
            if told:
                self._relay.post(self.waiting.emit, "")

    def _submit(self, work: Callable[[], Any], on_done, on_error, changes: LibraryChange | None = None) -> Future:
        if self._closed:
            log.debug("Library closed; dropped a late request")
            future: Future = Future()
            future.cancel()
            return future
        future = self._executor.submit(work)

        def finished(f: Future) -> None:
            exc = f.exception()
            if exc is None:
                self._relay.post(on_done, f.result())
                if changes is not None:
                    self._relay.post(self.announce, changes)
            else:
                log.error("Library operation failed", exc_info=exc)
                self._relay.post(on_error or self._say_failed, exc)

        future.add_done_callback(finished)
        return future

    def _say_failed(self, exc: BaseException) -> None:
        self.unhandled_error.emit(f"A change to the library failed: {describe(exc)}")

    def close(self) -> None:
        self._closed = True
        if self._library is not None:
            self._executor.submit(self._library.close)
        self._executor.shutdown(wait=True)
