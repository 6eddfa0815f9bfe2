"""A one-line status that never moves the layout around it.

A plain QLabel asks for the width of its whole text: a long status ("120 tokens · 12.3 tok/s
· seed … · reached max tokens") or a token count growing while a reply streams pushed the
buttons beside it and the splitter's columns. This line keeps one text line of height
whether empty or not, takes the width it is given, elides what does not fit and gives the
whole text in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy


class StatusLine(QLabel):
    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setTextFormat(Qt.PlainText)

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text if self.fontMetrics().horizontalAdvance(text) > self.width() else "")

    def sizeHint(self) -> QSize:
        # Not the text's width: a splitter would hand a growing status's column more room.
        return QSize(self.fontMetrics().averageCharWidth() * 20, self.fontMetrics().height() + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.fontMetrics().height() + 2)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.setToolTip(self.text() if self.fontMetrics().horizontalAdvance(self.text()) > self.width() else "")

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        shown = self.fontMetrics().elidedText(self.text(), Qt.ElideRight, self.contentsRect().width())
        painter.drawText(self.contentsRect(), int(self.alignment()) | Qt.TextSingleLine, shown)
