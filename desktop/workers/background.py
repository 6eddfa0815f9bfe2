"""Cheap background work (model scans, file checks) on QThreadPool, results on the GUI thread."""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool

from desktop.workers.relay import CallbackRelay

log = logging.getLogger(__name__)


class _Task(QRunnable):
    def __init__(self, fn, relay, on_done, on_error):
        super().__init__()
        self.fn, self.relay, self.on_done, self.on_error = fn, relay, on_done, on_error

    def run(self) -> None:  # never touches widgets: it only posts the result back
        try:
            value = self.fn()
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller
            log.debug("Background task failed", exc_info=exc)
            self.relay.post(self.on_error, exc)
        else:
            self.relay.post(self.on_done, value)


# One relay per thread that makes a Background (the GUI thread, in practice), never deleted: a
# task may outlive its Background — a window closed while a tokenizer still loads — and a pool
# thread posting to a relay that Qt is deleting crashed the process. A late callback whose
# widget is gone is dropped by the relay (RuntimeError, logged at debug).
_relays: dict[int, CallbackRelay] = {}


def _relay_for_this_thread() -> CallbackRelay:
    ident = threading.get_ident()
    if ident not in _relays:
        _relays[ident] = CallbackRelay()
    return _relays[ident]


class Background(QObject):
    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None):
        super().__init__(parent)
        self._relay = _relay_for_this_thread()
        self._pool = pool or QThreadPool.globalInstance()

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        self._pool.start(_Task(fn, self._relay, on_done, on_error))

    def wait(self, msecs: int = 30000) -> bool:
        return self._pool.waitForDone(msecs)
