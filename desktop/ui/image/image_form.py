"""The settings of an image: prompt (with Enhance prompt), negative (each with its token count),
size, steps, guidance, seed, batch, scheduler, decoder."""

from __future__ import annotations

import math

from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel,
                               QPlainTextEdit, QVBoxLayout, QWidget)

from desktop.core.image.diffusion_engine import SCHEDULERS
from desktop.core.image.image_request import FILE_FORMATS, MAX_BATCH, MAX_GUIDANCE, MAX_SIDE, MAX_STEPS, MIN_SIDE
from desktop.core.image.image_settings import ImageSettings
from desktop.core.request_checks import TORCH_SEED_MAX
from desktop.ui.image.token_counter import TokenCounter
from desktop.ui.widgets.number_fields import FloatField, IntField
from desktop.ui.widgets.layouts import as_widget
from desktop.ui.widgets.prompt_suggestion import PromptSuggestion
from desktop.ui.widgets.seed_box import SeedBox

DEFAULT_SCHEDULER = "Model default"
# The decoder choice's labels (core/image/decoder_choice.py), Auto first: the default.
DECODER_LABELS = {"auto": "Auto", "tiny": "Fast (TAESD)", "full": "Full quality"}
DECODER_HELP = ("What turns the result into pixels. Fast (TAESD): a tiny decoder, many times faster on a CPU and "
                "a little softer; Full quality: the model's own VAE. Auto: Fast for a 1–4-step run or a few-step "
                "model on a CPU when TAESD is installed (Models › Catalog), else Full quality.")
# Names other tools use for the same samplers (A1111 and ComfyUI).
SCHEDULER_ALIASES = {"euler": "Euler", "euler_ancestral": "Euler a", "dpmpp_2m": "DPM++ 2M",
                     "ddim": "DDIM", "lcm": "LCM", "DPM++ 2M SDE": "DPM++ 2M"}


