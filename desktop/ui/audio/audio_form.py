"""The settings of speech and of music, as forms that make requests and can be filled
back from a stored generation ("use these settings")."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QFormLayout, QWidget

from desktop.core.audio.audio_request import MusicRequest, SpeechRequest
from desktop.core.request_checks import TORCH_SEED_MAX
from desktop.ui.widgets.seed_box import SeedBox
from desktop.ui.widgets.number_fields import FloatField, IntField


def _double(low: float, high: float, step: float, value: float, tip: str) -> FloatField:
    return FloatField(low, high, step, value, tip, decimals=3 if step < 0.1 else 1)


def _usable(value) -> bool:
    """A stored number a spin box can show as it is (it would turn NaN into its maximum)."""
    return isinstance(value, (int, float)) and math.isfinite(value)


def _seed_box() -> SeedBox:
    return SeedBox(TORCH_SEED_MAX)


class SpeechForm(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.length_scale = _double(0.1, 5.0, 0.05, 1.0, "Above 1 speaks slower, below 1 faster")
        self.noise_scale = _double(0.0, 2.0, 0.05, 0.667, "Variability of the voice; 0 gives the same audio every time")
        self.noise_w = _double(0.0, 2.0, 0.05, 0.8, "Variability of sound lengths; 0 gives the same timing every time")
        self.speaker = IntField(0, 0, 0, "Multi-speaker voices: which speaker")
        self.seed = _seed_box()
        form.addRow("Length scale", self.length_scale)
        form.addRow("Noise scale", self.noise_scale)
        form.addRow("Noise width", self.noise_w)
        form.addRow("Speaker", self.speaker)
        form.addRow("Seed", self.seed)
        self.set_speakers(1)

    def set_speakers(self, count: int) -> None:
        self.speaker.setRange(0, max(0, count - 1))
        self.speaker.setEnabled(count > 1)

    def request(self, text: str, file_format: str) -> SpeechRequest:
        return SpeechRequest(text, length_scale=self.length_scale.value(), noise_scale=self.noise_scale.value(),
                             noise_w=self.noise_w.value(),
                             speaker=self.speaker.value() if self.speaker.isEnabled() else None,
                             seed=self.seed.value(), file_format=file_format)

    def apply(self, params: dict, seed: int | None) -> None:
        for name, box in (("length_scale", self.length_scale), ("noise_scale", self.noise_scale),
                          ("noise_w", self.noise_w), ("speaker", self.speaker)):
            if _usable(params.get(name)):
                box.setValue(params[name])
        if seed is not None:
            self.seed.setValue(seed)


class MusicForm(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.duration = _double(0.5, 120.0, 0.5, 8.0, "Length of the piece in seconds")
        self.duration.setSuffix(" s")
        self.guidance = _double(0.0, 20.0, 0.5, 3.0, "How closely to follow the description")
        self.temperature = _double(0.05, 3.0, 0.05, 1.0, "Higher is more surprising")
        self.seed = _seed_box()
        form.addRow("Duration", self.duration)
        form.addRow("Guidance", self.guidance)
        form.addRow("Temperature", self.temperature)
        form.addRow("Seed", self.seed)

    def request(self, prompt: str, file_format: str) -> MusicRequest:
        return MusicRequest(prompt, duration_s=self.duration.value(), guidance=self.guidance.value(),
                            temperature=self.temperature.value(), seed=self.seed.value(), file_format=file_format)

    def apply(self, params: dict, seed: int | None) -> None:
        for name, box in (("duration_s", self.duration), ("guidance", self.guidance),
                          ("temperature", self.temperature)):
            if _usable(params.get(name)):
                box.setValue(params[name])
        if seed is not None:
            self.seed.setValue(seed)
