"""The Image studio's upscale row: the upscaler picker, ×2 / ×4, and a note line under them.

The buttons are enabled only when an upscale can run — an upscaler chosen and an image in
the results strip — and their tooltip says what is missing otherwise; an upscale's error is
said on the note line here, next to the buttons that caused it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop.ui.widgets.model_picker import ModelPicker

NO_UPSCALER = ("No upscaler yet: get Real-ESRGAN from Models › Catalog, or add its .safetensors "
               "with File › Add model file…")
NO_IMAGE = "Generate an image first (or pick one in the strip): the upscaler enlarges it."


class UpscaleBar(QWidget):
    upscale_requested = Signal(int)  # the factor

    def __init__(self, upscalers, remembered: str, parent=None):
        super().__init__(parent)
        self.picker = ModelPicker(upscalers, remembered)
        self.picker.say_missing("No upscaler yet", NO_UPSCALER)
        self.buttons = {factor: QPushButton(f"Upscale ×{factor}") for factor in (2, 4)}
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #d9534f")
        self.note.hide()
        row = QHBoxLayout()
        row.addWidget(QLabel("Upscaler"))
        row.addWidget(self.picker, 1)
        for factor, button in self.buttons.items():
            row.addWidget(button)
            button.clicked.connect(lambda _=False, f=factor: self.upscale_requested.emit(f))
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(row)
        column.addWidget(self.note)

    def update_state(self, busy: bool, has_image: bool) -> None:
        missing = NO_UPSCALER if self.picker.current() is None else "" if has_image else NO_IMAGE
        for factor, button in self.buttons.items():
            button.setEnabled(not busy and not missing)
            button.setToolTip(missing or f"Enlarge the selected image (or the newest) {factor} times with "
                                         f"{self.picker.current().name}; the result is a new Library item")

    def say(self, message: str) -> None:
        self.note.setText(message)
        self.note.setVisible(bool(message))
