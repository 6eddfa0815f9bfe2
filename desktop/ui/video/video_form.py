"""The settings of a clip: prompt (with Enhance prompt), negative, frames, fps, size, steps, guidance, seed, how far
an image prompt may move (strength), the file format; the model's preset and a CPU preset.

The boxes' ranges are wide on purpose: the request's validate() (with the model's family) is
the one judge of a clip, so a size that is not a multiple of 8 reaches it and its message is
shown, rather than being silently rounded by a spin box."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from desktop.core.request_checks import TORCH_SEED_MAX
from desktop.core.video.video_request import (FILE_FORMATS, MAX_FPS, MAX_FRAMES, MAX_GUIDANCE, MAX_SIDE, MAX_STEPS,
                                              MIN_FPS, MIN_SIDE)
from desktop.ui.widgets.layouts import as_widget
from desktop.ui.widgets.number_fields import FloatField, IntField
from desktop.ui.widgets.prompt_suggestion import PromptSuggestion
from desktop.ui.widgets.seed_box import SeedBox

# A clip this machine class (2 cores, no GPU) makes in minutes with a few-step adapter:
# AnimateDiff at 256² costs a quarter of 512² per frame, and 8 frames half of 16.
CPU_PRESET = {"frames": 8, "fps": 8, "width": 256, "height": 256, "steps": 4}
FEW_STEP_GUIDANCE = 1.0  # Lightning adapters are distilled without classifier-free guidance


class VideoForm(QWidget):
    def __init__(self, parent=None, prompt_writer=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe the clip… (Ctrl+Enter generates)")
        self.prompt.setMaximumHeight(90)
        self.negative = QPlainTextEdit()
        self.negative.setPlaceholderText("What to avoid (negative prompt)")
        self.negative.setMaximumHeight(48)
        self.frames = self._spin(1, MAX_FRAMES, 16, " frames")
        self.fps = self._spin(MIN_FPS, MAX_FPS, 8, " fps")
        self.duration = QLabel()
        timing = QHBoxLayout()
        timing.addWidget(self.frames)
        timing.addWidget(self.fps)
        timing.addWidget(self.duration, 1)
        self.width_box, self.height_box = self._side(512), self._side(512)
        size = QHBoxLayout()
        size.addWidget(self.width_box)
        size.addWidget(QLabel("×"))
        size.addWidget(self.height_box)
        size.addStretch(1)
        self.steps = self._spin(1, MAX_STEPS, 20, "")
        self.guidance = FloatField(0.0, MAX_GUIDANCE, 0.5, 7.5,
                                   "How strictly to follow the prompt; few-step (Lightning) adapters want 1")
        sampling = QHBoxLayout()
        sampling.addWidget(QLabel("Steps"))
        sampling.addWidget(self.steps)
        sampling.addWidget(QLabel("Guidance"))
        sampling.addWidget(self.guidance)
        sampling.addStretch(1)
        self.seed = SeedBox(TORCH_SEED_MAX)
        self.last_seed = QLabel("")
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.last_seed)
        # Enhance prompt: the expansion reuses a fixed clip seed, so the pair is reproducible.
        self.suggestion = PromptSuggestion(self.prompt, "video", seed=lambda: self.seed.value())
        self.enhance_button = self.suggestion.enhance_button
        self.suggestion.set_writer(prompt_writer)
        prompt_column = QVBoxLayout()
        prompt_column.setSpacing(2)
        prompt_column.addWidget(self.prompt)
        under = QHBoxLayout()
        under.addWidget(self.enhance_button)
        under.addStretch(1)
        prompt_column.addLayout(under)
        self.strength = FloatField(0.05, 1.0, 0.05, 0.8,
                                   "With an image prompt (AnimateDiff): how far the frames may leave the image")
        self.file_format = QComboBox()
        self.file_format.addItems(list(FILE_FORMATS))
        self.file_format.setToolTip("MP4 (H.264) plays everywhere; prompt, seed and settings travel in every format")
        self.scheduler = ""  # the preset's scheduler ("" keeps the model's own)
        form.addRow("Prompt", as_widget(prompt_column))
        form.addRow(self.suggestion)
        form.addRow("Negative", self.negative)
        form.addRow("Length", as_widget(timing))
        form.addRow("Size", as_widget(size))
        form.addRow("Sampling", as_widget(sampling))
        form.addRow("Seed", as_widget(seed_row))
        form.addRow("Image strength", self.strength)
        form.addRow("Save as", self.file_format)
        self.frames.valueChanged.connect(self._show_duration)
        self.fps.valueChanged.connect(self._show_duration)
        self._show_duration()

    @staticmethod
    def _spin(low: int, high: int, value: int, suffix: str) -> IntField:
        box = IntField(low, high, value)
        box.setSuffix(suffix)
        return box

    @staticmethod
    def _side(value: int) -> IntField:
        box = IntField(1, MAX_SIDE, value, unit="px")
        box.setSingleStep(64)
        box.setSuffix(" px")
        box.setToolTip(f"A multiple of 8, {MIN_SIDE}–{MAX_SIDE} pixels")
        return box

    def _show_duration(self) -> None:
        self.duration.setText(f"= {self.frames.value() / self.fps.value():.1f} s")

    def set_prompt_writer(self, writer) -> None:
        """The built-in model's prompt writer (services.prompt_writer) behind Enhance prompt."""
        self.suggestion.set_writer(writer)

    def typed_prompt(self) -> str:
        """What was typed before an expansion was used, while the prompt still holds that
        expansion unchanged; "" otherwise (the prompt is then what was typed)."""
        return self.suggestion.typed_prompt()

    def values(self) -> dict:
        """The form as VideoRequest keyword arguments."""
        return {"prompt": self.prompt.toPlainText().strip(), "negative": self.negative.toPlainText().strip(),
                "frames": self.frames.value(), "fps": self.fps.value(), "width": self.width_box.value(),
                "height": self.height_box.value(), "steps": self.steps.value(), "guidance": self.guidance.value(),
                "seed": self.seed.value(), "strength": self.strength.value(),
                "file_format": self.file_format.currentText(), "scheduler": self.scheduler}

    def apply(self, values: dict) -> None:
        """Fill in what `values` knows (a preset, or a clip's settings); anything else stays."""
        for box, key in ((self.frames, "frames"), (self.fps, "fps"), (self.width_box, "width"),
                         (self.height_box, "height"), (self.steps, "steps")):
            if _whole(values.get(key)):
                box.setValue(values[key])
        for box, key in ((self.guidance, "guidance"), (self.strength, "strength")):
            value = values.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                box.setValue(float(value))
        if _whole(values.get("seed")):
            self.seed.setValue(values["seed"])
        for box, key in ((self.prompt, "prompt"), (self.negative, "negative")):
            if isinstance(values.get(key), str):
                box.setPlainText(values[key])
        if values.get("file_format") in FILE_FORMATS:
            self.file_format.setCurrentText(values["file_format"])
        if isinstance(values.get("scheduler"), str):
            self.scheduler = values["scheduler"]

    def apply_cpu_preset(self, few_step: int | None) -> None:
        """Small and short; with a few-step adapter its own steps and no guidance."""
        self.apply({**CPU_PRESET, **({"steps": few_step, "guidance": FEW_STEP_GUIDANCE} if few_step else {})})

    def summary(self) -> str:
        return (f"{self.frames.value()} frames at {self.fps.value()} fps, {self.width_box.value()}×"
                f"{self.height_box.value()}, {self.steps.value()} steps, guidance {self.guidance.value():g}")


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
