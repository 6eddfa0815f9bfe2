"""Drawing a waveform from its peaks: for the player's view (GUI thread) and for Library
tiles (painted on the thread pool, on a QImage)."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter


def peak_lines(rect: QRectF, peaks) -> list[QLineF]:
    """Mirrored bars around the middle line, one per pixel column of `rect`."""
    import numpy as np

    if peaks is None or len(peaks) == 0 or rect.width() < 1:
        return []
    columns = min(int(rect.width()), len(peaks))
    edges = np.linspace(0, len(peaks), columns + 1).astype(np.int64)[:-1]
    heights = np.maximum(np.maximum.reduceat(np.asarray(peaks), edges) * (rect.height() / 2 - 1), 0.5)
    step, middle = rect.width() / columns, rect.center().y()
    return [QLineF(rect.left() + i * step, middle - h, rect.left() + i * step, middle + h)
            for i, h in enumerate(heights.tolist())]


def draw_peaks(painter: QPainter, rect: QRectF, lines: list, played_color: QColor, rest_color: QColor,
               played_fraction: float = 0.0) -> None:
    painter.setPen(rest_color)
    painter.drawLines(lines)
    if played_fraction > 0:
        painter.save()
        painter.setClipRect(QRectF(rect.left(), rect.top(), rect.width() * played_fraction + 1, rect.height()))
        painter.setPen(played_color)
        painter.drawLines(lines)
        painter.restore()


def waveform_image(peaks, width: int, height: int, background: QColor, color: QColor) -> QImage:
    """A waveform tile (Library thumbnails); painting on a QImage is allowed off the GUI thread."""
    image = QImage(width, height, QImage.Format_RGB32)
    image.fill(background)
    painter = QPainter(image)
    rect = QRectF(8, 8, width - 16, height - 16)
    draw_peaks(painter, rect, peak_lines(rect, peaks), color, color)
    painter.end()
    return image
