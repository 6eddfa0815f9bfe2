"""The Story studio: from a premise, the built-in model writes the scenes (title, image prompt,
line of narration: all editable); "Make the storyboard" runs them as one job on the inference
thread (desktop/pipeline/storyboard_run.py) — a picture, maybe a clip and the narration per
scene, maybe a music bed, then one narrated video — with each piece shown as it is committed.
Any scene's piece can be made again after editing its text; Cancel keeps what is done; a saved
storyboard opens again from "Open". Everything made is in the Library, in the storyboard's
collection.

The final video plays in the clip player the Video studio uses (`player_factory`; None shows
its poster with a button that opens it in the system's player)."""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QScrollArea,
                               QSplitter, QVBoxLayout, QWidget)

from desktop.core.errors import UserFacingError
from desktop.core.jobs import JobKind, Studio
from desktop.pipeline import storyboard_saving
from desktop.pipeline.store_access import DirectStore
from desktop.pipeline.storyboard import IMAGE, MAX_SCENES, SEED_LIMIT, StoryModels as Models, StoryScene, Storyboard
from desktop.pipeline.storyboard_run import FINAL, StoryboardRequest
from desktop.ui.widgets.clip_player import ClipPlayer
from desktop.ui.story.recommended import RecommendedSettings
from desktop.ui.story.scene_card import SceneCard
from desktop.ui.story.story_models import StoryModels
from desktop.ui.widgets.error_overlay import ErrorOverlay
from desktop.ui.widgets.job_panel import JobPanel
from desktop.ui.widgets.number_fields import IntField
from desktop.ui.widgets.seed_box import SeedBox
from desktop.ui.widgets.status_line import StatusLine

WRITER_KEY = "story"


