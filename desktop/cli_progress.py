"""A download's progress on the command line, on stderr so that stdout carries only the result
(the model's path): on a terminal one line redrawn in place — a bar, the percentage, bytes
done of the total, the speed, the time left and the file; elsewhere (a log, a pipe, CI) plain
lines, one at each change of state and each tenth of the way, so a log stays short."""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from desktop.core.models.download_progress import DOWNLOADING, DownloadProgress

BAR_WIDTH = 24
PLAIN_STEP = 0.1  # a plain line each tenth of the way


class TerminalProgress:
    def __init__(self, stream: TextIO | None = None, is_tty: bool | None = None, width: int | None = None):
        self.stream = stream or sys.stderr
        self.is_tty = self.stream.isatty() if is_tty is None else is_tty
        self.width = width or shutil.get_terminal_size((100, 24)).columns
        self._drawn = False           # a bar line is on screen, not yet ended
        self._last_state: str | None = None
        self._last_step = -1
        self.last: DownloadProgress | None = None  # the latest report, for the closing message

    def __call__(self, progress: DownloadProgress) -> None:
        """The download's progress callback (called from the thread that runs it)."""
        self.last = progress
        fraction = min(max(progress.fraction, 0.0), 1.0) if progress.total_bytes else 0.0
        if self.is_tty:
            filled = int(round(fraction * BAR_WIDTH))
            line = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%} {progress.text()}"
            self.stream.write("\r" + line[:max(self.width - 1, 20)] + "\x1b[K")
            self.stream.flush()
            self._drawn = True
            return
        step = int(fraction / PLAIN_STEP) if progress.state == DOWNLOADING else -1
        if progress.state != self._last_state or step > self._last_step:
            self._last_state, self._last_step = progress.state, max(step, self._last_step)
            self.stream.write(f"{fraction:.0%} {progress.text()}\n")
            self.stream.flush()

    def say(self, text: str) -> None:
        """A line of its own, below the bar (which is redrawn at the next report)."""
        self.end()
        self.stream.write(text + "\n")
        self.stream.flush()

    def end(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
