"""Adding models a person chose (File › Add model…, a drop on the window) to the studio that
runs them: each path is routed and inspected on the thread pool (desktop/model_routing.py),
then, back on the GUI thread, remembered in the settings, listed in its studio's model list
(which says so with its own model_added), and announced here with the studio that took it."""

from __future__ import annotations

import logging
from functools import partial
from typing import Iterable, Mapping

from PySide6.QtCore import QObject, Signal

from desktop import model_routing
from desktop.core.errors import UserFacingError
from desktop.model_routing import Added
from desktop.viewmodels.model_list import ModelListModel

log = logging.getLogger(__name__)


class ModelAdder(QObject):
    added = Signal(str, object)    # the studio's list key (model_routing.TEXT...), the registry's info
    refused = Signal(str, str)     # the path, why it was not added and what to do

    def __init__(self, background, lists: Mapping[str, ModelListModel], settings, parent=None):
        """`lists`: model_routing's studio key -> the window's list of that studio's models."""
        super().__init__(parent)
        self._background, self._lists, self._settings = background, dict(lists), settings

    def add(self, paths: Iterable[str]) -> None:
        """Route, inspect and list each path (each once), off the GUI thread; the answers come
        as `added` or `refused`, one per path, in the order they are ready."""
        inspectors = {studio: models.inspector for studio, models in self._lists.items()}
        for path in dict.fromkeys(str(p) for p in paths):
            self._background.run(partial(model_routing.add, path, inspectors), self._on_routed,
                                 partial(self._on_refused, path))

    def _on_routed(self, added: Added) -> None:
        self._remember(added)  # before the list says model_added: its listeners see it remembered
        self._lists[added.studio].add_inspected(added.info)
        self.added.emit(added.studio, added.info)

    def _remember(self, added: Added) -> None:
        """A file in model_files, a model folder in model_dirs (see model_routing). The change
        makes every list scan again, and their scans now include it: it stays after a restart."""
        name = "model_dirs" if added.is_folder else "model_files"
        known = self._settings.get(name)
        if added.path not in known:
            self._settings.set(name, [*known, added.path])
            self._settings.save_in_background(self._background)

    def _on_refused(self, path: str, exc: BaseException) -> None:
        self.refused.emit(path, refusal_text(exc))


def refusal_text(exc: BaseException) -> str:
    """What to tell a person about a path that was not added."""
    if isinstance(exc, (UserFacingError, ValueError)):
        return str(exc)
    if isinstance(exc, OSError):
        return f"It could not be read: {exc.strerror or exc}."
    log.error("Checking a model failed", exc_info=exc)
    return f"It could not be checked ({type(exc).__name__}: {exc}); details are in the log."
