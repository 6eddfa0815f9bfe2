"""The Image studio's image prompt coming in: a file or picture dropped, pasted or handed over
from another studio, decoded off the GUI thread, with the settings it carries offered and the
source it came from kept for the images made from it (core/lineage.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from desktop.core import lineage
from desktop.ui.widgets.image_drags import accept_image_drag
from desktop.ui.widgets.pil_qt import pil_to_qimage, qimage_to_pil


def _load_dropped(path: str):
    """Off the GUI thread: decode the image, read any settings it carries, make a QImage."""
    from desktop.core.image.image_files import open_image
    from desktop.core.image.image_metadata import read_settings

    image = open_image(path)
    try:
        settings = read_settings(path)
    except Exception:  # noqa: BLE001 - unreadable metadata is simply none
        settings = None
    return path, image, pil_to_qimage(image), settings


class ImagePromptInput:
    """Mixed into the Image panel: needs its services, canvas, settings bar, status and form."""

    def dragEnterEvent(self, event) -> None:
        accept_image_drag(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        if files:
            self.load_image_file(files[0])
        elif mime.hasImage():
            self._use_qimage(QImage(mime.imageData()))
        event.acceptProposedAction()

    def load_image_file(self, path: str) -> None:
        """Decode off the GUI thread; a bad file gets a message and changes nothing."""
        self.status.setText(f"Reading {Path(path).name}…")
        self.services.background.run(lambda: _load_dropped(path), self._on_image_loaded,
                                     lambda exc: (self.show_error(str(exc)), self.status.setText("")))

    def paste_image(self) -> None:
        from PySide6.QtGui import QGuiApplication

        clipboard = QGuiApplication.clipboard()
        if clipboard.mimeData().hasImage():
            self._use_qimage(clipboard.image())
        elif clipboard.mimeData().hasUrls():
            self.load_image_file(clipboard.mimeData().urls()[0].toLocalFile())
        else:
            self.show_error("The clipboard holds no image.")

    def _use_qimage(self, qimage: QImage) -> None:
        from desktop.core.image.image_files import MAX_PIXELS

        if qimage.isNull():
            self.show_error("That is not an image Atelier can read.")
            return
        if qimage.width() * qimage.height() > MAX_PIXELS:
            self.show_error(f"That image is {qimage.width()}×{qimage.height()} pixels, too large for an "
                            f"image prompt (limit {MAX_PIXELS // 1_000_000} megapixels). Downscale it first.")
            return
        self.services.background.run(lambda: (None, qimage_to_pil(qimage), qimage.copy(), None),
                                     self._on_image_loaded, lambda exc: self.show_error(str(exc)))

    def take_image_prompt(self, path: str, source: lineage.Source) -> None:
        """A hand-off: `path` becomes the image prompt, and images made from it link to `source`."""
        self._handed[path] = source
        self.load_image_file(path)

    def _on_image_loaded(self, loaded) -> None:
        path, image, qimage, settings = loaded
        self.show_error("")
        self.status.setText("")
        self.set_init_image(image, qimage)
        self.init_source = (self._handed.pop(path, None) or lineage.Source(lineage.IMAGE_PROMPT, path=str(Path(path).resolve()))
                            if path else None)  # a pasted picture has no file to link
        self.found_settings = settings if settings is not None and not settings.is_empty() else None
        if self.found_settings is not None:
            s = self.found_settings
            summary = f"“{s.prompt[:80]}”" + (f", seed {s.seed}" if s.seed is not None else "") + \
                      (f", {s.steps} steps" if s.steps else "") + (f", {s.width}×{s.height}" if s.width else "")
            self.settings_text.setText(f"This image carries {s.source} settings: {summary}")
        self.settings_bar.setVisible(self.found_settings is not None)

    def set_init_image(self, image, qimage) -> None:
        self.init_image = image
        self.init_source = None
        self.canvas.set_image(qimage)
        if image is None:
            self.settings_bar.hide()
            self.paint_mask.setChecked(False)
        self._say_prompt_size()
        self._update_state()
