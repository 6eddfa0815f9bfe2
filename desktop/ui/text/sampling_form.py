"""Sampling settings for text generation, edited as a form and read as a Sampling."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QFormLayout, QLineEdit, QWidget

from desktop.core.request_checks import LLAMA_SEED_MAX
from desktop.core.text.text_request import Sampling
from desktop.ui.widgets.seed_box import SeedBox
from desktop.ui.widgets.number_fields import FloatField, IntField

STOP_SEPARATOR = "|"


class SamplingForm(QWidget):
    def __init__(self, defaults: Sampling | None = None, parent=None):
        super().__init__(parent)
        d = defaults or Sampling()
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.temperature = self._double(0.0, 2.0, 0.05, d.temperature,
                                        "0 = always the most likely token (deterministic)")
        self.top_p = self._double(0.0, 1.0, 0.01, d.top_p, "Nucleus sampling: keep the smallest set of tokens whose probability adds up to this")
        self.top_k = self._int(0, 1000, d.top_k, "Sample among this many most likely tokens (0 = all)")
        self.repeat_penalty = self._double(0.5, 2.0, 0.05, d.repeat_penalty, "Above 1 discourages repeating recent tokens")
        self.max_tokens = self._int(1, 131072, d.max_tokens, "Longest reply, in tokens")
        self.seed = SeedBox(LLAMA_SEED_MAX)
        self.seed.setValue(d.seed)
        self.stop = QLineEdit(STOP_SEPARATOR.join(d.stop))
        self.stop.setPlaceholderText(f"e.g. ### {STOP_SEPARATOR} END")
        self.stop.setToolTip(f"Generation stops at any of these strings (separate with {STOP_SEPARATOR}).")
        form.addRow("Temperature", self.temperature)
        form.addRow("Top-p", self.top_p)
        form.addRow("Top-k", self.top_k)
        form.addRow("Repeat penalty", self.repeat_penalty)
        form.addRow("Max tokens", self.max_tokens)
        form.addRow("Seed", self.seed)
        form.addRow("Stop strings", self.stop)

    @staticmethod
    def _double(low, high, step, value, tip) -> FloatField:
        return FloatField(low, high, step, value, tip)

    @staticmethod
    def _int(low, high, value, tip) -> IntField:
        return IntField(low, high, value, tip)

    def sampling(self) -> Sampling:
        stops = [s.replace("\\n", "\n") for s in self.stop.text().split(STOP_SEPARATOR) if s]
        return Sampling(
            temperature=self.temperature.value(), top_p=self.top_p.value(), top_k=self.top_k.value(),
            repeat_penalty=self.repeat_penalty.value(), max_tokens=self.max_tokens.value(),
            seed=self.seed.value(), stop=stops,
        )

    def apply(self, params: dict) -> None:
        """Fill the form from a stored generation's parameters (only what they contain)."""
        for name in ("temperature", "top_p", "top_k", "repeat_penalty", "max_tokens", "seed"):
            value = params.get(name)
            if isinstance(value, (int, float)) and math.isfinite(value):  # NaN would become the box's maximum
                box = getattr(self, name)
                box.setValue(type(box.value())(value))
        if isinstance(params.get("stop"), list):
            self.stop.setText(STOP_SEPARATOR.join(s.replace("\n", "\\n") for s in params["stop"]))
