"""Number fields that state their range and say when typing went beyond it.

A plain QSpinBox refuses the keystroke that would leave its range: "100000" typed into a
Width of at most 2048 silently became "1000". These fields let the number be typed, then,
when the person leaves the field, set it to the nearest limit and say so beside it; their
tooltip always ends with the range."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QSpinBox, QToolTip


def _number_text(value: float, decimals: int = 0) -> str:
    return f"{value:,.{decimals}f}" if decimals else f"{int(value):,}"


class LimitSaying:
    """Mixed into a spin box: `_limits()` gives (low, high, decimals, unit); `_typed_number`
    reads the number typed (or None). Each field declares `limit_said = Signal(str)`: what
    was said when a typed number was brought inside the range."""

    def _init_limits(self) -> None:
        self._beyond: float | None = None
        self.editingFinished.connect(self._say_if_clamped)

    def range_text(self) -> str:
        low, high, decimals, unit = self._limits()
        unit = f" {unit}" if unit else ""
        return f"Range: {_number_text(low, decimals)} to {_number_text(high, decimals)}{unit}"

    def full_tooltip(self) -> str:
        return "\n".join(part for part in (self.toolTip(), self.range_text()) if part)

    def _beyond_range(self, text: str) -> float | None:
        """The number typed when it is outside the range, else None."""
        number = self._typed_number(text)
        low, high, _decimals, _unit = self._limits()
        return number if number is not None and not low <= number <= high else None

    def _say_if_clamped(self) -> None:
        if self._beyond is None:
            return
        low, high, decimals, unit = self._limits()
        typed, self._beyond = self._beyond, None
        limit, word = (high, "at most") if typed > high else (low, "at least")
        unit = f" {unit}" if unit else ""
        message = (f"{_number_text(typed, decimals)} is beyond the limit: this field is {word} "
                   f"{_number_text(limit, decimals)}{unit}, so it was set to that.")
        QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), message, self, self.rect(), 6000)
        self.limit_said.emit(message)

    def validate(self, text: str, pos: int):
        if self._beyond_range(text) is not None:  # let it be typed: fixup brings it inside on leaving
            return QValidator.State.Intermediate, text, pos
        return super().validate(text, pos)

    def fixup(self, text: str) -> str:
        typed = self._beyond_range(text)
        if typed is None:
            return super().fixup(text)
        low, high, _decimals, _unit = self._limits()
        self._beyond = typed
        return self.textFromValue(min(max(typed, low), high))

    def event(self, event) -> bool:
        if event.type() == QEvent.ToolTip:
            QToolTip.showText(event.globalPos(), self.full_tooltip(), self)
            return True
        return super().event(event)


class IntField(LimitSaying, QSpinBox):
    limit_said = Signal(str)

    def __init__(self, low: int, high: int, value: int | None = None, tip: str = "", unit: str = "", parent=None):
        super().__init__(parent)
        self._unit = unit
        self.setRange(low, high)
        self.setCorrectionMode(QAbstractSpinBox.CorrectToNearestValue)
        self.setValue(low if value is None else value)
        if tip:
            self.setToolTip(tip)
        self._init_limits()

    def _limits(self):
        return self.minimum(), self.maximum(), 0, self._unit or self.suffix().strip()

    def _typed_number(self, text: str):
        digits = text.strip().removeprefix(self.prefix()).removesuffix(self.suffix()).strip().replace(",", "")
        try:
            return int(digits)
        except ValueError:
            return None


class FloatField(LimitSaying, QDoubleSpinBox):
    limit_said = Signal(str)

    def __init__(self, low: float, high: float, step: float, value: float, tip: str = "", decimals: int = 2,
                 unit: str = "", parent=None):
        super().__init__(parent)
        self._unit = unit
        self.setDecimals(decimals)
        self.setRange(low, high)
        self.setSingleStep(step)
        self.setCorrectionMode(QAbstractSpinBox.CorrectToNearestValue)
        self.setValue(value)
        if tip:
            self.setToolTip(tip)
        self._init_limits()

    def _limits(self):
        return self.minimum(), self.maximum(), self.decimals(), self._unit or self.suffix().strip()

    def _typed_number(self, text: str):
        number = text.strip().removeprefix(self.prefix()).removesuffix(self.suffix()).strip()
        value, ok = self.locale().toDouble(number)
        return value if ok else None
