"""The Video studio: text-to-video and image-to-video (drop or paste an image to animate it),
with the memory and time a clip needs on this machine said before it starts, a strip of
previewed frames at every step, cancel within a step, the finished clip playing in the panel,
and "Extend from the last frame" / "Join clips" — jobs like any other, through the session."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout,
                               QWidget)

from desktop.core import lineage
from desktop.core.errors import UserFacingError
from desktop.core.jobs import JobKind, Studio
from desktop.pipeline.video_estimate import estimate_clip
from desktop.ui.widgets.image_drags import accept_image_drag
from desktop.ui.video.clip_edits import NO_MODEL, ClipEdits
from desktop.ui.video.image_prompt import ImagePromptBox
from desktop.ui.video.video_form import VideoForm
from desktop.ui.video.video_model_bar import ADAPTER_KIND, BASE_KIND, VideoModelBar
from desktop.ui.video.video_results import VideoResults
from desktop.ui.widgets.error_overlay import ErrorOverlay
from desktop.ui.widgets.job_panel import JobPanel
from desktop.ui.widgets.layouts import scrolling
from desktop.ui.widgets.prompt_history import PromptHistory

MODEL_SETTING, ADAPTER_SETTING = "last_video_model", "last_video_adapter"

def can_make_clips(models) -> bool:
    """A model that makes clips alone, or an AnimateDiff base with a motion adapter: until then
    the "Get a model" card stays (a Stable Diffusion 1.5 base alone makes no clip)."""
    kinds = {m.kind for m in models}
    return bool(kinds - {ADAPTER_KIND, BASE_KIND}) or {ADAPTER_KIND, BASE_KIND} <= kinds


class VideoPanel(ClipEdits, JobPanel, QWidget):
    hand_off = Signal(object)  # a HandOff from a clip: a frame to the Image studio

    def __init__(self, services, theme, parent=None):
        super().__init__(parent)
        self.services, self.theme = services, theme
        self.session = services.job_session(Studio.VIDEO, self)
        self._applied: tuple = ()     # (model, adapter) whose preset was applied once chosen
        self._calibration: dict[str, float] = {}   # model path: real time / estimated time
        self._estimated: tuple = ()   # (job id, model path, raw estimate) of the job in hand
        self._estimate_ticket = 0
        self.setAcceptDrops(True)
        self._build()
        self._connect()

    def _build(self) -> None:
        self.models = VideoModelBar(self.services.video_models, self.services.settings.get(MODEL_SETTING),
                                    self.services.settings.get(ADAPTER_SETTING))
        self.form = VideoForm(prompt_writer=self.services.prompt_writer)
        self.preset_button = QPushButton("Model preset")
        self.preset_button.setToolTip("The chosen model's recommended frames, steps, guidance and size")
        self.cpu_button = QPushButton("CPU preset")
        self.cpu_button.setToolTip("Small, short and few steps (with a few-step Lightning adapter when there is one): "
                                   "minutes on a CPU instead of hours")
        presets = QHBoxLayout()
        presets.addWidget(self.preset_button)
        presets.addWidget(self.cpu_button)
        presets.addStretch(1)
        self.image_prompt = ImagePromptBox(self.services.background)
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Ctrl+Enter")
        self.generate_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Esc — stops within the current step; nothing is kept")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.generate_button)

        form_page = QWidget()
        column = QVBoxLayout(form_page)
        column.setContentsMargins(0, 0, 4, 0)
        column.addWidget(self.models)
        column.addLayout(presets)
        column.addWidget(self.form)
        column.addWidget(self.image_prompt)
        column.addStretch(1)
        scroll = scrolling(form_page)  # a 600-pixel-high window still reaches every setting
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(scroll, 1)
        left_column.addWidget(self.estimate)
        self.error = ErrorOverlay(scroll, at_bottom=True)  # just above Generate; nothing moves
        left_column.addLayout(buttons)

        self.shown = VideoResults(self.services.background)
        self.status, self.results, self.player = self.shown.status, self.shown.clips, self.shown.player
        self.extend_button = QPushButton("Extend from the last frame")
        self.extend_button.setToolTip("A new clip that starts where the selected clip (or the newest) ends")
        self.join_button = QPushButton("Join clips")
        self.join_button.setToolTip("Join the selected clips (Ctrl+click two or more of the same size and rate)")
        edits = QHBoxLayout()
        edits.addStretch(1)
        edits.addWidget(self.extend_button)
        edits.addWidget(self.join_button)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(self.shown, 1)
        right_column.addLayout(edits)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 660])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.offer_card = self._offer_card()
        if self.offer_card is not None:
            outer.addWidget(self.offer_card)
        outer.addWidget(splitter, 1)
        self._update_state()

    def _offer_card(self):
        """The "Get a model" card, once the catalog knows video models (until then: none)."""
        from desktop.viewmodels.model_offers import CARD_STUDIOS

        if "video" not in CARD_STUDIOS:
            return None
        from desktop.ui.widgets.model_offer_card import ModelOfferCard

        card = ModelOfferCard(self.services, "video", self.services.video_models, can_make_clips)
        card.ready.connect(lambda _entry, path: (self.models.choose(path), self.status.setText("The model is ready.")))
        card.pair_ready.connect(lambda _entry, base, adapter: self.models.choose(base, adapter))
        return card

    def _connect(self) -> None:
        self._bind_session(self.session)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel)
        self.preset_button.clicked.connect(self.apply_model_preset)
        self.cpu_button.clicked.connect(self.apply_cpu_preset)
        self.image_prompt.changed.connect(self._on_image_changed)
        self.image_prompt.failed.connect(lambda message: (self.show_error(message), self.status.setText("")))
        self.image_prompt.reading.connect(lambda name: self.status.setText(f"Reading {name}…"))
        self.extend_button.clicked.connect(self.extend_selected)
        self.join_button.clicked.connect(self.join_selected)
        self.shown.clips.setContextMenuPolicy(Qt.CustomContextMenu)
        self.shown.clips.customContextMenuRequested.connect(self._clip_menu)
        self.models.changed.connect(self._on_model_changed)
        self._estimate_timer = QTimer(self, singleShot=True, interval=400)
        self._estimate_timer.timeout.connect(self.update_estimate)
        for box in (self.form.frames, self.form.fps, self.form.width_box, self.form.height_box, self.form.steps):
            box.valueChanged.connect(lambda _v: self._estimate_timer.start())
        self.form.guidance.valueChanged.connect(lambda _v: self._estimate_timer.start())
        self.history = PromptHistory(self.services.store, self.form.prompt, "video", [])
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.generate, context=Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.cancel, context=Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence.Paste, self, self.image_prompt.paste, context=Qt.WidgetWithChildrenShortcut)
        self._on_model_changed()

    # -- models, presets, the estimate ------------------------------------------------------

    def _on_model_changed(self) -> None:
        info, adapter = self.models.current(), self.models.current_adapter()
        if info is not None:
            self.services.settings.set(MODEL_SETTING, info.path)
            if adapter is not None:
                self.services.settings.set(ADAPTER_SETTING, adapter.path)
            chosen = (info.path, adapter.path if adapter is not None else "")
            if chosen != self._applied:  # its preset once per choice, never again on a rescan
                self._applied = chosen
                self.apply_model_preset()
        self._estimate_timer.start()

    def apply_model_preset(self) -> None:
        values = self.models.recommended()
        if values:
            self.form.apply(values)
            self.status.setText(f"The model's preset: {self.form.summary()}.")

    def apply_cpu_preset(self) -> None:
        """Small size, few frames, few steps — with a few-step (Lightning) adapter when one is listed."""
        few = next((a for a in self.models.adapters() if dict(a.recommended).get("scheduler") == "Lightning"), None)
        info = self.models.current()
        if few is not None and info is not None and info.kind == "AnimateDiff base":
            self.models.choose(adapter_path=few.path)
            self._applied = (info.path, few.path)
        steps = dict(self.models.recommended()).get("steps") if few is not None else None
        self.form.apply_cpu_preset(steps if isinstance(steps, int) and steps <= 8 else None)
        self.status.setText(f"CPU preset: {self.form.summary()}.")
        self._estimate_timer.start()

    def build_request(self):
        from desktop.core.video.video_request import VideoRequest

        adapter = self.models.current_adapter()
        source = self.image_prompt.source if self.init_image is not None else None
        return VideoRequest(**self.form.values(), init_image=self.init_image,
                            motion_adapter=adapter.path if adapter is not None else "",
                            typed_prompt=getattr(self.form, "typed_prompt", lambda: "")(),
                            sources=(source,) if source is not None else ())

    def update_estimate(self) -> None:
        """Memory and time for the clip as the form stands, worked out on the thread pool."""
        info, request = self.models.current(), self.build_request()
        if info is None:
            self.estimate.setText("")
            return
        try:
            request.validate(info.family)
        except UserFacingError:
            self.estimate.setText("")  # the request says what is wrong when Generate is pressed
            return
        self._estimate_ticket += 1
        ticket, precision = self._estimate_ticket, self.services.settings.get("image_precision")
        calibration = self._calibration.get(info.path, 1.0)
        self.estimate.setText("Estimating memory and time…")
        self.services.background.run(lambda: estimate_clip(info.path, request, precision, calibration),
                                     lambda found: self._show_estimate(ticket, found),
                                     lambda exc: self._show_estimate(ticket, None, str(exc)))

    def _show_estimate(self, ticket: int, found, problem: str = "") -> None:
        if ticket != self._estimate_ticket:
            return  # the form changed since
        self.last_estimate = found
        if found is None:
            self.estimate.setText(f"No estimate: {problem}")
            return
        self.estimate.setText(found.text())
        self.estimate.setStyleSheet("color: #d9534f" if found.refused else "")

    # -- image prompts: dropped or pasted anywhere on the panel ------------------------------

    def dragEnterEvent(self, event) -> None:
        accept_image_drag(event)

    def dropEvent(self, event) -> None:
        self.image_prompt.take_drop(event.mimeData())
        event.acceptProposedAction()

    def load_image_file(self, path: str, source: lineage.Source | None = None) -> None:
        """`path` becomes the picture to animate; clips made from it link to `source` (by
        default the file itself, matched to its library item when it is one)."""
        self.image_prompt.load_file(path, source)

    @property
    def init_image(self):
        return self.image_prompt.image

    def _on_image_changed(self) -> None:
        self.show_error("")
        self.status.setText("The image will be animated." if self.init_image is not None else "")
        self._estimate_timer.start()

    # -- jobs: generate, extend, join --------------------------------------------------------

    def generate(self) -> None:
        info, request = self.models.current(), self.build_request()
        title = f"Video: {request.prompt[:40] or 'from an image'}"
        if self._submit(JobKind.VIDEO, request, info, title, NO_MODEL, validate=self._validator(request, info)):
            self._remember_estimate(info.path)

    @staticmethod
    def _validator(request, info):
        """The request checked against its model family's own limits (frames, SVD's image)."""
        return (lambda: request.validate(info.family)) if info is not None else None

    def _remember_estimate(self, model_path: str) -> None:
        found = getattr(self, "last_estimate", None)
        raw = found.raw_seconds if found is not None else None
        self._estimated = (self.session.job.id, model_path, raw) if raw else ()

    def cancel(self) -> None:
        if self.session.cancel():
            self.status.setText("Stopping within this step…")

    def reuse(self, generation) -> None:
        """“Use these settings” from the Library: the clip's prompt, model, adapter and settings."""
        params = dict(generation.params)
        self.models.choose(generation.model_path, params.get("motion_adapter") or "")
        self.form.apply({**params, "prompt": generation.prompt, "negative": generation.negative,
                         **({"seed": generation.seed} if generation.seed is not None else {})})
        self.status.setText(f"Prompt and settings of item #{generation.id}.")

    def _update_state(self) -> None:
        busy = self.session.busy
        for button in (self.generate_button, self.extend_button, self.join_button):
            button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    # -- the job's signals ------------------------------------------------------------------

    def _on_started(self, _job) -> None:
        self.status.setText("Loading the model…")

    def _on_progress(self, _job, progress) -> None:
        if progress.preview is not None:
            self.shown.show_strip(progress.preview)
        if progress.unit == "frames":
            self.status.setText(f"{progress.message or 'Encoding'} · frame {progress.done}/{progress.total}")
            return
        left = f" · about {progress.eta_s:.0f} s left" if progress.eta_s else ""
        self.status.setText(f"{progress.message} · step {progress.done}/{progress.total}{left}".lstrip(" ·"))

    def _on_finished(self, job, outcome) -> None:
        self.history.forget()
        self._update_state()
        self.shown.hide_strip()
        if self._estimated and self._estimated[0] == job.id:  # later estimates learn from this clip
            _, model_path, raw = self._estimated
            self._calibration[model_path] = outcome.seconds / raw
        self._estimated = ()
        seed = f" · seed {outcome.seed}" if outcome.seed is not None else ""
        if outcome.seed is not None:
            self.form.last_seed.setText(f"last: {outcome.seed}")
        self.status.setText(f"Saved {outcome.frames} frames ({outcome.duration_s:.1f} s at {outcome.fps} fps){seed}"
                            f" · made in {outcome.seconds:.0f} s")
        self.shown.add(str(outcome.path), str(outcome.poster_path), outcome.generation_id)
        self._estimate_timer.start()

    def _on_failed(self, _job, message: str) -> None:
        self._update_state()
        self.shown.hide_strip()
        self.show_error(message)
        self.status.setText("Failed")

    def _on_cancelled(self, _job, _kept) -> None:
        self._update_state()
        self.shown.hide_strip()
        self._estimated = ()
        self.status.setText("Cancelled: nothing was kept.")
