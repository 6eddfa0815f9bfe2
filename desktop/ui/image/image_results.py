"""The Image studio's results: the large preview (live steps, then the newest image), the
status line under it, and the strip of this session's images. Files are decoded off the
GUI thread; QPixmaps are made only here, on it. The panel writes `status` and adds images."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget


class ImageResults(QWidget):
    def __init__(self, background, parent=None):
        super().__init__(parent)
        self.background = background  # the pool that decodes files
        self._pixmap: QPixmap | None = None
        self.preview = QLabel("Your images appear here.")
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setMinimumSize(320, 320)
        self.preview.setStyleSheet("QLabel { background: palette(base); border: 1px solid palette(mid); }")
        self.status = QLabel()
        self.results = QListWidget()
        self.results.setViewMode(QListWidget.IconMode)
        self.results.setIconSize(QPixmap(96, 96).size())
        self.results.setFixedHeight(124)
        self.results.setFlow(QListWidget.LeftToRight)
        self.results.setWrapping(False)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.preview, 1)
        column.addWidget(self.status)
        column.addWidget(self.results)
        self.results.itemClicked.connect(self._on_clicked)

    def add(self, path: str, generation_id: int | None = None) -> None:
        """A new image first in the strip and large in the preview."""
        def decode():
            image = QImage(path)  # decoded on the pool; QPixmap only on the GUI thread
            return image, image.scaled(96, 96, Qt.KeepAspectRatio, Qt.SmoothTransformation)

        def show(images) -> None:
            full, thumb = images
            item = QListWidgetItem(Path(path).name)
            item.setIcon(QPixmap.fromImage(thumb))
            item.setData(Qt.UserRole, path)
            item.setData(Qt.UserRole + 1, generation_id)
            self.results.insertItem(0, item)
            self.show_pixmap(QPixmap.fromImage(full))

        self.background.run(decode, show)

    def _on_clicked(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.UserRole)
        self.background.run(lambda: QImage(path), lambda image: self.show_pixmap(QPixmap.fromImage(image)))

    def show_pixmap(self, pixmap: QPixmap) -> None:
        self._pixmap = pixmap
        self.preview.setPixmap(pixmap.scaled(self.preview.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._pixmap is not None:
            self.preview.setPixmap(self._pixmap.scaled(self.preview.size(), Qt.KeepAspectRatio,
                                                       Qt.SmoothTransformation))
