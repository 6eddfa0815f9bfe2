"""The models a storyboard is made with: an image model, a voice, and optionally a video model
(with its motion adapter for an AnimateDiff base) and a music model. Each box lists the part of
the app's model lists that fits (voices and MusicGen share the audio list; bases and adapters
the video list) and keeps a wanted path across rescans, as the studios' own pickers do."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from desktop.ui.widgets.model_picker import ModelPicker

ADAPTER_KIND, BASE_KIND = "motion adapter", "AnimateDiff base"   # video_registry's kinds


class ListedModels(QComboBox):
    """The models of `model_list` that `fits`, with an optional first "none" entry."""

    def __init__(self, model_list, fits: Callable[[object], bool], none: str = "", parent=None):
        super().__init__(parent)
        self.model_list, self.fits, self.none = model_list, fits, none
        self.wanted = ""
        self.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)
        model_list.scanned.connect(self.fill)
        model_list.model_added.connect(lambda _info: self.fill())
        self.activated.connect(lambda _row: setattr(self, "wanted", self.path()))
        self.fill()

    def fill(self) -> None:
        self.blockSignals(True)
        try:
            self.clear()
            if self.none:
                self.addItem(self.none, None)
            for info in self.model_list.models():
                if self.fits(info):
                    self.addItem(info.name, info)
                    self.setItemData(self.count() - 1, info.path, 3)  # Qt.ToolTipRole
            paths = [self.itemData(i).path if self.itemData(i) is not None else "" for i in range(self.count())]
            self.setCurrentIndex(paths.index(self.wanted) if self.wanted in paths else (0 if paths else -1))
        finally:
            self.blockSignals(False)
        self.currentIndexChanged.emit(self.currentIndex())

    def current(self):
        return self.currentData()

    def path(self) -> str:
        info = self.current()
        return info.path if info is not None else ""

    def choose(self, path: str) -> None:
        self.wanted = path
        self.fill()


class StoryModels(QWidget):
    changed = Signal()

    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.image = ModelPicker(services.image_models)
        self.image.say_missing("No image model", "No image model yet: get one from Models › Catalog")
        self.voice = ListedModels(services.audio_models, lambda info: info.is_speech)
        self.video = ListedModels(services.video_models, lambda info: info.kind != ADAPTER_KIND, "Stills")
        self.video.setToolTip("Animate each scene's picture into a short clip (slow on a CPU), or show stills")
        self.adapter = ListedModels(services.video_models, lambda info: info.kind == ADAPTER_KIND)
        self.adapter.setToolTip("The motion adapter that animates an AnimateDiff base")
        self.music = ListedModels(services.audio_models, lambda info: not info.is_speech, "No music")
        self.music.setToolTip("A music bed under the narration (MusicGen), quiet and faded out at the end")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.adapter_label = QLabel("Motion")
        places = (("Image", self.image), ("Voice", self.voice), ("Music", self.music), ("Clips", self.video),
                  ("Motion", self.adapter))
        for at, (label, box) in enumerate(places):
            row, column = divmod(at, 3)
            grid.addWidget(self.adapter_label if label == "Motion" else QLabel(label), row, 2 * column)
            grid.addWidget(box, row, 2 * column + 1)
            grid.setColumnStretch(2 * column + 1, 1)
        for box in (self.voice, self.video, self.adapter, self.music):
            box.currentIndexChanged.connect(lambda _row: self._changed())
        self.image.model_chosen.connect(lambda _info: self._changed())
        self._show_adapter()

    def paths(self) -> dict:
        """What StoryModels (desktop/pipeline/storyboard.py) takes."""
        image = self.image.current()
        needs_adapter = self.video.current() is not None and self.video.current().kind == BASE_KIND
        return {"image": image.path if image is not None else "", "voice": self.voice.path(),
                "video": self.video.path(), "motion_adapter": self.adapter.path() if needs_adapter else "",
                "music": self.music.path()}

    def choose(self, image: str = "", voice: str = "", video: str = "", motion_adapter: str = "",
               music: str = "") -> None:
        """Select a saved storyboard's models (where they are still listed)."""
        if image:
            self.image.choose(image)
        for box, path in ((self.voice, voice), (self.video, video), (self.adapter, motion_adapter),
                          (self.music, music)):
            box.choose(path)

    def _changed(self) -> None:
        self._show_adapter()
        self.changed.emit()

    def _show_adapter(self) -> None:
        needs = self.video.current() is not None and self.video.current().kind == BASE_KIND
        self.adapter.setVisible(needs)
        self.adapter_label.setVisible(needs)
