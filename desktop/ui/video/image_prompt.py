"""The Video studio's image prompt: the image to animate, dropped or pasted onto the panel,
decoded off the GUI thread (like the Image studio's), shown small, removable."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton

from desktop.core import lineage
from desktop.ui.widgets.pil_qt import pil_to_qimage, qimage_to_pil

EMPTY = "Drop or paste an image here to animate it"


def _load_image(path: str):
    """Off the GUI thread: decode the file (refused when too large) and a QImage of it."""
    from desktop.core.image.image_files import open_image

    image = open_image(path)
    return image, pil_to_qimage(image)


class ImagePromptBox(QGroupBox):
    changed = Signal()        # an image was set or removed
    failed = Signal(str)      # a message for a person: the image was not taken
    reading = Signal(str)     # the file being read

    def __init__(self, background, parent=None):
        super().__init__("Image prompt", parent)
        self.background = background
        self.image = None  # PIL RGB image to animate
        self.source = None  # lineage.Source of that image, when it came from a file
        self.view = QLabel(EMPTY)
        self.view.setAlignment(Qt.AlignCenter)
        self.view.setMinimumHeight(72)
        self.view.setWordWrap(True)
        self.remove_button = QPushButton("Remove image")
        self.remove_button.setEnabled(False)
        row = QHBoxLayout(self)
        row.addWidget(self.view, 1)
        row.addWidget(self.remove_button)
        self.remove_button.clicked.connect(lambda: self.set_image(None, None))

    def take_drop(self, mime) -> None:
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        if files:
            self.load_file(files[0])
        elif mime.hasImage():
            self.take_qimage(QImage(mime.imageData()))

    def load_file(self, path: str, source=None) -> None:
        """Decode off the GUI thread; a bad file gets a message and changes nothing. `source`
        (lineage.Source): what clips made from the image link to; by default the file itself,
        matched to its library item when it is one."""
        source = source or lineage.Source(lineage.ANIMATE, path=str(Path(path).resolve()))
        self.reading.emit(Path(path).name)
        self.background.run(lambda: _load_image(path), lambda loaded: self.set_image(*loaded, source=source),
                            lambda exc: self.failed.emit(str(exc)))

    def paste(self) -> None:
        from PySide6.QtGui import QGuiApplication

        clipboard = QGuiApplication.clipboard()
        if clipboard.mimeData().hasImage():
            self.take_qimage(clipboard.image())
        elif clipboard.mimeData().hasUrls():
            self.load_file(clipboard.mimeData().urls()[0].toLocalFile())
        else:
            self.failed.emit("The clipboard holds no image.")

    def take_qimage(self, qimage: QImage) -> None:
        from desktop.core.image.image_files import MAX_PIXELS

        if qimage.isNull() or qimage.width() * qimage.height() > MAX_PIXELS:
            self.failed.emit("That is not an image Atelier can animate (unreadable, or over "
                             f"{MAX_PIXELS // 1_000_000} megapixels).")
            return
        copy = qimage.copy()
        self.background.run(lambda: qimage_to_pil(copy), lambda image: self.set_image(image, copy),
                            lambda exc: self.failed.emit(str(exc)))

    def set_image(self, image, qimage, source=None) -> None:
        self.image = image
        self.source = source if image is not None else None
        if qimage is None:
            self.view.clear()
            self.view.setText(EMPTY)
        else:
            self.view.setPixmap(QPixmap.fromImage(qimage).scaled(160, 96, Qt.KeepAspectRatio,
                                                                 Qt.SmoothTransformation))
        self.remove_button.setEnabled(image is not None)
        self.changed.emit()