class StoryPanel(RecommendedSettings, JobPanel, QWidget):
    def __init__(self, services, theme, parent=None, player_factory=ClipPlayer):
        super().__init__(parent)
        self.services, self.theme = services, theme
        self.session = services.job_session(Studio.STORY, self)
        self.writer = getattr(services, "prompt_writer", None) or self._own_writer()
        self.board: Storyboard | None = None   # the storyboard being edited; None until scenes are written
        self.cards: list[SceneCard] = []
        self.final_path = ""
        self.clip_settings: dict = {}          # the video model's preset: clip frames, steps, guidance, fps
        self.image_guidance: float | None = None  # the image model's recommended guidance
        self._image_followed = ""              # the image model whose recommended settings were applied
        self._scenes_request = self._music_request = None
        self._seed_used: int | None = None
        self._build(player_factory)
        self._connect()
        self._update_state()

    def _own_writer(self):
        from desktop.viewmodels.prompt_writer import PromptWriter

        return PromptWriter(self.services.background, lambda: self.services.settings.get("cpu_threads"), self)

    # -- layout ----------------------------------------------------------------------------

    def _build(self, player_factory) -> None:
        self.premise = QLineEdit()
        self.premise.setPlaceholderText("The story in a sentence, e.g. “a fox who learns to fly”")
        self.scene_count = IntField(1, MAX_SCENES, 4, "How many scenes the built-in model writes", "scenes")
        self.seed = SeedBox(SEED_LIMIT - 1)
        self.seed.setMinimumWidth(self.fontMetrics().horizontalAdvance("random") + 40)
        self.write_button = QPushButton("Write scenes")
        self.write_button.setToolTip("The built-in model writes a title, an image prompt and a line for each scene")
        self.open_box = QComboBox()
        self.open_box.setPlaceholderText("Open…")
        self.open_box.setToolTip("Open a storyboard made before, to finish it or make pieces again")
        self.open_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.open_box.setMinimumContentsLength(8)
        self.models = StoryModels(self.services)
        self.scene_column = QVBoxLayout()
        self.scene_column.addStretch(1)
        scenes = QWidget()
        scenes.setLayout(self.scene_column)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(scenes)
        self.hint = QLabel("Write a premise and press “Write scenes”. Every scene's text can be changed before "
                           "(and after) it is made.")
        self.hint.setWordWrap(True)
        self.scene_column.insertWidget(0, self.hint)
        self.player = player_factory(self.services.background) if player_factory else None
        self.poster = QLabel("The finished video plays here.")
        self.poster.setAlignment(Qt.AlignCenter)
        self.poster.setWordWrap(True)
        self.poster.setMinimumSize(160, 120)
        self.open_video = QPushButton("Open in player")
        self.open_video.setToolTip("Play the final video in the system's video player")
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat("%v of %m pieces")
        self.status = StatusLine()
        right = QWidget()
        side = QVBoxLayout(right)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.player if self.player is not None else self.poster, 1)
        side.addWidget(self.open_video)
        side.addWidget(self.progress_bar)
        side.addWidget(self.status)
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([480, 300])  # a scene card's buttons and thumbnail side by side, the player beside
        self.music_prompt = QLineEdit()
        self.music_prompt.setPlaceholderText("Music bed (written from the premise when a music model is chosen)")
        self.picture_size = IntField(64, 1024, 512, "Width and height of the pictures (and the video)", "px")
        self.picture_size.setSingleStep(64)
        self.picture_size.setSuffix(" px")
        self.steps = IntField(1, 100, 20, "Denoising steps per picture (few-step models want 1–4)", "steps")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop; every finished piece is kept and the storyboard can be finished later")
        self.make_button = QPushButton("Make the storyboard")
        self.make_button.setDefault(True)
        top = QHBoxLayout()
        for widget, stretch in ((QLabel("Premise"), 0), (self.premise, 1), (QLabel("Scenes"), 0),
                                (self.scene_count, 0), (QLabel("Seed"), 0), (self.seed, 0), (self.write_button, 0),
                                (self.open_box, 0)):
            top.addWidget(widget, stretch)
        bottom = QHBoxLayout()
        for widget, stretch in ((QLabel("Music"), 0), (self.music_prompt, 1), (QLabel("Size"), 0),
                                (self.picture_size, 0), (QLabel("Steps"), 0), (self.steps, 0), (self.cancel_button, 0),
                                (self.make_button, 0)):
            bottom.addWidget(widget, stretch)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addLayout(top)
        outer.addWidget(self.models)
        outer.addWidget(splitter, 1)
        outer.addLayout(bottom)
        self.error = ErrorOverlay(self.scroll, at_bottom=True)

    def _connect(self) -> None:
        self._bind_session(self.session)
        self.session.busy_changed.connect(lambda _busy: self._update_state())
        self.write_button.clicked.connect(lambda _checked=False: self.write_scenes())
        self.premise.returnPressed.connect(self.write_scenes)
        self.make_button.clicked.connect(lambda _checked=False: self.make())
        self.cancel_button.clicked.connect(self.cancel)
        self.open_video.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(self.final_path)))
        self.open_box.activated.connect(lambda row: self.open_saved(self.open_box.itemData(row)))
        self.models.changed.connect(self._follow_models)
        self.writer.written.connect(self._on_written)
        self.writer.failed.connect(self._on_write_failed)
        self.refresh_saved()

    def _update_state(self) -> None:
        busy = self.session.busy
        writing = self._scenes_request is not None
        self.make_button.setEnabled(not busy and not writing and bool(self.cards))
        self.write_button.setEnabled(not busy and not writing)
        self.cancel_button.setEnabled(busy or writing)
        self.open_box.setEnabled(not busy)
        self.open_video.setEnabled(bool(self.final_path))
        for card in self.cards:
            card.set_busy(busy or self.board is None or self.board.id is None)

    # -- writing the scenes ------------------------------------------------------------------

    def write_scenes(self) -> None:
        premise = " ".join(self.premise.text().split())
        if not premise:
            self.show_error("Write a premise first: what the story is about.")
            return
        if self.session.busy:
            return
        self.show_error("")
        # One seed for the scenes' text and, later, their pictures: the storyboard can be made again.
        self._seed_used = self.seed.value() if self.seed.value() >= 0 else random.randrange(SEED_LIMIT)
        self._scenes_request = self.writer.write("scenes", premise, self._seed_used, key=WRITER_KEY,
                                                 n=self.scene_count.value())
        self.status.setText("The built-in model is writing the scenes…")
        self._update_state()

    def _on_written(self, request_id: int, result) -> None:
        if request_id == self._scenes_request:
            self._scenes_request = None
            premise = " ".join(self.premise.text().split())
            scenes = [StoryScene(s.title, s.image_prompt, s.narration) for s in result]
            self.board = None  # a new storyboard: saved when it is first made
            self._show_scenes(scenes, clips=bool(self.models.paths()["video"]))
            unwritten = sum(1 for s in result if not s.written)
            self.status.setText(f"{len(scenes)} scenes written" + (f"; {unwritten} to write yourself" if unwritten
                                                                    else "") + ". Edit them, then make the storyboard.")
            if self.models.paths()["music"]:
                self._music_request = self.writer.write("prompt_from_text", premise, self._seed_used,
                                                        key=WRITER_KEY + "-music", target="music")
            self._update_state()
        elif request_id == self._music_request:
            self._music_request = None
            self.music_prompt.setText(result)

    def _on_write_failed(self, request_id: int, message: str) -> None:
        if request_id in (self._scenes_request, self._music_request):
            if request_id == self._scenes_request:
                self._scenes_request = None
            self._music_request = None if request_id == self._music_request else self._music_request
            self.status.setText("")
            self.show_error(message)
            self._update_state()

    def _show_scenes(self, scenes: list[StoryScene], clips: bool) -> None:
        for card in self.cards:
            card.deleteLater()
        self.cards = []
        self.hint.setVisible(not scenes)
        for index, scene in enumerate(scenes):
            card = SceneCard(index, scene.title, scene.image_prompt, scene.narration)
            card.regenerate.connect(self.regenerate)
            card.show_pieces(scene.items, clips)
            self.scene_column.insertWidget(self.scene_column.count() - 1, card)
            self.cards.append(card)

    # -- making ------------------------------------------------------------------------------

    def current_board(self) -> Storyboard:
        """The storyboard as the form shows it: the one being edited with each card's text (a
        changed text drops that piece) and the models chosen now, or a new one."""
        premise = " ".join(self.premise.text().split())
        models = Models(**self.models.paths())
        music_prompt = " ".join(self.music_prompt.text().split())
        if self.board is None or self.board.premise != premise or len(self.board.scenes) != len(self.cards):
            scenes = [StoryScene(*card.text()) for card in self.cards]
            seed = self._seed_used
            return Storyboard(premise, scenes, models, seed=seed if seed is not None else -1, music_prompt=music_prompt,
                              **self._picture_settings())
        self.board.revise([card.text() for card in self.cards], models, music_prompt, **self._picture_settings())
        return self.board

    def make(self, regenerate: tuple[int, str] | None = None) -> bool:
        if self.session.busy or not self.cards:
            return False
        board = self.current_board()
        request = StoryboardRequest(board, regenerate)
        try:
            request.validate()
        except UserFacingError as exc:
            self.show_error(str(exc))
            return False
        self.show_error("")
        self.board = board
        self.session.submit(JobKind.STORYBOARD, request, "", f"Story: {board.premise[:40]}")
        self.status.setText("Waiting for the models…")
        self._update_state()
        return True

    def regenerate(self, index: int, piece: str) -> bool:
        if self.board is None or self.board.id is None:
            self.show_error("Make the storyboard first; then any piece can be made again.")
            return False
        return self.make((index, piece))

    def cancel(self) -> None:
        if self._scenes_request is not None:
            self.writer.cancel(WRITER_KEY)
            self._scenes_request = None
            self.status.setText("")
            self._update_state()
        super().cancel()

    # -- the job's signals -------------------------------------------------------------------

    def _on_started(self, _job) -> None:
        self.status.setText("Starting…")

    def _on_progress(self, _job, progress) -> None:
        if progress.unit == "pieces":
            self.progress_bar.setRange(0, max(1, progress.total))
            self.progress_bar.setValue(progress.done)
        if progress.message:
            self.status.setText(progress.message)
        for made in progress.pieces:
            self._piece_done(made)

    def _piece_done(self, made) -> None:
        if self.board is not None and made.storyboard_id is not None:
            self.board.id = made.storyboard_id
        if made.scene is not None and made.scene < len(self.cards):
            if self.board is not None:
                self.board.scenes[made.scene].items[made.piece] = made.generation_id
                self.cards[made.scene].show_pieces(self.board.scenes[made.scene].items, self.board.has_clips)
            if made.piece == IMAGE:
                self._load_thumbnail(made.scene, made.path)
        elif made.piece == FINAL:
            self._play(made.path)

    def _on_finished(self, _job, outcome) -> None:
        self._adopt(outcome.board)
        self._play(outcome.path)
        self.status.setText(f"Made: {outcome.final.duration_s:.1f} s; every piece is in the Library "
                            f"(its collection “Story: …”).")
        self.refresh_saved()
        self._update_state()

    def _on_failed(self, _job, message: str) -> None:
        self.status.setText("")
        self.show_error(message)
        if self.board is not None and self.board.id is not None:
            self.open_saved(self.board.id)  # what was made before the failure is saved
        self._update_state()

    def _on_cancelled(self, _job, kept) -> None:
        if hasattr(kept, "board"):
            self._adopt(kept.board)
            self.status.setText(f"Stopped: {len(kept.made)} pieces kept; missing: {', '.join(kept.missing)}.")
        else:
            self.status.setText("Stopped before anything was made.")
        self.refresh_saved()
        self._update_state()

    # -- showing a storyboard ----------------------------------------------------------------

    def _adopt(self, board: Storyboard) -> None:
        self.board = board
        for index, card in enumerate(self.cards):
            card.show_pieces(board.scenes[index].items, board.has_clips)

    def refresh_saved(self) -> None:
        from desktop.store.storyboards import StoryboardRepository

        self.services.store.submit(lambda lib: StoryboardRepository(lib.conn).recent(), self._fill_saved,
                                   lambda exc: None)

    def _fill_saved(self, rows) -> None:
        self.open_box.clear()
        for storyboard_id, premise, _updated in rows:
            self.open_box.addItem(premise[:60], storyboard_id)
        self.open_box.setCurrentIndex(-1)

    def open_saved(self, storyboard_id: int | None) -> None:
        if storyboard_id is None or self.session.busy:
            return

        def read(lib):
            board = storyboard_saving.load(DirectStore(lib), storyboard_id)
            return board, storyboard_saving.piece_files(DirectStore(lib), board)

        self.services.store.submit(read, lambda found: self.show_board(*found),
                                   lambda exc: self.show_error(str(exc)))

    def show_board(self, board: Storyboard, files: dict) -> None:
        """Put a saved storyboard in the form: its text, models, settings, thumbnails and video."""
        self.board = board
        self._seed_used = board.seed
        self.premise.setText(board.premise)
        self.scene_count.setValue(len(board.scenes))
        self.music_prompt.setText(board.music_prompt)
        self.picture_size.setValue(board.width)
        self.steps.setValue(board.steps)
        self.models.choose(board.models.image, board.models.voice, board.models.video, board.models.motion_adapter,
                           board.models.music)
        self._show_scenes(board.scenes, board.has_clips)
        for index, scene in enumerate(board.scenes):
            if scene.item(IMAGE) in files:
                self._load_thumbnail(index, files[scene.item(IMAGE)])
        if board.final_id in files:
            self._play(files[board.final_id])
        missing = board.missing()
        self.status.setText(f"Missing: {', '.join(missing)}." if missing else "Every piece is made.")
        self._update_state()

    def _load_thumbnail(self, index: int, path) -> None:
        if index < len(self.cards):
            self.cards[index].load_thumbnail(self.services.background, path)

    def _play(self, path) -> None:
        self.final_path = str(path)
        if self.player is not None:
            self.player.open(self.final_path)
        else:
            self.poster.setText(f"The final video: {Path(path).name}")
        self._update_state()
