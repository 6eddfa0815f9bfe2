"""What the window says about the library itself once it is opened (on the writer thread):
a damaged database — offered to be set aside and started fresh, files adopted back; a
read-only folder — said once, the window stays usable for browsing and export; any other
failure — named, with what to do. Every box is non-blocking, so start-up never waits on a
person (and `--startup-report` never hangs)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from desktop.store.rebuild import DamagedLibraryError
from desktop.workers.relay import CallbackRelay


class LibraryStatePrompt(QObject):
    rebuilt = Signal(object)   # the RebuildReport, after the person agreed and it ran

    def __init__(self, services, window):
        super().__init__(window)
        self.services, self.window = services, window
        self.box: QMessageBox | None = None
        self.rebuild_button = None
        self._relay = CallbackRelay(self)
        services.store.opened.add_done_callback(self._opened)

    def _opened(self, future) -> None:
        # Runs on the writer thread: only hand the outcome to the GUI thread.
        exc = future.exception()
        if isinstance(exc, DamagedLibraryError):
            self._relay.post(self._offer_rebuild, str(exc))
        elif exc is not None:
            self._relay.post(self._show, "Library unavailable", str(exc))
        elif self.services.store.read_only:
            self._relay.post(self._show_read_only, self.services.store.read_only_note())

    def _show(self, title: str, message: str) -> QMessageBox:
        self.box = QMessageBox(QMessageBox.Critical, title, message, parent=self.window)
        self.box.open()
        return self.box

    def _show_read_only(self, note: str) -> None:
        self.window.statusBar().showMessage("Read-only library: browsing, search and export only", 0)
        box = self._show("Read-only library", note)
        box.setIcon(QMessageBox.Information)

    def _offer_rebuild(self, message: str) -> None:
        box = QMessageBox(QMessageBox.Warning, "Library damaged", message, parent=self.window)
        self.rebuild_button = box.addButton("Set aside and start fresh", QMessageBox.AcceptRole)
        box.addButton("Not now", QMessageBox.RejectRole)
        box.buttonClicked.connect(self._answered)
        self.box = box
        box.open()

    def _answered(self, button) -> None:
        if button is self.rebuild_button:
            self.window.statusBar().showMessage("Setting the damaged library aside and bringing your files back…")
            self.services.store.rebuild(self._done, lambda exc: self._show("Library not rebuilt", str(exc)))

    def _done(self, report) -> None:
        self.window.statusBar().showMessage(report.summary(), 15000)
        self.rebuilt.emit(report)
