"""How pipelines reach the library: `call(fn)` runs fn(library) on the library's single
writer and returns its result. The CLI calls directly; the GUI goes through the writer
thread (desktop/workers/store_writer.py), which has the same `call`."""

from __future__ import annotations

from typing import Callable, Protocol, TypeVar

from desktop.store.library import Library

T = TypeVar("T")


class StoreAccess(Protocol):
    def call(self, fn: Callable[[Library], T]) -> T: ...


class DirectStore:
    """Same-thread access, for the CLI and benchmarks."""

    def __init__(self, library: Library):
        self.library = library

    def call(self, fn: Callable[[Library], T]) -> T:
        return fn(self.library)
