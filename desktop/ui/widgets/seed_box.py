"""A spin box for seeds: -1 shows as "random", and seeds go up to what the model takes
(2**63 - 1 for torch, 2**32 - 2 for llama.cpp). QSpinBox stops at 2**31 - 1 and would
clamp a larger stored seed silently when a generation's settings are reused."""

from __future__ import annotations

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox

RANDOM = "random"


class SeedBox(QAbstractSpinBox):
    def __init__(self, maximum: int, parent=None):
        super().__init__(parent)
        self._maximum = maximum
        self.setToolTip(f"-1 or “{RANDOM}” picks a new seed each time (the seed used is stored with the "
                        f"result); otherwise 0–{maximum}")
        self.setValue(-1)

    def maximum(self) -> int:
        return self._maximum

    def value(self) -> int:
        text = self.text().strip()
        return int(text) if text.isdigit() else -1

    def setValue(self, value: int) -> None:
        """Shown as given, even beyond the maximum (a seed read from another tool): the
        request's validate() then refuses it with the range, rather than it being clamped."""
        self.lineEdit().setText(RANDOM if value == -1 else str(int(value)))

    # -- QAbstractSpinBox -------------------------------------------------------------

    def validate(self, text: str, _pos: int):
        text = text.strip()
        if text in (RANDOM, "-1") or (text.isdigit() and int(text) <= self._maximum):
            return QValidator.State.Acceptable
        if RANDOM.startswith(text) or text == "-":
            return QValidator.State.Intermediate
        return QValidator.State.Invalid

    def fixup(self, text: str) -> str:
        return text if text.strip().isdigit() else RANDOM

    def stepEnabled(self):
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() > -1:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        if self.value() < self._maximum:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        return flags

    def stepBy(self, steps: int) -> None:
        self.setValue(max(-1, min(self._maximum, self.value() + steps)))
