"""One progress for a whole download (a diffusers folder of many files is one bar): bytes done of
the total, a smoothed speed and the time left, the current file and a state. Reports are
throttled (a chunk arrives thousands of times a second on a fast link) except state changes,
which are always sent."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

from desktop.core.models.download_errors import human_size

STARTING = "starting"
DOWNLOADING = "downloading"
VERIFYING = "verifying"
RETRYING = "retrying"
PAUSED = "paused"
DONE = "done"


@dataclass(frozen=True)
class DownloadProgress:
    state: str
    done_bytes: int
    total_bytes: int
    speed: float  # bytes per second, smoothed over a few seconds
    seconds_left: float | None  # None while the speed is unknown
    current_file: str | None
    retry_in: float | None = None  # seconds until the next attempt, while retrying
    reason: str = ""  # why it is retrying

    @property
    def fraction(self) -> float:
        return self.done_bytes / self.total_bytes if self.total_bytes else 1.0

    def text(self) -> str:
        """One line for a status bar or a terminal."""
        amount = f"{human_size(self.done_bytes)} of {human_size(self.total_bytes)}"
        where = f" · {self.current_file}" if self.current_file else ""
        if self.state == RETRYING:
            return f"Retrying in {self.retry_in:.0f} s ({self.reason}) · {amount}{where}"
        if self.state == DOWNLOADING:
            rate = f" · {human_size(self.speed)}/s" if self.speed else ""
            left = f" · {_duration(self.seconds_left)} left" if self.seconds_left is not None else ""
            return f"{amount}{rate}{left}{where}"
        return f"{self.state.capitalize()} · {amount}{where}"


def _duration(seconds: float) -> str:
    seconds = int(math.ceil(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds // 3600} h {round(seconds % 3600 / 60)} min"


class ProgressMeter:
    def __init__(self, callback: Callable[[DownloadProgress], None] | None, total: int, done: int = 0,
                 interval: float = 0.1, smoothing_s: float = 3.0, clock: Callable[[], float] = time.monotonic):
        self._callback = callback
        self.total, self.done = total, done
        self._interval, self._tau, self._clock = interval, smoothing_s, clock
        self.speed = 0.0
        self.state = STARTING
        self.file: str | None = None
        self._last_time = clock()
        self._last_done = done
        self._last_sent = float("-inf")

    def set_state(self, state: str, file: str | None = None, retry_in: float | None = None,
                  reason: str = "") -> None:
        entering = state == DOWNLOADING and self.state != DOWNLOADING
        self.state = state
        if file is not None:
            self.file = file
        # a pause or a retry must not read as a slow link afterwards, nor bytes already on
        # disk (a resumed file, files in place) as a fast one when the transfer starts
        if state != DOWNLOADING or entering:
            self._last_time, self._last_done = self._clock(), self.done
        self._send(retry_in, reason)

    def advance(self, count: int) -> None:
        self.done += count
        now = self._clock()
        elapsed = now - self._last_time
        if elapsed >= self._interval:
            rate = (self.done - self._last_done) / elapsed
            weight = 1 - math.exp(-elapsed / self._tau)
            self.speed = rate if self.speed == 0 else self.speed + weight * (rate - self.speed)
            self._last_time, self._last_done = now, self.done
        if now - self._last_sent >= self._interval:
            self._send()

    def rewind(self, count: int) -> None:
        """Bytes counted as done were thrown away (a partial that no longer matched)."""
        self.done = max(0, self.done - count)
        self._last_done = min(self._last_done, self.done)

    def _send(self, retry_in: float | None = None, reason: str = "") -> None:
        self._last_sent = self._clock()
        if self._callback is None:
            return
        left = (self.total - self.done) / self.speed if self.speed > 0 and self.state == DOWNLOADING else None
        self._callback(DownloadProgress(self.state, self.done, self.total, self.speed, left, self.file,
                                        retry_in, reason))
