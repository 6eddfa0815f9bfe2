"""One scene of a storyboard, editable: its title, image prompt and line of narration, the
thumbnail of its picture once made, what it has so far, and "make again" for each piece.
It holds no storyboard: the Story panel reads its text and tells it what was made."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QPushButton,
                               QSizePolicy, QVBoxLayout)

from desktop.ui.widgets.status_line import StatusLine

THUMB = 96
PIECE_BUTTONS = (("image", "Image"), ("clip", "Clip"), ("narration", "Voice"))


class SceneCard(QFrame):
    regenerate = Signal(int, str)   # scene index, piece
    edited = Signal(int)            # scene index: its text changed

    def __init__(self, index: int, title: str, image_prompt: str, narration: str, parent=None):
        super().__init__(parent)
        self.index = index
        self.setFrameShape(QFrame.StyledPanel)
        self.number = QLabel(f"{index + 1}.")
        self.title = QLineEdit(title)
        self.title.setPlaceholderText("Title")
        self.image_prompt = QPlainTextEdit(image_prompt)
        self.image_prompt.setPlaceholderText("What the scene's picture shows")
        self.image_prompt.setToolTip("The scene's image prompt; change it and make the image again")
        self.image_prompt.setFixedHeight(self.fontMetrics().lineSpacing() * 2 + 14)
        self.narration = QLineEdit(narration)
        self.narration.setPlaceholderText("The narrator's line")
        self.narration.setToolTip("What the narrator says over this scene; the scene lasts as long as the line")
        self.thumbnail = QLabel("No picture yet")
        self.thumbnail.setAlignment(Qt.AlignCenter)
        self.thumbnail.setWordWrap(True)
        self.thumbnail.setFixedSize(THUMB, THUMB)
        self.thumbnail.setStyleSheet("QLabel { border: 1px solid palette(mid); }")
        self.state = StatusLine()
        self.buttons = {}
        again = QHBoxLayout()
        again.setContentsMargins(0, 0, 0, 0)
        again.addWidget(QLabel("Again:"))
        for piece, label in PIECE_BUTTONS:
            button = QPushButton(label)
            button.setToolTip(f"Make this scene's {piece} again (with the text as it is now), then the final video")
            button.clicked.connect(lambda _checked=False, piece=piece: self.regenerate.emit(self.index, piece))
            self.buttons[piece] = button
            again.addWidget(button)
        again.addStretch(1)
        text = QVBoxLayout()
        text.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.number)
        head.addWidget(self.title, 1)
        text.addLayout(head)
        text.addWidget(self.image_prompt)
        text.addWidget(self.narration)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.addLayout(text, 0, 0)
        grid.addWidget(self.thumbnail, 0, 1, Qt.AlignTop)
        grid.addLayout(again, 1, 0)
        grid.addWidget(self.state, 1, 1)
        grid.setColumnStretch(0, 1)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        for box in (self.title, self.narration):
            box.textEdited.connect(lambda _text: self.edited.emit(self.index))
        self.image_prompt.textChanged.connect(lambda: self.edited.emit(self.index))

    def text(self) -> tuple[str, str, str]:
        """(title, image prompt, narration) as the person left them."""
        return (" ".join(self.title.text().split()), " ".join(self.image_prompt.toPlainText().split()),
                " ".join(self.narration.text().split()))

    def show_pieces(self, made: dict, clips: bool) -> None:
        """What the scene has (`made`: piece -> item id) and which pieces it can make again."""
        wanted = ("image", "clip", "narration") if clips else ("image", "narration")
        have = [p for p in wanted if made.get(p) is not None]
        self.state.setText("Done" if len(have) == len(wanted) else
                           ("Has " + ", ".join(have)) if have else "Not made yet")
        self.buttons["clip"].setVisible(clips)
        if made.get("image") is None:
            self.thumbnail.setPixmap(QPixmap())
            self.thumbnail.setText("No picture yet")

    def load_thumbnail(self, background, path) -> None:
        """The picture at `path`, read and scaled on the thread pool, then shown."""
        def load():  # off the GUI thread: a QImage, never a QPixmap
            image = QImage(str(path))
            return image if image.isNull() else image.scaled(THUMB, THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation)

        def show(image) -> None:
            if not image.isNull() and shiboken6.isValid(self):  # the card may be gone (other scenes written)
                self.show_thumbnail(image)

        background.run(load, show)

    def show_thumbnail(self, image) -> None:
        """`image`: a QImage (made off the GUI thread)."""
        pixmap = QPixmap.fromImage(image).scaled(THUMB - 2, THUMB - 2, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        self.thumbnail.setPixmap(pixmap)

    def set_busy(self, busy: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(not busy)
