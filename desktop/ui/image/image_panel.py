"""The Image studio: text-to-image, and image prompts dropped or pasted for img2img and
inpainting (paint a mask over them), with a live preview at every step. Images that carry
settings (Atelier, A1111, ComfyUI, InvokeAI) offer to restore them, on request only."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from desktop.core import lineage
from desktop.core.jobs import JobKind, Studio
from desktop.ui.image.image_form import ImageForm
from desktop.ui.image.image_results import ImageResults
from desktop.ui.image.image_prompt_box import ImagePromptBox, fitted_size
from desktop.ui.image.image_prompt_input import ImagePromptInput
from desktop.ui.image.speed_notes import SpeedNotes
from desktop.ui.image.upscale_bar import UpscaleBar
from desktop.ui.widgets.error_overlay import ErrorOverlay
from desktop.ui.widgets.hand_off_menu import show_result_hand_offs
from desktop.ui.widgets.job_panel import JobPanel
from desktop.ui.widgets.layouts import scrolling
from desktop.ui.widgets.model_offer_card import ModelOfferCard
from desktop.ui.widgets.model_picker import ModelPicker
from desktop.ui.widgets.pil_qt import pil_to_qimage, qimage_to_pil
from desktop.ui.widgets.prompt_history import PromptHistory

MODEL_SETTING = "last_image_model"
NO_MODEL = ("Choose an image model first: get one from Models › Catalog (or the card above), or add a "
            "checkpoint with File › Add model file…")


class ImagePanel(ImagePromptInput, JobPanel, QWidget):
    hand_off = Signal(object)  # a HandOff from a result: animate it, upscale it, use it as image prompt

    def __init__(self, services, theme, parent=None):
        super().__init__(parent)
        self.services, self.theme = services, theme
        self.session = services.job_session(Studio.IMAGE, self)
        self.init_image = None       # PIL image of the image prompt
        self.init_source = None      # lineage.Source of the image prompt, when it came from a file
        self._handed: dict[str, lineage.Source] = {}  # files on their way in from a hand-off
        self._prompt_source: tuple = ()  # (prompt text or None while it is being written, lineage.Source)
        self.found_settings = None   # settings read from the dropped image, offered on request
        self._chosen_path = None     # the model last chosen: its recommended settings were applied
        self.setAcceptDrops(True)
        self._build()
        self._connect()

    # -- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.picker = ModelPicker(self.services.image_models, self.services.settings.get(MODEL_SETTING))
        self.picker.say_missing("No image model yet", "No image model: get one from Models › Catalog, or add a "
                                "checkpoint with File › Add model file…")
        self.form = ImageForm(background=self.services.background, prompt_writer=self.services.prompt_writer)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Ctrl+Enter")
        self.generate_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Esc")
        self.speed = SpeedNotes(self.services, self)
        self.redo_full_button = self.speed.redo_button

        self.prompt_box = ImagePromptBox()
        box = self.prompt_box
        self.canvas, self.strength, self.paint_mask = box.canvas, box.strength, box.paint_mask
        self.brush, self.eraser, self.brush_size = box.brush, box.eraser, box.brush_size
        self.clear_mask_button, self.remove_image_button = box.clear_mask_button, box.remove_image_button
        self.settings_bar = QFrame()
        self.settings_bar.setFrameShape(QFrame.StyledPanel)
        self.settings_text = QLabel()
        self.settings_text.setWordWrap(True)
        self.use_settings_button = QPushButton("Use these settings")
        bar = QHBoxLayout(self.settings_bar)
        bar.addWidget(self.settings_text, 1)
        bar.addWidget(self.use_settings_button)
        self.settings_bar.hide()

        self.offer_card = ModelOfferCard(self.services, "image", self.services.image_models,
                                         lambda models: bool(models))
        settings_page = QWidget()
        column = QVBoxLayout(settings_page)
        column.setContentsMargins(0, 0, 4, 0)
        header = QHBoxLayout()
        header.addWidget(QLabel("Model"))
        header.addWidget(self.picker, 1)
        column.addLayout(header)
        column.addWidget(self.form)
        column.addWidget(self.settings_bar)
        column.addWidget(self.prompt_box, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)  # takes the redo button's room when it shows: nothing else moves
        buttons.addWidget(self.redo_full_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.generate_button)
        left = QWidget()  # the settings scroll in a short window; the error and Generate stay in view
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        settings_scroll = scrolling(settings_page)
        left_column.addWidget(settings_scroll, 1)
        self.error = ErrorOverlay(settings_scroll, at_bottom=True)  # just above Generate; nothing moves
        left_column.addLayout(buttons)

        self.shown = ImageResults(self.services.background)
        self.preview, self.status, self.results = self.shown.preview, self.shown.status, self.shown.results
        self.upscale_bar = UpscaleBar(self.services.upscalers, self.services.settings.get("last_upscaler_model"))
        self.upscaler, self.upscale_buttons = self.upscale_bar.picker, self.upscale_bar.buttons
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(self.shown, 1)
        right_column.addWidget(self.upscale_bar)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([460, 640])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self.offer_card)  # across the studio: the form below is of no use without a model
        outer.addWidget(splitter, 1)
        self._update_state()

    def _connect(self) -> None:
        self._bind_session(self.session)
        self.offer_card.ready.connect(self.use_catalog_model)
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel)
        self.speed.redo_requested.connect(self._submit_image)
        self.speed.estimated.connect(self._say_estimate)
        self.picker.model_chosen.connect(self._on_model_chosen)
        self.prompt_box.changed.connect(self._update_state)
        self.remove_image_button.clicked.connect(lambda: self.set_init_image(None, None))
        self.prompt_box.use_image_size.connect(self._generate_at)
        for box in (self.form.width_box, self.form.height_box):
            box.valueChanged.connect(lambda _v: self._say_prompt_size())
        self.use_settings_button.clicked.connect(self.use_found_settings)
        self.upscale_bar.upscale_requested.connect(self.upscale_selected)
        self.upscaler.model_chosen.connect(
            lambda info: info is not None and self.services.settings.set("last_upscaler_model", info.path))
        self.upscaler.model_chosen.connect(lambda _info: self._update_state())
        self.results.model().rowsInserted.connect(lambda *_: self._update_state())
        self.form.suggestion.used.connect(self._prompt_used)
        self.results.setContextMenuPolicy(Qt.CustomContextMenu)
        self.results.customContextMenuRequested.connect(self._result_menu)
        self.history = PromptHistory(self.services.store, self.form.prompt, "image", [])
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.generate, context=Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.cancel, context=Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence.Paste, self, self.paste_image, context=Qt.WidgetWithChildrenShortcut)

    def _on_model_chosen(self, info) -> None:
        self._update_state()
        if info is None or info.path == self._chosen_path:  # the picker says so again after every scan
            return
        self._chosen_path = info.path
        self.services.settings.set(MODEL_SETTING, info.path)
        others = [m.path for m in self.services.image_models.models() if m.path != info.path]
        self.form.set_model_path(info.path, others)  # the token counter's tokenizer
        # A catalog model, however it got here, brings its recommended steps, guidance and size.
        from desktop.core.models.catalog_match import entry_for

        path, folder = info.path, self.services.models_folder()
        self.services.background.run(lambda: entry_for(path, folder), lambda entry: self._apply_entry(path, entry))

    def _apply_entry(self, path: str, entry) -> None:
        current = self.picker.current()
        if entry is not None and current is not None and current.path == path:
            self.form.apply_recommended(entry.recommended)
            self.status.setText(f"{entry.name}: its recommended settings — {self.form.summary()}.")

    def use_catalog_model(self, entry, path: str) -> None:
        """A catalog model just downloaded: chosen, with the settings its card recommends (a
        few-step model gets its 1–4 steps and no guidance)."""
        self.picker.choose(path)  # its recommended settings follow (_on_model_chosen)
        self.status.setText(f"{entry.name} is ready.")

    def _update_state(self) -> None:
        busy = self.session.busy
        has_model = self.picker.current() is not None
        self.generate_button.setEnabled(not busy and has_model)
        self.generate_button.setToolTip("Ctrl+Enter" if has_model else NO_MODEL)
        if hasattr(self, "upscale_bar"):
            self.upscale_bar.update_state(busy, self.results.count() > 0)
        self.cancel_button.setEnabled(busy)
        self.prompt_box.update_state(self.init_image is not None)

    def _say_prompt_size(self) -> None:
        size = self.init_image.size if self.init_image is not None else None
        target = (self.form.width_box.value(), self.form.height_box.value())
        self.prompt_box.say_size(size, target, fitted_size(*size) if size else target)

    def _generate_at(self, width: int, height: int) -> None:
        self.form.width_box.setValue(width)
        self.form.height_box.setValue(height)

    def use_found_settings(self) -> None:
        if self.found_settings is None:
            return
        self.form.apply(self.found_settings)
        name = self.found_settings.model_name
        match = next((m for m in self.services.image_models.models() if name and m.name in name), None)
        if match is not None:
            self.picker.choose(match.path)
        self.settings_bar.hide()
        self.status.setText(f"Settings restored from the image ({self.found_settings.source}).")

    def reuse(self, generation) -> None:
        """“Use these settings” from the Library: the form takes the item's prompt and settings."""
        from desktop.core.image.image_settings import ImageSettings

        self.found_settings = ImageSettings.from_generation(generation.prompt, generation.negative, generation.seed,
                                                            generation.params, generation.model_name)
        self.use_found_settings()

    # -- generation -----------------------------------------------------------------------

    def build_request(self):
        from desktop.core.image.image_request import ImageRequest

        form = self.form
        request = ImageRequest(
            prompt=form.prompt.toPlainText().strip(), negative=form.negative.toPlainText().strip(),
            steps=form.steps.value(), guidance=form.guidance.value(), width=form.width_box.value(),
            height=form.height_box.value(), seed=form.seed.value(), batch=form.batch.value(),
            scheduler=form.scheduler_name(), file_format=form.file_format.currentText(),
            decoder=form.decoder_choice())
        request.typed_prompt = form.typed_prompt()
        if self._prompt_source and self._prompt_source[0] == request.prompt:  # the prompt written for a hand-off
            request.sources += (self._prompt_source[1],)
        if self.init_image is not None:
            request.init_image = self.init_image
            request.sources += (self.init_source,) if self.init_source is not None else ()
            request.strength = self.strength.value() / 100
            if self.paint_mask.isChecked() and self.canvas.has_mask():
                mask = qimage_to_pil(self.canvas.mask_image(), "L")
                request.mask = mask.point(lambda v: 255 if v else 0)
        return request

    def generate(self) -> None:
        self._submit_image(self.build_request())

    def _submit_image(self, request) -> None:
        """Queue `request` (the form's, or a redo's) and work out its time estimate meanwhile."""
        model = self.picker.current()
        if self._submit(JobKind.IMAGE, request, model, f"Image: {request.prompt[:40]}", NO_MODEL):
            self.redo_full_button.hide()
            self.speed.estimate(model.path, request)

    def _say_estimate(self, text: str) -> None:
        """Before the first step: the time estimate beside what is happening."""
        current = self.status.text().split(" · about ")[0]
        if self.session.busy and ("Waiting" in current or "Loading" in current):
            self.status.setText(f"{current} · {text}")

    def prompt_from_text(self, text: str, source: lineage.Source | None) -> None:
        """A hand-off ("Make an image"): the built-in model writes an image prompt from `text`,
        shown to edit; once used, the images made from it link to `source`."""
        self._prompt_source = (None, source) if source is not None else ()
        self.form.suggestion.write_from(text, "image")

    def _prompt_used(self, text: str) -> None:
        if self._prompt_source:
            self._prompt_source = (text, self._prompt_source[1])

    def upscale_selected(self, factor: int) -> None:
        """Upscale the selected result (or the newest) with the chosen GAN upscaler."""
        item = self.results.currentItem() or self.results.item(0)
        if item is None or self.upscaler.current() is None:  # the buttons are disabled then, with the reason
            return
        self.upscale_file(item.data(Qt.UserRole), item.data(Qt.UserRole + 1), factor, item.text())

    def upscale_file(self, path: str, generation_id: int | None, factor: int = 4, name: str = "") -> bool:
        """Upscale an image file (a result, or a hand-off from elsewhere); False, saying why, when
        it cannot start."""
        from desktop.core.image.upscale_engine import UpscaleRequest

        upscaler = self.upscaler.current()
        if upscaler is None:
            self.upscale_bar.say("Choose an upscaler first: get Real-ESRGAN from Models › Catalog, or add one with "
                                 "File › Add model file…")
            return False
        if self.session.busy:
            self.upscale_bar.say("The studio is busy: upscale once the image being made is done.")
            return False
        self.upscale_bar.say("")
        request = UpscaleRequest(path, factor, source_generation_id=generation_id)
        self.session.submit(JobKind.UPSCALE, request, upscaler.path, f"Upscale ×{factor}: {name or Path(path).name}")
        self.status.setText("Waiting for the upscaler…")
        self._update_state()
        return True

    def _result_menu(self, where) -> None:
        show_result_hand_offs(self, self.results, where, "image", self.hand_off.emit, Qt.UserRole, Qt.UserRole + 1)

    def _on_started(self, _job) -> None:
        self.status.setText("Loading the model…" + (f" · {self.speed.text}" if self.speed.text else ""))

    def _on_progress(self, job, progress) -> None:
        if progress.preview is not None:
            self.shown.show_pixmap(QPixmap.fromImage(pil_to_qimage(progress.preview)))
        if progress.unit == "conversion":  # a faster runtime's first conversion of this model
            self.status.setText(f"{progress.message} ({progress.done}/{progress.total}; once for this model)")
            return
        left = f" · about {progress.eta_s:.0f} s left" if progress.eta_s else ""
        unit = "tile" if progress.unit == "tiles" else "step"
        done, total = progress.done, progress.total
        batch = getattr(job.request, "batch", 1)
        if progress.unit == "steps" and batch > 1 and total % batch == 0:  # the batch's steps: this image's
            total //= batch
            done -= (min(max(done - 1, 0) // total, batch - 1)) * total
        self.status.setText(f"{progress.message} · {unit} {done}/{total}{left}".lstrip(" ·"))

    def _on_finished(self, job, outcome, stopped: str = "") -> None:
        """Also a stopped batch's images finished before the stop (`stopped` says so)."""
        self.history.forget()
        self._update_state()
        seeds = ", ".join(str(item.seed) for item in outcome.items)
        self.form.last_seed.setText(f"last: {seeds}")
        made_with = self.speed.finished(outcome)  # what made them; a stopped batch says the stop instead
        made_with = f" · {made_with}" if made_with and not stopped else ""
        self.status.setText(f"{len(outcome.items)} image(s) saved · seed {seeds}{made_with}{stopped}")
        for item in outcome.items:
            self.shown.add(str(item.path), item.generation_id)

    def _on_failed(self, job, message: str) -> None:
        self._update_state()
        # Said next to what caused it: an upscale's error under the upscale row.
        (self.upscale_bar.say if job.kind == JobKind.UPSCALE else self.show_error)(message)
        self.status.setText("Failed")

    def _on_cancelled(self, job, kept) -> None:
        if getattr(kept, "items", None):  # the images made before the stop: shown as a finished batch's
            rest = job.request.batch - len(kept.items)
            return self._on_finished(job, kept, f" · cancelled: the rest ({rest}) was stopped")
        self._update_state()
        self.status.setText("Cancelled: nothing was kept.")
