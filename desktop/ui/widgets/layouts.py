"""Small layout helpers shared by forms."""

from PySide6.QtWidgets import QWidget


def as_widget(layout) -> QWidget:
    """A layout wrapped in a margin-less widget, to sit in a form row."""
    widget = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    widget.setLayout(layout)
    return widget
