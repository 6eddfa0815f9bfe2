"""Waiting for a library that another process is writing to. A window and a CLI command on
one library is an ordinary case, so a busy database is waited for rather than failed:
without limit where finished work would otherwise be lost (generation commits, gallery
imports), for a while where a person is waiting on an edit (the store writer's submits)."""

from __future__ import annotations

import sqlite3
import time
from typing import Callable, TypeVar

from desktop.store.database import is_busy

T = TypeVar("T")
WAITING = "Waiting for the library, which another Atelier process is using…"
RETRY_PAUSE_S = 0.25  # between attempts; each attempt itself waits out SQLite's busy timeout


def call_when_free(store, fn: Callable[..., T], on_wait: Callable[[], None] | None = None,
                   give_up_after_s: float | None = None) -> T:
    """store.call(fn), retried while the database is busy. `on_wait()` runs once, at the first
    wait (to tell the person); past `give_up_after_s` the busy error is raised."""
    deadline = None if give_up_after_s is None else time.monotonic() + give_up_after_s
    told = False
    while True:
        try:
            return store.call(fn)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or (deadline is not None and time.monotonic() > deadline):
                raise
            if not told and on_wait is not None:
                on_wait()
                told = True
            time.sleep(RETRY_PAUSE_S)
