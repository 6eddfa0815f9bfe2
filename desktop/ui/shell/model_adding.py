"""The window's part in adding models: File › Add model file… / Add model folder…, drops of
model files and folders, and what a person is told — where each model went (status bar), or
why one was not added and what to do (one dialog, however many were refused at once).

Two menu items rather than one dialog: a native file dialog picks files or a folder, never
either, and Qt's own non-native dialog that could do both looks foreign on every desktop and
makes a folder hard to pick (double-clicking enters it). The routing and the checks run on the
thread pool (desktop/viewmodels/model_adding.py); nothing here reads a model."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPlainTextEdit, QTextEdit

from desktop.model_routing import AUDIO, IMAGE, TEXT, UPSCALER, VIDEO, looks_droppable
from desktop.viewmodels.model_adding import ModelAdder

FILE_FILTERS = ";;".join([
    "Models (*.gguf *.safetensors *.onnx)",
    "Language models (*.gguf)",
    "Checkpoints, upscalers and motion adapters (*.safetensors)",
    "Piper voices (*.onnx)",
    "All files (*)",
])
WHERE = {TEXT: "the Text and Code studios", IMAGE: "the Image studio", UPSCALER: "the Image studio's upscalers",
         AUDIO: "the Audio studio", VIDEO: "the Video studio"}
MESSAGE_MS = 10000
REFUSED_TITLE = "Model not added"


class ModelAdding(QObject):
    """Owned by the main window once its services are attached."""

    def __init__(self, window, services):
        super().__init__(window)
        self.window = window
        self.adder = ModelAdder(services.background, services.model_lists(), services.settings, self)
        self.adder.added.connect(self._on_added)
        self.adder.refused.connect(self._on_refused)
        self._announced = ""     # the status bar's text as this set it (to add to, not replace)
        self._refusals: list[str] = []

    # -- choosing ---------------------------------------------------------------------------

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self.window, "Add model files", "", FILE_FILTERS)
        if paths:
            self.adder.add(paths)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(
            self.window, "Add a model folder (diffusers, or a transformers voice or MusicGen model)")
        if path:
            self.adder.add([path])

    # -- dropping ---------------------------------------------------------------------------

    @staticmethod
    def dropped_paths(event) -> list[str]:
        """The local files and folders in a drag that may be models; anything else is left out."""
        return [path for url in event.mimeData().urls() if (path := url.toLocalFile()) and looks_droppable(path)]

    def watch_text_boxes(self) -> None:
        """A model dropped on a prompt or message box is a model, not text to insert: the boxes
        pass such drags to this (other drags, text and images, are theirs as before)."""
        for kind in (QPlainTextEdit, QTextEdit):
            for box in self.window.findChildren(kind):
                box.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        kind = event.type()
        if kind not in (QEvent.DragEnter, QEvent.DragMove, QEvent.Drop):
            return False
        urls = event.mimeData().urls()
        if not urls or len(self.dropped_paths(event)) != len(urls):
            return False
        if kind == QEvent.Drop:
            self.drop(event)
        else:
            event.acceptProposedAction()
        return True

    def drag_enter(self, event) -> None:
        if self.dropped_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop(self, event) -> None:
        paths = self.dropped_paths(event)
        if not paths:
            event.ignore()
            return
        self.adder.add(paths)
        event.acceptProposedAction()

    # -- telling ----------------------------------------------------------------------------

    def _on_added(self, studio: str, info) -> None:
        message = f"Added {info.name} to {WHERE[studio]}"
        bar = self.window.statusBar()
        if self._announced and bar.currentMessage() == self._announced:
            message = f"{self._announced} · {message}"  # several added at once: each one said
        self._announced = message
        bar.showMessage(message, MESSAGE_MS)

    def _on_refused(self, path: str, message: str) -> None:
        """One dialog at a time: refusals that come while it is open are shown together next."""
        self._refusals.append(f"{Path(path).name} was not added.\n\n{message}")
        if len(self._refusals) > 1:
            return  # the open dialog's loop shows it when that dialog closes
        while self._refusals:
            shown = len(self._refusals)
            QMessageBox.warning(self.window, REFUSED_TITLE, "\n\n".join(self._refusals[:shown]))
            del self._refusals[:shown]
