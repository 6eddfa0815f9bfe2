"""Steering a running download from another thread (pause, cancel: plain Events checked at every
chunk and during every wait, as a job's cancel is), and how often and how patiently it retries."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


class Stopped(Exception):
    """Raised inside a transfer when a pause or a cancel was asked for; the Download decides
    what happens to the partial files (kept on pause, deleted on cancel)."""


class DownloadControl:
    """`cancel_event` may be a job's own cancel Event, set by whoever owns the job."""

    def __init__(self, cancel_event: threading.Event | None = None):
        self.cancel_event = cancel_event or threading.Event()
        self.pause_event = threading.Event()
        self._wake = threading.Event()

    def pause(self) -> None:
        self.pause_event.set()
        self._wake.set()

    def cancel(self) -> None:
        self.cancel_event.set()
        self._wake.set()

    def clear_pause(self) -> None:
        self.pause_event.clear()
        if not self.cancel_event.is_set():
            self._wake.clear()

    @property
    def stop_requested(self) -> bool:
        return self.cancel_event.is_set() or self.pause_event.is_set()

    def check(self) -> None:
        if self.stop_requested:
            raise Stopped()

    def sleep(self, seconds: float) -> None:
        """Wait between attempts; pause() or cancel() ends the wait at once, a cancel Event set
        directly within a tenth of a second."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._wake.wait(min(left, 0.1)) or self.stop_requested:
                raise Stopped()
        self.check()


@dataclass(frozen=True)
class RetryPolicy:
    """Failed attempts of one file before giving up (an attempt that brought bytes resets the
    count: a long download over a flaky link keeps going), and the backoff between them."""

    attempts: int = 6
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 60.0

    def delay(self, failures: int) -> float:
        return min(self.max_delay, self.first_delay * self.factor ** max(0, failures - 1))
