"""The list of available models, scanned off the GUI thread."""

from __future__ import annotations

import os

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal

from desktop.core.model_registry import ModelProblem
from desktop.core.text import gguf_registry
from desktop.core.text.gguf_registry import ModelInfo

INFO_ROLE = Qt.UserRole + 1
PATH_ROLE = Qt.UserRole + 2


class ModelListModel(QAbstractListModel):
    scanned = Signal()
    problems_found = Signal(list)     # list[ModelProblem]
    model_added = Signal(object)      # the registry's info of a model a person added

    def __init__(self, background, folders_fn, files_fn, parent=None, scan_fn=None, inspect_fn=None):
        """`folders_fn()` / `files_fn()` give the folders and single files to scan now;
        `scan_fn(folders, files)` / `inspect_fn(path)` say what a model is (GGUF by default)."""
        super().__init__(parent)
        self._background = background
        self._folders_fn, self._files_fn = folders_fn, files_fn
        self._scan = scan_fn or gguf_registry.scan
        self._inspect = inspect_fn or gguf_registry.inspect
        self._models: list[ModelInfo] = []
        self.scanning = False

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._models)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self._models):
            return None
        info = self._models[index.row()]
        if role == Qt.DisplayRole:
            return info.label
        if role == Qt.ToolTipRole:
            if not hasattr(info, "has_chat_template"):
                return f"{info.path}\nFound in: {info.source}"
            return (f"{info.path}\nArchitecture: {info.architecture}\nFound in: {info.source}\n"
                    + ("Has a chat template." if info.has_chat_template else
                       "No chat template: a base model that continues text."))
        if role == INFO_ROLE:
            return info
        if role == PATH_ROLE:
            return info.path
        return None

    def models(self) -> list[ModelInfo]:
        return list(self._models)

    def find(self, path: str) -> ModelInfo | None:
        # Scanned paths are already resolved; normalising here needs no disk access.
        wanted = os.path.abspath(path) if path else ""
        return next((m for m in self._models if m.path == wanted), None)

    def row_of(self, path: str) -> int:
        info = self.find(path)
        return self._models.index(info) if info else -1

    def refresh(self) -> None:
        folders, files = list(self._folders_fn()), list(self._files_fn())
        self.scanning = True
        self._background.run(lambda: self._scan(folders, files), self._on_scanned,
                             self._on_scan_error)

    @property
    def inspector(self):
        """This list's `inspect(path)`: a plain function (no Qt), for a background task to call
        (adding a model a person chose: desktop/viewmodels/model_adding.py)."""
        return self._inspect

    def _on_scanned(self, found) -> None:
        models, problems = found
        self.beginResetModel()
        self._models = models
        self.endResetModel()
        self.scanning = False
        self.scanned.emit()
        if problems:
            self.problems_found.emit(problems)

    def _on_scan_error(self, exc: BaseException) -> None:
        self.scanning = False
        self.problems_found.emit([ModelProblem("", f"Scanning for models failed: {exc}")])
        self.scanned.emit()

    def add_inspected(self, info) -> None:
        """List a model its registry's inspect accepted (once), and say so (model_added)."""
        if self.find(info.path) is None:
            self.beginInsertRows(QModelIndex(), len(self._models), len(self._models))
            self._models.append(info)
            self.endInsertRows()
        self.model_added.emit(info)
