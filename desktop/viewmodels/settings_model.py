"""Observable settings for the GUI: widgets bind to `changed` instead of holding state."""

from __future__ import annotations

import copy
from dataclasses import fields
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop import settings as settings_io


class SettingsModel(QObject):
    changed = Signal(str)  # the setting's name

    def __init__(self, values: settings_io.Settings, path: Path | None = None, parent=None):
        super().__init__(parent)
        self._values = values
        self._path = path
        self._names = {f.name for f in fields(settings_io.Settings)}

    def get(self, name: str):
        """A setting's value; a name that is not declared is a KeyError, never a silent None."""
        if name not in self._names:
            raise KeyError(name)
        return copy.deepcopy(getattr(self._values, name))

    def set(self, name: str, value) -> None:
        if name not in self._names:
            raise KeyError(name)
        if getattr(self._values, name) == value:
            return
        setattr(self._values, name, copy.deepcopy(value))
        self.changed.emit(name)

    def snapshot(self) -> settings_io.Settings:
        return copy.deepcopy(self._values)

    def save(self) -> None:
        settings_io.save(self._values, self._path)

    def save_in_background(self, background) -> None:
        """Persist now without touching the disk on the GUI thread."""
        snapshot, path = self.snapshot(), self._path
        background.run(lambda: settings_io.save(snapshot, path))
