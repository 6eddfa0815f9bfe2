"""A studio's error, shown over the edge of the part it concerns rather than in the layout.

An error label in a layout pushed everything below it down when it appeared (the Code
studio's buttons, the Audio studio's Speak, the Image studio's Generate moved between a
person's look and their click). This one floats: it lies over the top (or bottom) edge of
its anchor widget, as wide as the anchor, wraps its text, and goes when the person clicks
it, or when the studio clears it. It is a QLabel, so `setText` / `setVisible` / `text()`
work as on the label it replaces (JobPanel.show_error)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QWidget

MARGIN = 6


class ErrorOverlay(QLabel):
    def __init__(self, anchor: QWidget, at_bottom: bool = False):
        super().__init__(anchor)
        self.anchor, self.at_bottom = anchor, at_bottom
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.setObjectName("errorOverlay")
        self.setStyleSheet("QLabel#errorOverlay { color: #ffffff; background: #c9302c; border-radius: 4px;"
                           " padding: 6px 8px; }")
        self.setToolTip("Click to dismiss")
        self.setCursor(Qt.PointingHandCursor)
        anchor.installEventFilter(self)
        self.hide()

    def setText(self, text: str) -> None:
        super().setText(text)
        self._place()

    def setVisible(self, visible: bool) -> None:
        super().setVisible(visible)
        if visible:
            self._place()
            self.raise_()

    def mouseReleaseEvent(self, event) -> None:
        if not self.hasSelectedText():
            self.hide()
        super().mouseReleaseEvent(event)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.anchor and event.type() in (QEvent.Resize, QEvent.Move, QEvent.Show):
            self._place()
        return False

    def _place(self) -> None:
        width = max(80, self.anchor.width() - 2 * MARGIN)
        height = min(self.heightForWidth(width), max(40, self.anchor.height() - 2 * MARGIN))
        y = self.anchor.height() - height - MARGIN if self.at_bottom else MARGIN
        self.setGeometry(MARGIN, y, width, height)
