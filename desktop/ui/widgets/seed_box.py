"""A spin box for seeds: -1 shows as "random", and seeds go up to what the model takes
(2**63 - 1 for torch, 2**32 - 2 for llama.cpp). QSpinBox stops at 2**31 - 1 and would
clamp a larger stored seed silently when a generation's settings are reused."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox

from desktop.ui.widgets.number_fields import LimitSaying

RANDOM = "random"


class SeedBox(LimitSaying, QAbstractSpinBox):
    limit_said = Signal(str)

    def __init__(self, maximum: int, parent=None):
        super().__init__(parent)
        self._maximum = maximum
        self.setToolTip(f"-1 or “{RANDOM}” picks a new seed each time (the seed used is stored with the "
                        f"result); otherwise 0–{maximum}")
        self.setValue(-1)
        self.editingFinished.connect(self._bring_typed_seed_inside)
        self._init_limits()

    def range_text(self) -> str:
        return ""  # the tooltip says it, with what -1 means

    def _limits(self):
        return -1, self._maximum, 0, ""

    @staticmethod
    def _typed_number(text: str):
        text = text.strip()
        return int(text) if text.isdigit() else None

    def maximum(self) -> int:
        return self._maximum

    def value(self) -> int:
        text = self.text().strip()
        return int(text) if text.isdigit() else -1

    def setValue(self, value: int) -> None:
        """Shown as given, even beyond the maximum (a seed read from another tool): the
        request's validate() then refuses it with the range, rather than it being clamped."""
        self._given = int(value)
        self.lineEdit().setText(RANDOM if value == -1 else str(int(value)))

    # -- QAbstractSpinBox -------------------------------------------------------------

    def validate(self, text: str, _pos: int):
        text = text.strip()
        if text in (RANDOM, "-1") or (text.isdigit() and int(text) <= self._maximum):
            return QValidator.State.Acceptable
        if RANDOM.startswith(text) or text == "-" or text.isdigit():  # a larger seed: said on leaving
            return QValidator.State.Intermediate
        return QValidator.State.Invalid

    def fixup(self, text: str) -> str:
        return text if text.strip().isdigit() else RANDOM

    def _bring_typed_seed_inside(self) -> None:
        """A typed seed beyond what the model takes becomes the largest it takes (said by
        LimitSaying); one set from a stored generation stays as it is (see setValue)."""
        typed = self._beyond_range(self.text())
        if typed is not None and typed != self._given:
            self._beyond = typed
            self.setValue(self._maximum)

    def stepEnabled(self):
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() > -1:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        if self.value() < self._maximum:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        return flags

    def stepBy(self, steps: int) -> None:
        self.setValue(max(-1, min(self._maximum, self.value() + steps)))
