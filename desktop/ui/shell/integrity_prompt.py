"""The start-up library check, in the window: it runs on the thread pool a moment after
start-up, says nothing when the library is intact, and otherwise reports what it found
and offers to repair it (nothing is deleted: items keep their prompts, stray files go to
lost+found)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from desktop.store import integrity
from desktop.store.changes import CHOICES, ITEMS, change

MAX_LISTED = 8


class IntegrityPrompt(QObject):
    checked = Signal(object)   # the IntegrityReport
    repaired = Signal()

    def __init__(self, services, window):
        super().__init__(window)
        self.services, self.window = services, window
        self.box: QMessageBox | None = None

    def start(self) -> None:
        store = self.services.store
        if store.opened.done() and store.opened.exception() is not None:
            return  # the library could not be opened: LibraryStatePrompt says why and what to do
        self.services.background.run(lambda: integrity.check(store), self._on_checked,
                                     lambda exc: self.window.statusBar().showMessage(
                                         f"The library check could not run: {exc}", 15000))

    def _on_checked(self, report) -> None:
        self.checked.emit(report)
        if report.clean:
            return
        listed = integrity.details(report, MAX_LISTED)
        box = QMessageBox(QMessageBox.Warning, "Library check", report.summary(), parent=self.window)
        box.setInformativeText("Repair keeps every item's prompt and settings (items whose file is gone are "
                               "marked failed), records finished items that were not yet recorded, moves stray "
                               "files to the lost+found folder and removes partly written files.")
        box.setDetailedText("\n".join(listed))
        self.repair_button = box.addButton("Repair", QMessageBox.AcceptRole)
        box.addButton("Not now", QMessageBox.RejectRole)
        box.buttonClicked.connect(lambda button: self._answered(button, report))
        self.box = box
        box.open()  # not modal to the app: work can go on

    def _answered(self, button, report) -> None:
        if button is self.repair_button:
            self.services.store.submit(lambda lib: integrity.repair(lib, report), lambda _r: self._done(),
                                       lambda exc: self.window.statusBar().showMessage(f"Repair failed: {exc}", 15000),
                                       change(ITEMS, CHOICES, source=self))

    def _done(self) -> None:
        self.window.statusBar().showMessage("The library was repaired.", 8000)
        self.repaired.emit()
