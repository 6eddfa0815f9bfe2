"""The Image studio's results: the large preview (live steps, then the newest image), the
status line under it, and the strip of this session's images. Files are decoded off the
GUI thread; QPixmaps are made only here, on it. The panel writes `status` and adds images."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, QUrl
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.ui.widgets.status_line import StatusLine

THUMB = 96


class ResultStrip(QListWidget):
    """One row of this session's images, newest first, scrolled sideways only. Each can be
    dragged out as its file — onto the image-prompt area, or into another application."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListWidget.IconMode)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 16, THUMB + 26))  # a fixed cell: labels never cut or overlap
        self.setFlow(QListWidget.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListWidget.Static)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFixedHeight(THUMB + 30 + self.horizontalScrollBar().sizeHint().height())
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setDefaultDropAction(Qt.CopyAction)

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, items) -> QMimeData:
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(item.data(Qt.UserRole)) for item in items])
        return mime

    def supportedDragActions(self):
        return Qt.CopyAction


class ImageResults(QWidget):
    def __init__(self, background, parent=None):
        super().__init__(parent)
        self.background = background  # the pool that decodes files
        self._pixmap: QPixmap | None = None
        self.preview = QLabel("Your images appear here.")
        self.preview.setAlignment(Qt.AlignCenter)
        self.preview.setMinimumSize(320, 320)
        self.preview.setStyleSheet("QLabel { background: palette(base); border: 1px solid palette(mid); }")
        self.status = StatusLine()
        self.results = ResultStrip()
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
            return image, image.scaled(THUMB, THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation)

        def show(images) -> None:
            full, thumb = images
            # A short label under the thumbnail (the Library's number); the file name whole in the tooltip.
            item = QListWidgetItem(f"#{generation_id}" if generation_id is not None else Path(path).stem[:12])
            item.setToolTip(f"{Path(path).name}\nDrag it onto the image prompt, or into another app.")
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
