"""A combo box bound to the model list; remembers the last choice per studio."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox

from desktop.core.text.gguf_registry import ModelInfo
from desktop.viewmodels.model_list import INFO_ROLE, ModelListModel


class ModelPicker(QComboBox):
    model_chosen = Signal(object)  # ModelInfo or None

    def __init__(self, models: ModelListModel, remembered: str = "", parent=None):
        super().__init__(parent)
        self._models = models
        self._wanted = remembered
        self._resetting = False
        self.setModel(models)
        self.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(14)  # longer names elide; the tooltip has them whole
        self.say_missing("No model yet", "No model yet: File › Add model file… or Add model folder…, or drop the model on the window")
        # QComboBox selects row 0 by itself when the list is reset; that is not a choice.
        models.modelAboutToBeReset.connect(lambda: setattr(self, "_resetting", True))
        models.modelReset.connect(self._restore)
        models.rowsInserted.connect(self._restore)
        self.currentIndexChanged.connect(self._on_changed)
        self.model_chosen.connect(lambda info: self.setToolTip(f"{info.name}\n{info.path}" if info else self._help))
        self._restore()

    def say_missing(self, short: str, help_text: str) -> None:
        """What the empty picker shows: a short placeholder (a long one would set the picker's
        minimum width) and, in its tooltip, what to do."""
        self._help = help_text
        self.setPlaceholderText(short)
        if self.current() is None:
            self.setToolTip(help_text)

    def current(self) -> ModelInfo | None:
        return self.currentData(INFO_ROLE)

    def choose(self, path: str) -> None:
        self._wanted = path
        self._restore()

    def _restore(self, *_args) -> None:
        self._resetting = False
        row = self._models.row_of(self._wanted) if self._wanted else -1
        if row < 0 and self.currentIndex() < 0 and self._models.rowCount() > 0:
            row = 0
        if row >= 0 and row != self.currentIndex():
            self.setCurrentIndex(row)
        self.model_chosen.emit(self.current())

    def _on_changed(self, _row: int) -> None:
        if self._resetting:
            return
        info = self.current()
        if info is not None:
            self._wanted = info.path
        self.model_chosen.emit(info)
