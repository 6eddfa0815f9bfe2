"""What the Library does to selected items: favourite, rate, tag, collect, delete to the
trash (with undo), restore, empty the trash. Every change runs on the store's thread;
then the grid reloads, or, when the change cannot move items in or out of it, the shown
items are patched in place."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QMessageBox

from desktop.store import trash
from desktop.store.changes import CHOICES, ITEMS, change


class LibraryActions:
    """Mixed into LibraryPanel: uses its services, model, filters, collections, query(),
    selected_ids(), reload(), show_status(), undo_stack and undo_button."""

    def _change(self, fn, message: str = "", reload_choices: bool = False, regrid: bool = True,
                patch: dict | None = None, ids: list[int] = ()) -> None:
        """Run fn on the store; then reload the grid only when the change can move items in or
        out of it (`regrid`), otherwise patch the shown items in place so the scroll stays."""
        def done(_result) -> None:
            if message:
                self.show_status(message)
            if regrid:
                self.reload(choices=reload_choices)
                return
            if patch:
                self.model.patch(set(ids), **patch)
            self.reload(choices=reload_choices, grid=False)
        what = (ITEMS,) if regrid else ()
        self.services.store.submit(fn, done, lambda exc: self.show_status(str(exc), error=True),
                                   change(*what, CHOICES, ids=ids, source=self))

    # -- curation ------------------------------------------------------------------------

    def set_favorite(self, on: bool) -> None:
        ids = self.selected_ids()
        self._change(lambda lib: lib.items.set_favorite(ids, on), regrid=self.filters.favorites.isChecked(),
                     patch={"favorite": bool(on)}, ids=ids)

    def set_rating(self, stars: int | None) -> None:
        ids, query = self.selected_ids(), self.query()
        self._change(lambda lib: lib.items.set_rating(ids, stars or None),
                     regrid=query.min_rating is not None or query.sort == "rating",
                     patch={"rating": stars or None}, ids=ids)

    def add_tag(self, name: str) -> None:
        ids, name = self.selected_ids(), " ".join(name.split())
        if ids and name:
            self._change(lambda lib: lib.items.add_tag(ids, name), f"Tagged {len(ids)} item(s) “{name}”.", True,
                         regrid=bool(self.query().tag))

    def remove_tag(self, name: str) -> None:
        ids = self.selected_ids()
        self._change(lambda lib: lib.items.remove_tag(ids, name), f"Removed the tag “{name}”.", True,
                     regrid=bool(self.query().tag))

    def ask_tag(self) -> None:
        name, ok = QInputDialog.getText(self, "Add a tag", f"Tag for {len(self.selected_ids())} item(s):")
        if ok:
            self.add_tag(name)

    def add_to_collection(self, collection_id: int, ids: list[int] | None = None) -> None:
        ids = self.selected_ids() if ids is None else ids
        name = self.collections.collection_names().get(collection_id, "the collection")
        self._change(lambda lib: lib.items.add_to_collection(collection_id, ids),
                     f"Added {len(ids)} item(s) to {name}.", True,
                     regrid=self.collections.collection_id() == collection_id)

    def add_to_new_collection(self) -> None:
        ids = self.selected_ids()
        name, ok = QInputDialog.getText(self, "New collection", f"Collect {len(ids)} item(s) in a new collection:")
        if ok and name.strip():
            self._change(lambda lib: lib.items.add_to_collection(lib.items.create_collection(name), ids),
                         f"Created {' '.join(name.split())} with {len(ids)} item(s).", True, regrid=False)

    def remove_from_collection(self) -> None:
        ids, cid = self.selected_ids(), self.collections.collection_id()
        if cid is not None:
            self._change(lambda lib: lib.items.remove_from_collection(cid, ids),
                         f"Removed {len(ids)} item(s) from the collection (they stay in the Library).", True)

    def create_collection(self, name: str) -> None:
        self._change(lambda lib: lib.items.create_collection(name), f"Created the collection {name}.", True,
                     regrid=False)

    def rename_collection(self, cid: int, name: str) -> None:
        self._change(lambda lib: lib.items.rename_collection(cid, name), "", True, regrid=False)

    def delete_collection(self, cid: int) -> None:
        self._change(lambda lib: lib.items.delete_collection(cid), "Collection deleted; its items stay.", True)

    # -- delete, undo, trash ---------------------------------------------------------------

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        if self.collections.in_trash():
            self.delete_forever(ids)
            return
        answer = QMessageBox.question(
            self, "Delete", f"Move {len(ids)} item(s) and their files to the trash?\n\n"
                            "You can undo this (Ctrl+Z) or restore them from the Trash until it is emptied.")
        if answer == QMessageBox.Yes:
            self.undo_stack.append(ids)
            self._change(lambda lib: trash.move_to_trash(lib, ids),
                         f"Moved {len(ids)} item(s) to the trash. Ctrl+Z or Undo brings them back.")
            self.undo_button.setEnabled(True)
            self.undo_button.setVisible(True)

    def undo_delete(self) -> None:
        if not self.undo_stack:
            return
        ids = self.undo_stack.pop()
        self.undo_button.setEnabled(bool(self.undo_stack))
        self._change(lambda lib: trash.restore(lib, ids), f"Restored {len(ids)} item(s).")

    def restore_selected(self) -> None:
        ids = self.selected_ids()
        self._change(lambda lib: trash.restore(lib, ids), f"Restored {len(ids)} item(s).")

    def delete_forever(self, ids: list[int] | None = None) -> None:
        what = "everything in the trash" if ids is None else f"{len(ids)} item(s)"
        answer = QMessageBox.warning(self, "Delete for good", f"Delete {what} and the files for good? "
                                     "This cannot be undone.", QMessageBox.Yes | QMessageBox.Cancel)
        if answer == QMessageBox.Yes:
            forgotten = set(ids or [])
            self.undo_stack[:] = [[i for i in group if i not in forgotten] for group in self.undo_stack] \
                if ids is not None else []
            self.undo_button.setEnabled(any(self.undo_stack))
            self._change(lambda lib: trash.delete_forever(lib, ids), f"Deleted {what} for good.", True)
