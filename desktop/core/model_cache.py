"""Loaded models kept under a memory budget, least recently used evicted first.

Lives inside the inference worker; nothing else ever holds a model object.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Callable

from desktop.core.engine import Engine

log = logging.getLogger(__name__)


class ModelCache:
    def __init__(self, budget_bytes: int):
        self.budget_bytes = budget_bytes
        self._engines: "OrderedDict[tuple, Engine]" = OrderedDict()

    def get(self, key: tuple, load: Callable[[], Engine], expected_bytes: int = 0) -> Engine:
        """Return the cached engine for `key`, or evict until `expected_bytes` fits and load it."""
        engine = self._engines.get(key)
        if engine is not None:
            self._engines.move_to_end(key)
            return engine
        self._evict_for(expected_bytes)
        engine = load()
        self._engines[key] = engine
        self._evict_for(0, keep=key)
        return engine

    def get_only(self, model: tuple, settings: tuple, load: Callable[[], Engine], expected_bytes: int = 0) -> Engine:
        """The engine for `model` (e.g. ("text", path)) loaded with `settings` (threads, context,
        precision...). A copy of the same model loaded with other settings is unloaded first:
        a model is never in memory twice."""
        key = (*model, *settings)
        for stale in [k for k in self._engines if k[:len(model)] == model and k != key]:
            self.unload(stale)
        return self.get(key, load, expected_bytes)

    def set_budget(self, budget_bytes: int) -> None:
        """Apply a new budget now: idle models over it are unloaded, oldest first."""
        self.budget_bytes = budget_bytes
        self._evict_for(0)

    def used_bytes(self) -> int:
        return sum(engine.memory_bytes() for engine in self._engines.values())

    def keys(self) -> list[tuple]:
        return list(self._engines)

    def _evict_for(self, incoming: int, keep: tuple | None = None) -> None:
        while self._engines and self.used_bytes() + incoming > self.budget_bytes:
            oldest = next(iter(self._engines))
            if oldest == keep:
                break  # a single model bigger than the budget still has to run
            self.unload(oldest)

    def unload(self, key: tuple) -> None:
        engine = self._engines.pop(key, None)
        if engine is not None:
            log.info("Unloading %s", engine.model_path)
            engine.close()

    def clear(self) -> None:
        for key in list(self._engines):
            self.unload(key)
