"""The Image studio's image prompt: the dropped or pasted image (with a mask painted over it for
inpainting), how far the result may leave it, and a line saying when it will be resized to
the size being generated — and to what — with a link to generate at its own size instead."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QRadioButton,
                               QSlider, QVBoxLayout)

from desktop.core.image.image_request import MAX_SIDE, MIN_SIDE
from desktop.ui.image.mask_canvas import MaskCanvas


def fitted_size(width: int, height: int) -> tuple[int, int]:
    """An image's own size, its shape kept, brought inside the sizes a model is asked for
    (each side a multiple of 8, at most MAX_SIDE, at least MIN_SIDE)."""
    scale = min(1.0, MAX_SIDE / max(width, height, 1))
    return tuple(min(MAX_SIDE, max(MIN_SIDE, round(side * scale / 8) * 8)) for side in (width, height))


class ImagePromptBox(QGroupBox):
    use_image_size = Signal(int, int)  # the size to generate at, from the image's own
    changed = Signal()                 # something that enables or disables a control

    def __init__(self, parent=None):
        super().__init__("Image prompt", parent)
        self.canvas = MaskCanvas()
        self.strength = QSlider(Qt.Horizontal)
        self.strength.setRange(1, 100)
        self.strength.setValue(75)
        self.strength_label = QLabel("Strength 0.75")
        self.size_note = QLabel()
        self.size_note.setWordWrap(True)
        self.size_note.hide()
        self.paint_mask = QCheckBox("Paint a mask (inpaint)")
        self.brush = QRadioButton("Brush")
        self.eraser = QRadioButton("Eraser")
        self.brush.setChecked(True)
        tools = QButtonGroup(self)
        tools.addButton(self.brush)
        tools.addButton(self.eraser)
        self.brush_size = QSlider(Qt.Horizontal)
        self.brush_size.setRange(4, 128)
        self.brush_size.setValue(32)
        self.clear_mask_button = QPushButton("Clear mask")
        self.remove_image_button = QPushButton("Remove image")

        column = QVBoxLayout(self)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.size_note)
        row = QHBoxLayout()
        row.addWidget(self.strength_label)
        row.addWidget(self.strength, 1)
        column.addLayout(row)
        # Two short rows rather than one long one: the column stays narrow enough for 900×600.
        row = QHBoxLayout()
        row.addWidget(self.paint_mask)
        row.addStretch(1)
        row.addWidget(self.remove_image_button)
        column.addLayout(row)
        row = QHBoxLayout()
        for widget in (self.brush, self.eraser):
            row.addWidget(widget)
        row.addWidget(QLabel("Size"))
        row.addWidget(self.brush_size, 1)
        row.addWidget(self.clear_mask_button)
        column.addLayout(row)

        self.strength.valueChanged.connect(lambda v: self.strength_label.setText(f"Strength {v / 100:.2f}"))
        self.paint_mask.toggled.connect(self.changed)
        self.eraser.toggled.connect(lambda on: setattr(self.canvas, "erasing", on))
        self.brush_size.valueChanged.connect(lambda v: setattr(self.canvas, "brush_size", v))
        self.clear_mask_button.clicked.connect(self.canvas.clear_mask)
        self.size_note.linkActivated.connect(lambda _link: self.use_image_size.emit(*self._own_size))
        self._own_size = (0, 0)

    def update_state(self, has_image: bool) -> None:
        for widget in (self.strength, self.paint_mask, self.remove_image_button):
            widget.setEnabled(has_image)
        masking = has_image and self.paint_mask.isChecked()
        for widget in (self.brush, self.eraser, self.brush_size, self.clear_mask_button):
            widget.setEnabled(masking)
        self.canvas.painting_enabled = masking

    def say_size(self, image_size: tuple[int, int] | None, target: tuple[int, int], fitted: tuple[int, int]) -> None:
        """`image_size` (None: no image) against the `target` being generated; `fitted` is the
        image's own size brought inside the model's limits (a multiple of 8), offered as a link."""
        self._own_size = fitted
        if image_size is None or tuple(image_size) == tuple(target):
            self.size_note.hide()
            return
        (w, h), (tw, th) = image_size, target
        offer = "" if tuple(fitted) == tuple(target) else (
            f" <a href='size'>Generate at {fitted[0]}×{fitted[1]}</a> instead.")
        self.size_note.setText(f"The image is {w}×{h}: it will be resized to {tw}×{th} to generate.{offer}")
        self.size_note.show()
