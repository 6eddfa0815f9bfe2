"""Saving and importing galleries from the Library panel: the work runs on its own
thread pool with a progress window that can cancel it; the GUI stays free meanwhile."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog

from desktop.core.errors import Cancelled
from desktop.core.error_text import describe
from desktop.store.changes import CHOICES, CONVERSATIONS, ITEMS, change
from desktop.workers.background import Background
from desktop.workers.relay import CallbackRelay

ZIP_FILTER, FOLDER_FILTER = "Zip archive (*.zip)", "Folder"


class GalleryTransfer(QObject):
    finished = Signal(str)   # what happened, for the status line
    failed = Signal(str)     # a message a person can act on

    def __init__(self, services, parent_widget):
        super().__init__(parent_widget)
        self.services = services
        self.parent_widget = parent_widget
        pool = QThreadPool(self)
        pool.setMaxThreadCount(1)  # one transfer at a time; thumbnails keep the shared pool
        self._background = Background(self, pool)
        self._relay = CallbackRelay(self)
        self.dialog: QProgressDialog | None = None
        self._cancel = threading.Event()

    # -- export ---------------------------------------------------------------------------

    def ask_export(self, ids: list[int] | None = None, collection: str | None = None) -> None:
        if ids is not None and not ids:
            self.failed.emit("Select the items to save first (Ctrl+A selects everything shown).")
            return
        suggested = str(Path.home() / f"{collection or 'Atelier gallery'}.zip")
        path, chosen = QFileDialog.getSaveFileName(self.parent_widget, "Save gallery", suggested,
                                                   f"{ZIP_FILTER};;{FOLDER_FILTER}")
        if path:
            fmt = "zip" if chosen == ZIP_FILTER or path.lower().endswith(".zip") else "folder"
            if fmt == "zip" and not path.lower().endswith(".zip"):
                path += ".zip"
            self.export(Path(path), fmt, ids, collection)

    def export(self, out: Path, fmt: str, ids: list[int] | None = None, collection: str | None = None) -> None:
        from desktop.store.gallery_export import collect, export_gallery

        store, title = self.services.store, collection or "Atelier gallery"

        def write(entries, progress, cancel):
            result = export_gallery(store, out, entries, fmt, title, progress, cancel)
            return f"Saved {result.items} item(s) to {result.path}."

        self.services.store.submit(lambda lib: collect(lib, ids, collection),
                                   lambda entries: self._run("Saving the gallery…", lambda p, c: write(entries, p, c),
                                                             cancelled="Export cancelled; nothing was written."),
                                   lambda exc: self.failed.emit(describe(exc)))

    # -- import ---------------------------------------------------------------------------

    def ask_import(self, folder: bool = False) -> None:
        if folder:
            path = QFileDialog.getExistingDirectory(self.parent_widget, "Import a gallery folder")
        else:
            path, _ = QFileDialog.getOpenFileName(self.parent_widget, "Import a gallery", str(Path.home()),
                                                  f"{ZIP_FILTER};;All files (*)")
        if not path:
            return
        merge = self.ask_merge()
        if merge is not None:
            self.import_(Path(path), merge)

    def ask_merge(self) -> bool | None:
        """What to do with items the Library already has: leave them (the default), merge the
        gallery's tags, collections, favourite and rating into them, or not import (None)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Import a gallery",
                          "Items of this gallery that are already in the Library:", parent=self.parent_widget)
        box.setInformativeText("Leave them as they are, or add the gallery's tags, collections and favourite "
                               "marks to them (and its rating where they have none)?")
        leave = box.addButton("Leave as they are", QMessageBox.ButtonRole.AcceptRole)
        merge = box.addButton("Merge", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(leave)
        box.exec()
        clicked = box.clickedButton()
        return False if clicked == leave else True if clicked == merge else None

    def import_(self, path: Path, merge: bool = False) -> None:
        from desktop.store.gallery_import import import_gallery

        store = self.services.store

        def read(progress, cancel):
            result = import_gallery(store, path, progress, cancel, merge=merge)
            merged = " Their tags, collections and marks were merged." if merge and result.duplicates else ""
            return f"Imported {result.imported} item(s); {result.duplicates} were already in the Library.{merged}"

        self._run(f"Importing {path.name}…", read, imported=True,
                  cancelled="Import cancelled; the items imported before it stay in the Library.")

    # -- running one transfer -------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.dialog is not None

    def _run(self, label: str, work, cancelled: str, imported: bool = False) -> None:
        if self.busy:
            self.failed.emit("A gallery is already being saved or imported; wait for it to finish.")
            return
        cancel = self._cancel = threading.Event()
        dialog = QProgressDialog(label, "Cancel", 0, 0, self.parent_widget)
        dialog.setWindowTitle("Atelier")
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(cancel.set)
        self.dialog = dialog

        def progress(done: int, total: int) -> None:  # on the transfer thread
            self._relay.post(self._show_progress, (done, total))

        def done(message: str) -> None:
            self._close()
            if imported:
                self._announce_import()
            self.finished.emit(message)

        def error(exc: BaseException) -> None:
            self._close()
            if imported:
                self._announce_import()  # items before the failure are in the library
            if isinstance(exc, Cancelled):
                self.finished.emit(cancelled)
            else:
                self.failed.emit(describe(exc))

        self._background.run(lambda: work(progress, cancel), done, error)

    def _announce_import(self) -> None:
        """Imported items, tags, collections and conversations may be new: every view hears it."""
        self.services.store.announce(change(ITEMS, CHOICES, CONVERSATIONS, source=self))

    def _show_progress(self, counts) -> None:
        if self.dialog is not None:
            done, total = counts
            self.dialog.setMaximum(total)
            self.dialog.setValue(done)
            self.dialog.setLabelText(f"{self.dialog.labelText().split(' (')[0]} ({done} of {total})")

    def _close(self) -> None:
        if self.dialog is not None:
            self.dialog.canceled.disconnect()
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def shutdown(self) -> None:
        """On quit: stop a running transfer (it cleans up after itself) and wait for it."""
        self._cancel.set()
        self._background.wait(30000)
