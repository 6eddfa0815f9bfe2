"""The engine protocol every modality implements. No Qt here, so an engine can run
in the worker thread, the CLI, a benchmark, or (later) a subprocess unchanged."""

from __future__ import annotations

import threading
from typing import Any, Callable, Protocol

from desktop.core.jobs import Progress

ProgressCallback = Callable[[Progress], None]


class Engine(Protocol):
    """A loaded model able to run requests of one modality."""

    modality: str
    model_path: str

    def memory_bytes(self) -> int:
        """Roughly how much RAM the loaded model holds (for the memory budget)."""

    def generate(self, request: Any, progress: ProgressCallback, cancel: threading.Event) -> Any:
        """Run one request. Checks `cancel` at every token/step and raises Cancelled."""

    def close(self) -> None:
        """Release the model's memory."""

