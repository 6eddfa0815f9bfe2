"""Thumbnails for the Library: decoded and scaled on the thread pool, kept in a bounded
cache; until one is ready the view shows a placeholder. Nothing here touches the disk on
the GUI thread."""

from __future__ import annotations

from collections import OrderedDict
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

THUMB_SIDE = 160


def _make_thumbnail(path: str) -> QImage:
    """On the pool: QImage (unlike QPixmap) may be made off the GUI thread."""
    image = QImage(path)
    if image.isNull():
        raise OSError(f"cannot decode {path}")
    return image.scaled(THUMB_SIDE, THUMB_SIDE, Qt.KeepAspectRatio, Qt.SmoothTransformation)


class ThumbnailCache(QObject):
    ready = Signal(str)  # the path whose thumbnail just arrived

    def __init__(self, background, capacity: int = 600, parent=None):
        super().__init__(parent)
        self._background = background
        self._capacity = capacity
        self._pixmaps: "OrderedDict[str, QPixmap]" = OrderedDict()
        self._pending: set[str] = set()
        self._failed: set[str] = set()

    def get(self, path: str) -> QPixmap | None:
        """The thumbnail if ready (and mark it recently used); otherwise schedule it."""
        pixmap = self._pixmaps.get(path)
        if pixmap is not None:
            self._pixmaps.move_to_end(path)
            return pixmap
        if path not in self._pending and path not in self._failed:
            self._pending.add(path)
            self._background.run(lambda: _make_thumbnail(path), lambda image: self._store(path, image),
                                 lambda _exc: self._fail(path))
        return None

    def __len__(self) -> int:
        return len(self._pixmaps)

    def _store(self, path: str, image: QImage) -> None:
        self._pending.discard(path)
        self._pixmaps[path] = QPixmap.fromImage(image)  # GUI thread: the relay delivers here
        while len(self._pixmaps) > self._capacity:
            self._pixmaps.popitem(last=False)
        self.ready.emit(path)

    def _fail(self, path: str) -> None:
        self._pending.discard(path)
        self._failed.add(path)


def placeholder(label: str, color: QColor) -> QPixmap:
    """A plain tile with the item's kind written on it (text items, pending images)."""
    pixmap = QPixmap(THUMB_SIDE, THUMB_SIDE)
    pixmap.fill(color)
    painter = QPainter(pixmap)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(pixmap.rect(), Qt.AlignCenter, label)
    painter.end()
    return pixmap

