"""A waveform drawn from precomputed peaks (made on the thread pool), with the played part
in the highlight colour and a playhead; click or drag to seek."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from desktop.viewmodels.waveform_drawing import draw_peaks, peak_lines

PEAK_COLUMNS = 1200   # enough for a wide window; the view resamples to its width


class WaveformView(QWidget):
    seek_requested = Signal(float)   # seconds

    def __init__(self, parent=None):
        super().__init__(parent)
        self.peaks = None
        self.duration_s = 0.0
        self.position_s = 0.0
        self.message = "No audio yet"
        self._lines: tuple[tuple, list] = ((), [])   # cached for one size
        self.setMinimumHeight(130)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setCursor(Qt.PointingHandCursor)

    def set_waveform(self, peaks, duration_s: float) -> None:
        self.peaks, self.duration_s, self.position_s = peaks, duration_s, 0.0
        self._lines = ((), [])
        self.message = "" if peaks is not None and len(peaks) else "Silent"
        self.update()

    def set_message(self, message: str) -> None:
        self.peaks, self.message = None, message
        self.update()

    def set_position(self, seconds: float) -> None:
        self.position_s = seconds
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.Base))
        if self.peaks is None or not len(self.peaks):
            painter.setPen(palette.color(QPalette.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignCenter, self.message)
            return
        fraction = self.position_s / self.duration_s if self.duration_s else 0.0
        played, rest = palette.color(QPalette.Highlight), palette.color(QPalette.Mid)
        rect = QRectF(self.rect()).adjusted(4, 6, -4, -6)
        if self._lines[0] != (rect.width(), rect.height()):
            self._lines = ((rect.width(), rect.height()), peak_lines(rect, self.peaks))
        draw_peaks(painter, rect, self._lines[1], played, rest, fraction)
        x = 4 + fraction * (self.width() - 8)
        painter.setPen(palette.color(QPalette.Text))
        painter.drawLine(QPointF(x, 2), QPointF(x, self.height() - 2))

    def mousePressEvent(self, event) -> None:
        self._seek(event.position().x())

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.LeftButton:
            self._seek(event.position().x())

    def _seek(self, x: float) -> None:
        if self.duration_s > 0 and self.peaks is not None:
            fraction = min(1.0, max(0.0, (x - 4) / max(1.0, self.width() - 8)))
            self.seek_requested.emit(fraction * self.duration_s)
