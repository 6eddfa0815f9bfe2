"""The Video studio's results: the strip of previewed frames while sampling, the player for the
finished clip, the status line, and this session's clips (poster thumbnails; select two or more
to join them). Posters are decoded off the GUI thread; QPixmaps are made only here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.ui.widgets.clip_player import ClipPlayer
from desktop.ui.widgets.pil_qt import pil_to_qimage
from desktop.ui.widgets.status_line import StatusLine

PATH_ROLE, GENERATION_ROLE = Qt.UserRole, Qt.UserRole + 1
THUMB = 88


class VideoResults(QWidget):
    def __init__(self, background, parent=None):
        super().__init__(parent)
        self.background = background
        self._strip: QPixmap | None = None
        self.strip = QLabel()
        self.strip.setAlignment(Qt.AlignCenter)
        self.strip.setFixedHeight(110)
        self.strip.setToolTip("A few frames of the clip as it is being sampled")
        self.strip.hide()
        self.player = ClipPlayer(background)
        self.status = StatusLine()
        self.clips = QListWidget()
        self.clips.setViewMode(QListWidget.IconMode)
        self.clips.setIconSize(QSize(THUMB, THUMB))
        self.clips.setFixedHeight(THUMB + 34)
        self.clips.setFlow(QListWidget.LeftToRight)
        self.clips.setWrapping(False)
        self.clips.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.clips.setToolTip("This session's clips: click to play; Ctrl+click several to join them")
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.strip)
        column.addWidget(self.player, 1)
        column.addWidget(self.status)
        column.addWidget(self.clips)
        self.clips.itemClicked.connect(lambda item: self.player.open(item.data(PATH_ROLE)))

    def show_strip(self, image) -> None:
        """The engine's preview strip (a PIL image: frames side by side), scaled to the strip."""
        self._strip = QPixmap.fromImage(pil_to_qimage(image))
        self.strip.show()
        self._draw_strip()

    def hide_strip(self) -> None:
        self._strip = None
        self.strip.clear()
        self.strip.hide()

    def _draw_strip(self) -> None:
        if self._strip is not None:
            self.strip.setPixmap(self._strip.scaled(self.strip.width(), self.strip.height(), Qt.KeepAspectRatio,
                                                    Qt.SmoothTransformation))

    def add(self, path: str, poster: str, generation_id: int | None) -> None:
        """A finished clip: first in the list, selected, and playing."""
        item = QListWidgetItem(Path(path).name)
        item.setData(PATH_ROLE, str(path))
        item.setData(GENERATION_ROLE, generation_id)
        item.setToolTip(str(path))
        self.clips.insertItem(0, item)
        self.clips.clearSelection()
        self.clips.setCurrentItem(item)  # selected alone, as a plain click would
        self.player.open(str(path))
        self.background.run(lambda: QImage(str(poster)).scaled(THUMB, THUMB, Qt.KeepAspectRatio,
                                                              Qt.SmoothTransformation),
                            lambda thumb: item.setIcon(QPixmap.fromImage(thumb)), lambda _exc: None)

    def selected(self) -> list[tuple[str, int | None]]:
        """The selected clips (path, generation id), in the order they were made."""
        items = sorted(self.clips.selectedItems(), key=lambda item: -self.clips.row(item))
        return [(item.data(PATH_ROLE), item.data(GENERATION_ROLE)) for item in items]

    def current(self) -> tuple[str, int | None] | None:
        """The clip to extend: the one selected last, else the newest."""
        item = self.clips.currentItem() or self.clips.item(0)
        return None if item is None else (item.data(PATH_ROLE), item.data(GENERATION_ROLE))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._draw_strip()
