"""The Audio studio: speech from text with a voice (the built-in Piper voice, other Piper
voices, VITS / MMS-TTS) and music from a description (MusicGen). Sentences play as they
are made; results are kept in the Library and played here with a waveform."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QPushButton, QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from desktop.core import lineage
from desktop.core.audio.audio_request import AUDIO_FORMATS
from desktop.core.jobs import JobKind, Studio
from desktop.ui.audio.audio_form import MusicForm, SpeechForm
from desktop.ui.widgets.error_overlay import ErrorOverlay
from desktop.ui.widgets.hand_off_menu import show_result_hand_offs
from desktop.ui.widgets.audio_player import AudioPlayer
from desktop.ui.widgets.model_offer_card import ModelOfferCard
from desktop.ui.widgets.model_picker import ModelPicker
from desktop.ui.widgets.job_panel import JobPanel
from desktop.ui.widgets.prompt_history import PromptHistory
from desktop.ui.widgets.prompt_suggestion import PromptSuggestion
from desktop.ui.widgets.status_line import StatusLine

MODEL_SETTING = "last_audio_model"
SPEECH_HINT = "Text to speak… long texts are read sentence by sentence (Ctrl+Enter)"
SPEECH, MUSIC = "speech", "music"
NO_MUSIC_MODEL = "No music model here yet: get MusicGen above (one click), or add a MusicGen folder."
NO_VOICE = "No voice here yet: get one from Models › Catalog, or add a Piper voice with File › Add model file…"
MUSIC_HINT = "Describe the music, e.g. “calm piano with soft rain” (Ctrl+Enter)"


class AudioPanel(JobPanel, QWidget):
    hand_off = Signal(object)  # a HandOff from a result: laid under a video as its soundtrack

    def __init__(self, services, theme, parent=None):
        super().__init__(parent)
        self.services, self.theme = services, theme
        self.session = services.job_session(Studio.AUDIO, self)
        self.text_source: tuple[str, lineage.Source] | None = None  # the text a hand-off put here, and its source
        self._build()
        self._connect()

    # -- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        self.picker = ModelPicker(self.services.audio_models, self.services.settings.get(MODEL_SETTING))
        self.picker.say_missing("No voice yet", "No voice: install the built-in voice, or add Piper / VITS / MusicGen models")
        self.mode = QComboBox()
        self.mode.addItem("Speech", SPEECH)
        self.mode.addItem("Music", MUSIC)
        self.mode.setToolTip("Speech reads text aloud with a voice; Music composes from a description (MusicGen)")
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(SPEECH_HINT)
        self.speech_form, self.music_form = SpeechForm(), MusicForm()
        self.forms = QStackedWidget()
        self.forms.addWidget(self.speech_form)
        self.forms.addWidget(self.music_form)
        self.file_format = QComboBox()
        for name in AUDIO_FORMATS:
            self.file_format.addItem(name.upper(), name)
        self.file_format.setToolTip("WAV by default; FLAC (lossless, smaller) and OGG carry the same tags")
        self.play_early = QCheckBox("Play sentences as they are made")
        self.play_early.setChecked(True)
        self.generate_button = QPushButton("Speak")
        self.generate_button.setDefault(True)
        self.generate_button.setToolTip("Ctrl+Enter")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Esc")
        self.status = StatusLine()
        self.error = ErrorOverlay(self.text, at_bottom=True)  # over the text's foot, above Speak
        self.player = AudioPlayer(self.services.background)
        self.results = QListWidget()
        self.results.setToolTip("This session's results; everything is also in the Library")
        # A music prompt written from another item's text ("Compose music for this"), shown to edit.
        self.suggestion = PromptSuggestion(self.text, "music")
        self.suggestion.set_writer(self.services.prompt_writer)

        self.offer_card = ModelOfferCard(self.services, "audio", self.services.audio_models, lambda models: bool(models))
        # Music is a mode even with no music model here: it offers one (MusicGen) in its place.
        self.music_card = ModelOfferCard(self.services, "music", self.services.audio_models,
                                         lambda models: any(not m.is_speech for m in models))
        self.music_offer = QWidget()  # shown in Music mode only; the card inside shows while it is wanted
        offer_column = QVBoxLayout(self.music_offer)
        offer_column.setContentsMargins(0, 0, 0, 0)
        offer_column.addWidget(self.music_card)
        self.music_offer.hide()
        header = QHBoxLayout()
        header.addWidget(self.mode)
        header.addWidget(QLabel("Model"))
        header.addWidget(self.picker, 1)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        for widget in (QLabel("Format"), self.file_format, self.cancel_button, self.generate_button):
            actions.addWidget(widget)
        center = QWidget()
        column = QVBoxLayout(center)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(header)
        column.addWidget(self.music_offer)
        column.addWidget(self.text, 3)
        column.addWidget(self.suggestion)
        column.addLayout(actions)
        column.addWidget(self.player)
        column.addWidget(QLabel("This session's results (everything is also in the Library)"))
        column.addWidget(self.results, 2)

        settings = QGroupBox("Settings")
        settings_column = QVBoxLayout(settings)
        settings_column.addWidget(self.forms)
        settings_column.addWidget(self.play_early)
        settings_column.addStretch(1)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(center)
        splitter.addWidget(settings)
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([820, 280])
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self.offer_card)  # across the studio, as in every studio
        outer.addWidget(splitter, 1)
        self._update_state()

    def _connect(self) -> None:
        self.history = PromptHistory(self.services.store, self.text, "audio", ["speech"])
        self._bind_session(self.session)
        self.picker.model_chosen.connect(self._on_model_chosen)
        self.offer_card.ready.connect(self.use_catalog_model)
        self.music_card.ready.connect(self.use_catalog_model)
        self.mode.activated.connect(lambda _i: self._mode_chosen())
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button.clicked.connect(self.cancel)
        self.results.itemClicked.connect(lambda item: self.player.load(item.data(Qt.UserRole)))
        self.suggestion.used.connect(self._prompt_used)
        self.results.setContextMenuPolicy(Qt.CustomContextMenu)
        self.results.customContextMenuRequested.connect(self._result_menu)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.generate, context=Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.cancel, context=Qt.WidgetWithChildrenShortcut)

    # -- state ---------------------------------------------------------------------------

    def music_mode(self) -> bool:
        return self.mode.currentData() == MUSIC

    def _mode_chosen(self) -> None:
        """The person picked Speech or Music: the first model of that mode, or none (Music
        then offers MusicGen) — the picker never holds a voice while composing."""
        music = self.music_mode()
        current = self.picker.current()
        if current is None or current.is_speech == music:
            fitting = next((m for m in self.services.audio_models.models() if m.is_speech != music), None)
            if fitting is not None:
                self.picker.choose(fitting.path)
            else:
                self.picker.setCurrentIndex(-1)
        self._show_mode()

    def _on_model_chosen(self, info) -> None:
        if info is not None:
            self.services.settings.set(MODEL_SETTING, info.path)
            self.speech_form.set_speakers(info.speakers)
            self.mode.setCurrentIndex(self.mode.findData(SPEECH if info.is_speech else MUSIC))
        self._show_mode()

    def _show_mode(self) -> None:
        music = self.music_mode()
        self.music_offer.setVisible(music)
        self.forms.setCurrentWidget(self.music_form if music else self.speech_form)
        self.text.setPlaceholderText(MUSIC_HINT if music else SPEECH_HINT)
        self.generate_button.setText("Compose" if music else "Speak")
        self.history.kinds = ["music" if music else "speech"]
        self.history.forget()
        self.play_early.setEnabled(not music)
        self._update_state()

    def _update_state(self) -> None:
        busy = self.session.busy
        model = self.picker.current()
        ready = model is not None and model.is_speech != self.music_mode()
        self.generate_button.setEnabled(not busy and ready)
        self.generate_button.setToolTip("Ctrl+Enter" if ready else NO_MUSIC_MODEL if self.music_mode() else NO_VOICE)
        self.cancel_button.setEnabled(busy)

    # -- generation -------------------------------------------------------------------------

    def build_request(self):
        text, fmt = self.text.toPlainText(), self.file_format.currentData()
        request = self.music_form.request(text, fmt) if self.music_mode() else self.speech_form.request(text, fmt)
        if self.text_source is not None and self.text_source[0] == text:  # still the handed text
            request.sources = (self.text_source[1],)
        return request

    def read_aloud(self, text: str, generation_id: int | None) -> None:
        """A hand-off: speak `text` with the chosen voice (or the first one), linked to its item."""
        if self.music_mode() or self.picker.current() is None:
            self.mode.setCurrentIndex(self.mode.findData(SPEECH))
            self._mode_chosen()
        self.text.setPlainText(text)
        self.text_source = (text, lineage.Source(lineage.READ_ALOUD, generation_id)) if generation_id else None
        if self.session.busy:
            self.show_error("The Audio studio is busy: press Speak once the audio being made is done.")
            return
        self.generate()

    def compose_from(self, text: str, source: lineage.Source | None) -> None:
        """A hand-off ("Compose music for this"): Music mode, and the built-in model writes a
        music prompt from `text`, shown to edit; once used, the music made links to `source`."""
        if not self.music_mode():
            self.mode.setCurrentIndex(self.mode.findData(MUSIC))
            self._mode_chosen()
        self.text_source = (None, source) if source is not None else None
        self.suggestion.write_from(text, "music")

    def _prompt_used(self, text: str) -> None:
        if self.text_source is not None:
            self.text_source = (text, self.text_source[1])
        if self.music_mode() and self.picker.current() is None:
            self.show_error(NO_MUSIC_MODEL)

    def _result_menu(self, where) -> None:
        show_result_hand_offs(self, self.results, where, "audio", self.hand_off.emit, Qt.UserRole, Qt.UserRole + 1)

    def generate(self) -> None:
        music = self.music_mode()
        words = " ".join(self.text.toPlainText().split())
        queued = self._submit(JobKind.AUDIO, self.build_request(), self.picker.current(),
                              f"{'Music' if music else 'Speech'}: {words[:40]}",
                              "Choose a voice first. The built-in voice comes with the README's install command; "
                              "Piper voices (.onnx + .onnx.json) and VITS / MusicGen folders are found in model "
                              "folders.")
        if queued and not music and self.play_early.isChecked():
            self.player.start_stream()

    def use_catalog_model(self, entry, path: str) -> None:
        """A catalog voice or music model just downloaded: chosen, ready to speak or compose."""
        self.picker.choose(path)
        self.status.setText(f"{entry.name} is ready.")
        self.text.setFocus()

    def reuse(self, generation) -> None:
        """“Use these settings” from the Library: the text, the model and its settings."""
        self.text.setPlainText(generation.prompt)
        match = next((m for m in self.services.audio_models.models() if m.path == generation.model_path), None)
        if match is not None:
            self.picker.choose(match.path)
        form = self.music_form if generation.kind == "music" else self.speech_form
        form.apply(generation.params, generation.seed)
        index = self.file_format.findData(generation.params.get("file_format", "wav"))
        self.file_format.setCurrentIndex(max(index, 0))
        self.status.setText(f"Text and settings of item #{generation.id}.")

    # -- the job's signals --------------------------------------------------------------------

    def _on_started(self, _job) -> None:
        self.status.setText("Loading the voice…" if not self.music_mode() else "Loading the model…")

    def _on_progress(self, _job, progress) -> None:
        for piece in progress.pieces:
            self.player.add_piece(piece)
        left = f" · about {progress.eta_s:.0f} s left" if progress.eta_s else ""
        self.status.setText(f"{progress.message}{left}" if progress.unit == "sentences"
                            else f"{progress.message} · {progress.done}/{progress.total} frames{left}")

    def _on_finished(self, job, outcome) -> None:
        self.history.forget()
        made = outcome.audio
        path = str(outcome.path)
        notes = "".join(f" · {note}" for note in made.notes)
        seed = f" · seed {made.seed}" if made.seed is not None else ""
        self.status.setText(f"{made.duration_s:.1f} s of audio in {made.seconds:.1f} s{seed}{notes}")
        item = QListWidgetItem(f"{Path(path).name} — {' '.join(job.title.split())}")
        item.setData(Qt.UserRole, path)
        item.setData(Qt.UserRole + 1, outcome.generation_id)
        self.results.insertItem(0, item)
        self.results.setCurrentItem(item)
        self.player.finish_stream(path)
        self._update_state()

    def _on_failed(self, _job, message: str) -> None:
        self.player.finish_stream(None)
        self.show_error(message)
        self.status.setText("Failed")
        self._update_state()

    def _on_cancelled(self, _job, _partial) -> None:
        self.player.finish_stream(None)
        self.status.setText("Cancelled: nothing was kept.")
        self._update_state()
