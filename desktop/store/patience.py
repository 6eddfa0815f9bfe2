"""Waiting for a library that another process is writing to, for the store's own long jobs
(gallery import and export). Pipelines have the same loop with a progress message
(desktop/pipeline/recording.py: call_patiently); the store cannot import the pipeline."""

from __future__ import annotations

import sqlite3
import time
from typing import Callable, TypeVar

from desktop.store.database import is_busy

T = TypeVar("T")
RETRY_PAUSE_S = 0.25  # between attempts; each attempt itself waits out SQLite's busy timeout


def call_when_free(store, fn: Callable[..., T]) -> T:
    """store.call(fn), retried for as long as the database is busy instead of failing:
    two imports at once, or an import beside a window's work, is an ordinary case."""
    while True:
        try:
            return store.call(fn)
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            time.sleep(RETRY_PAUSE_S)
