"""Deliver a callback on the GUI thread from any thread.

A signal connected to a bound slot of a QObject that lives on the GUI thread is queued
to that thread; a lambda would run in the emitting thread (verified pitfall)."""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal, Slot

log = logging.getLogger(__name__)


class CallbackRelay(QObject):
    _deliver = Signal(object, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._deliver.connect(self._run)

    def post(self, callback: Callable[[Any], None] | None, value: Any) -> None:
        """Thread-safe: schedule callback(value) on this object's thread."""
        if callback is not None:
            try:
                self._deliver.emit(callback, value)
            except RuntimeError as exc:  # the relay went with its window (closed) while the work ran
                log.debug("Dropped a late answer: %s", exc)

    @Slot(object, object)
    def _run(self, callback, value) -> None:
        try:
            callback(value)
        except RuntimeError as exc:  # the receiving widget was closed meanwhile
            log.debug("Dropped a late callback: %s", exc)