class ImageForm(QWidget):
    def __init__(self, parent=None, background=None, prompt_writer=None):
        super().__init__(parent)
        if background is None:
            from desktop.workers.background import Background

            background = Background(self)
        self.background = background
        self._model_asked = 0  # the newest tokenizer asked for (set_model_path)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe the image… (Ctrl+Enter generates)")
        self.prompt.setMaximumHeight(110)
        self.negative = QPlainTextEdit()
        self.negative.setPlaceholderText("What to avoid (negative prompt)")
        self.negative.setMaximumHeight(60)
        self.prompt_tokens = TokenCounter(self.prompt, background)
        self.negative_tokens = TokenCounter(self.negative, background)
        self.width_box, self.height_box = self._side(512), self._side(512)
        size = QHBoxLayout()
        size.addWidget(self.width_box)
        size.addWidget(QLabel("×"))
        size.addWidget(self.height_box)
        size.addStretch(1)
        self.steps = IntField(1, MAX_STEPS, 20, "Denoising steps: Turbo/LCM models want 1–4, others 20–30")
        self.guidance = FloatField(0.0, MAX_GUIDANCE, 0.5, 7.0,
                                   "How strictly to follow the prompt (few-step models such as Turbo/LCM want 0–2)")
        self.seed = SeedBox(TORCH_SEED_MAX)
        self.last_seed = QLabel("")
        # Enhance prompt: the expansion reuses a fixed image seed, so the pair is reproducible.
        self.suggestion = PromptSuggestion(self.prompt, "image", seed=lambda: self.seed.value())
        self.enhance_button = self.suggestion.enhance_button
        self.suggestion.set_writer(prompt_writer)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.last_seed)
        self.batch = IntField(1, MAX_BATCH, 1, "How many images to make, one after the other, each with its own seed")
        self.scheduler = QComboBox()
        self.scheduler.addItems([DEFAULT_SCHEDULER, *SCHEDULERS])
        self.file_format = QComboBox()
        self.file_format.addItems(list(FILE_FORMATS))
        self.file_format.setToolTip("Prompt, seed and settings travel inside every format")
        self.decoder = QComboBox()
        for value, label in DECODER_LABELS.items():
            self.decoder.addItem(label, value)
        self.decoder.setToolTip(DECODER_HELP)
        form.addRow("Prompt", self._with_counter(self.prompt, self.prompt_tokens, self.enhance_button))
        form.addRow(self.suggestion)
        form.addRow("Negative", self._with_counter(self.negative, self.negative_tokens))
        form.addRow("Size", as_widget(size))
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        form.addRow("Seed", as_widget(seed_row))
        form.addRow("Batch count", self.batch)
        form.addRow("Scheduler", self.scheduler)
        form.addRow("Decoder", self.decoder)
        form.addRow("Save as", self.file_format)

    @staticmethod
    def _with_counter(editor: QPlainTextEdit, counter: TokenCounter, button=None) -> QWidget:
        column = QVBoxLayout()
        column.setSpacing(0)
        column.addWidget(editor)
        column.addWidget(counter)
        if button is not None:  # its own line: beside the count it would widen the column at 900 px
            under = QHBoxLayout()
            under.addWidget(button)
            under.addStretch(1)
            column.addLayout(under)
        column.addStretch(1)  # spare height goes below the count, which stays under its box
        return as_widget(column)

    def set_model_path(self, path: str | None, others=()) -> None:
        """Count with this model's tokenizer (or, for a single file, another image model's:
        `others`), loaded on the thread pool; the counters estimate until it is there."""
        from desktop.core.image.prompt_tokenizer import load_prompt_tokenizer

        self._model_asked += 1
        asked, others = self._model_asked, [str(o) for o in others]
        self.background.run(lambda: (asked, load_prompt_tokenizer(path, others)), self._use_tokenizer,
                            lambda _exc: self._use_tokenizer((asked, None)))

    def _use_tokenizer(self, answer) -> None:
        asked, tokenizer = answer
        if asked == self._model_asked:
            for counter in (self.prompt_tokens, self.negative_tokens):
                counter.set_tokenizer(tokenizer)

    @staticmethod
    def _side(value: int) -> IntField:
        box = IntField(MIN_SIDE, MAX_SIDE, value, "A multiple of 8")
        box.setSingleStep(64)
        box.setSuffix(" px")
        return box

    def set_prompt_writer(self, writer) -> None:
        """The built-in model's prompt writer (services.prompt_writer) behind Enhance prompt."""
        self.suggestion.set_writer(writer)

    def typed_prompt(self) -> str:
        """What was typed before an expansion was used, while the prompt still holds that
        expansion unchanged; "" otherwise (the prompt is then what was typed)."""
        return self.suggestion.typed_prompt()

    def decoder_choice(self) -> str:
        return self.decoder.currentData()

    def set_decoder_choice(self, value: str) -> None:
        index = self.decoder.findData(value)
        if index >= 0:
            self.decoder.setCurrentIndex(index)

    def scheduler_name(self) -> str:
        name = self.scheduler.currentText()
        return "" if name == DEFAULT_SCHEDULER else name

    def apply_recommended(self, recommended) -> None:
        """A catalog model's recommended steps, guidance, size and scheduler (a diffusers class
        name there; the form's name for it here)."""
        for box, key in ((self.steps, "steps"), (self.width_box, "width"), (self.height_box, "height")):
            if isinstance(recommended.get(key), int):
                box.setValue(recommended[key])
        if isinstance(recommended.get("guidance"), (int, float)):
            self.guidance.setValue(float(recommended["guidance"]))
        wanted = recommended.get("scheduler")
        name = next((n for n, (cls, options) in SCHEDULERS.items() if cls == wanted and not options), None)
        if name is not None:
            self.scheduler.setCurrentText(name)

    def summary(self) -> str:
        return (f"{self.steps.value()} steps, guidance {self.guidance.value():g}, "
                f"{self.width_box.value()}×{self.height_box.value()}, {self.scheduler.currentText()}")

    def apply(self, s: ImageSettings) -> None:
        """Fill the form from settings read out of an image (only what is known)."""
        self.prompt.setPlainText(s.prompt)
        self.negative.setPlainText(s.negative)
        for box, value in ((self.steps, s.steps), (self.width_box, s.width), (self.height_box, s.height),
                           (self.seed, s.seed)):
            if value is not None:
                box.setValue(int(value))
        if s.guidance is not None and math.isfinite(s.guidance):  # a spin box would turn NaN into its maximum
            self.guidance.setValue(s.guidance)
        name = SCHEDULER_ALIASES.get(s.sampler, s.sampler)
        if s.scheduler.lower() == "karras" and name == "DPM++ 2M":
            name = "DPM++ 2M Karras"
        if name in SCHEDULERS:
            self.scheduler.setCurrentText(name)
        if s.extra.get("Decoder") in ("TAESD", "TAESDXL"):  # Atelier's A1111 text names a tiny decoder
            self.set_decoder_choice("tiny")

