"""Running a generation's work so that its row always ends truthfully: cancelled rows say
cancelled, failures keep the message, and nothing claims success until the runner commits."""

from __future__ import annotations

from typing import Callable, TypeVar

from desktop.core.error_text import describe
from desktop.core.errors import Cancelled
from desktop.pipeline.store_access import StoreAccess

T = TypeVar("T")


def run_recorded(store: StoreAccess, generation_id: int, work: Callable[[], T],
                 on_cancel: Callable[[Cancelled], Callable] | None = None) -> T:
    """`on_cancel(stopped)` may give a library call of its own (e.g. to keep partial text)."""
    try:
        return work()
    except Cancelled as stopped:
        store.call(on_cancel(stopped) if on_cancel else (lambda lib: lib.generations.cancel(generation_id)))
        raise
    except BaseException as exc:
        message = describe(exc)
        store.call(lambda lib: lib.generations.fail(generation_id, message))
        raise
