"""Small layout helpers shared by forms."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QWidget


def as_widget(layout) -> QWidget:
    """A layout wrapped in a margin-less widget, to sit in a form row."""
    widget = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    widget.setLayout(layout)
    return widget


def scrolling(page: QWidget) -> QScrollArea:
    """A settings column that scrolls up and down in a short window instead of squeezing its
    fields until their text is cut (never sideways: the column's width follows the splitter)."""
    scroll = QScrollArea()
    scroll.setWidget(page)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    return scroll
