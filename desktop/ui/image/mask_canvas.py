"""The image prompt: shows the dropped or pasted image and lets a person paint a mask over
it (brush, eraser, clear) for inpainting. Painted areas are shown in translucent red."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MASK_COLOR = QColor(255, 40, 40)  # painted opaque, shown translucent: overlapping strokes stay even
MASK_OPACITY = 0.55


class MaskCanvas(QWidget):
    mask_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumSize(200, 160)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.image: QImage | None = None
        self.mask: QImage | None = None
        self.brush_size = 32
        self.erasing = False
        self.painting_enabled = False
        self._last: QPointF | None = None

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.mask = None
        if image is not None:
            self.mask = QImage(image.size(), QImage.Format_ARGB32_Premultiplied)
            self.mask.fill(Qt.transparent)
        self.mask_changed.emit()
        self.update()

    def clear_mask(self) -> None:
        if self.mask is not None:
            self.mask.fill(Qt.transparent)
            self.mask_changed.emit()
            self.update()

    def has_mask(self) -> bool:
        if self.mask is None:
            return False
        # Cheap check on a small copy: any painted pixel?
        small = self.mask.scaled(64, 64, Qt.IgnoreAspectRatio, Qt.FastTransformation)
        return any(small.pixelColor(x, y).alpha() for y in range(64) for x in range(64))

    def mask_image(self) -> QImage | None:
        """The painted coverage at the image's size (Grayscale8: 0 = keep, >0 = repaint)."""
        if self.mask is None:
            return None
        alpha = self.mask.convertToFormat(QImage.Format_Alpha8)
        return QImage(alpha.constBits(), alpha.width(), alpha.height(), alpha.bytesPerLine(),
                      QImage.Format_Grayscale8).copy()

    # -- painting -----------------------------------------------------------------------

    def _target(self) -> QRect:
        if self.image is None:
            return QRect()
        size = self.image.size().scaled(self.size(), Qt.KeepAspectRatio)
        return QRect(QPoint((self.width() - size.width()) // 2, (self.height() - size.height()) // 2), size)

    def _to_image(self, pos: QPointF) -> QPointF:
        target = self._target()
        scale = self.image.width() / max(1, target.width())
        return QPointF((pos.x() - target.x()) * scale, (pos.y() - target.y()) * scale)

    def mousePressEvent(self, event) -> None:
        if self.painting_enabled and self.mask is not None and event.button() == Qt.LeftButton:
            self._last = self._to_image(event.position())
            self._stroke(self._last, self._last)

    def mouseMoveEvent(self, event) -> None:
        if self._last is not None:
            point = self._to_image(event.position())
            self._stroke(self._last, point)
            self._last = point

    def mouseReleaseEvent(self, _event) -> None:
        if self._last is not None:
            self._last = None
            self.mask_changed.emit()

    def _stroke(self, start: QPointF, end: QPointF) -> None:
        painter = QPainter(self.mask)
        painter.setRenderHint(QPainter.Antialiasing)
        if self.erasing:
            painter.setCompositionMode(QPainter.CompositionMode_Clear)
        scale = self.image.width() / max(1, self._target().width())
        painter.setPen(QPen(MASK_COLOR, self.brush_size * scale, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.drawLine(start, end)
        painter.end()
        self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        if self.image is None:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap,
                             "Drop an image here (or paste one with Ctrl+V)\nto use it as an image prompt")
            painter.setPen(QPen(self.palette().mid().color(), 1, Qt.DashLine))
            painter.drawRect(self.rect().adjusted(2, 2, -3, -3))
            return
        target = self._target()
        painter.drawImage(target, self.image)
        if self.mask is not None:
            painter.setOpacity(MASK_OPACITY)
            painter.drawImage(target, self.mask)
