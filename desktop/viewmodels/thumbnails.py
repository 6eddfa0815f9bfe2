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


def _make_text_tile(text: str, color: QColor) -> QImage:
    """A tile with the first lines of a text item, like a page seen from afar (on the pool:
    painting on a QImage is allowed off the GUI thread)."""
    image = QImage(THUMB_SIDE, THUMB_SIDE, QImage.Format_RGB32)
    image.fill(color)
    painter = QPainter(image)
    painter.setPen(QColor(255, 255, 255))
    font = painter.font()
    font.setPointSizeF(7.5)
    painter.setFont(font)
    painter.drawText(image.rect().adjusted(8, 8, -8, -8), Qt.TextWordWrap, " ".join(text.split())[:400])
    painter.end()
    return image


def _make_waveform_tile(path: str, color: QColor) -> QImage:
    from desktop.core.audio.audio_files import decode_mono
    from desktop.core.audio.waveform import peaks
    from desktop.viewmodels.waveform_drawing import waveform_image

    samples, _rate = decode_mono(path)
    return waveform_image(peaks(samples, THUMB_SIDE), THUMB_SIDE, THUMB_SIDE, color, QColor(255, 255, 255))


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
        return self._get(path, lambda: _make_thumbnail(path))

    def get_waveform_tile(self, path: str, color: QColor) -> QPixmap | None:
        return self._get(path, lambda: _make_waveform_tile(path, color))

    def get_video(self, clip: str) -> QPixmap | None:
        """The clip's poster (or first frame) as a tile."""
        from desktop.viewmodels.video_thumbnails import make_video_thumbnail

        return self._get(clip, lambda: make_video_thumbnail(clip, THUMB_SIDE))

    def get_text_tile(self, key: str, text: str, color: QColor) -> QPixmap | None:
        return self._get(key, lambda: _make_text_tile(text, color))

    def _get(self, key: str, make) -> QPixmap | None:
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        if key not in self._pending and key not in self._failed:
            self._pending.add(key)
            self._background.run(make, lambda image: self._store(key, image), lambda _exc: self._fail(key))
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

