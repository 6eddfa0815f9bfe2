"""An image you can zoom (wheel, around the cursor), pan (drag) and fit to the window;
two views can follow each other for a side-by-side comparison."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView

ZOOM_STEP = 1.25
MIN_SCALE, MAX_SCALE = 0.02, 32.0


class ImageView(QGraphicsView):
    view_changed = Signal()  # zoom or scroll position changed by the user

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.SmoothTransformation)
        self.scene().addItem(self._item)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setRenderHint(QPainter.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor(48, 48, 48))  # a neutral backdrop, as image viewers use
        self.fitting = True  # keeps fitting on resize until the user zooms
        self._following = False
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.valueChanged.connect(self._user_moved)

    def set_image(self, image: QImage | QPixmap) -> None:
        pixmap = image if isinstance(image, QPixmap) else QPixmap.fromImage(image)
        self._item.setPixmap(pixmap)
        self.scene().setSceneRect(self._item.boundingRect())
        self.fit()

    def has_image(self) -> bool:
        return not self._item.pixmap().isNull()

    def scale_factor(self) -> float:
        return self.transform().m11()

    def fit(self) -> None:
        self.fitting = True
        if self.has_image():
            self.fitInView(self._item, Qt.KeepAspectRatio)
        self.view_changed.emit()

    def actual_size(self) -> None:
        self.fitting = False
        self.resetTransform()
        self.view_changed.emit()

    def zoom(self, factor: float) -> None:
        target = min(MAX_SCALE, max(MIN_SCALE, self.scale_factor() * factor))
        self.fitting = False
        self.scale(target / self.scale_factor(), target / self.scale_factor())
        self.view_changed.emit()

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(ZOOM_STEP ** steps)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fitting:
            self.fit()

    def mouseDoubleClickEvent(self, event) -> None:
        self.actual_size() if self.fitting else self.fit()

    # -- following another view (compare) ----------------------------------------------------

    def follow(self, other: "ImageView") -> None:
        other.view_changed.connect(lambda: self._copy_view(other))

    def _copy_view(self, other: "ImageView") -> None:
        if self._following:
            return
        self._following = True  # the copy must not bounce back
        try:
            self.fitting = other.fitting
            self.setTransform(other.transform())
            self.horizontalScrollBar().setValue(other.horizontalScrollBar().value())
            self.verticalScrollBar().setValue(other.verticalScrollBar().value())
        finally:
            self._following = False

    def _user_moved(self, _value: int) -> None:
        if not self._following:
            self.view_changed.emit()
