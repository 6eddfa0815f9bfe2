"""The Library's left column: everything, the user's collections (galleries) and the
trash. Items dragged from the grid onto a collection are added to it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QInputDialog, QListWidget, QListWidgetItem, QMenu, QMessageBox

from desktop.viewmodels.item_mime import ITEMS_MIME, ids_from_mime

EVERYTHING, TRASH = "everything", "trash"
KEY_ROLE, NAME_ROLE = Qt.UserRole + 1, Qt.UserRole + 2


class CollectionList(QListWidget):
    chosen = Signal()
    create_requested = Signal(str)
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    items_dropped = Signal(int, list)   # collection id, generation ids

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.currentItemChanged.connect(lambda *_: self.chosen.emit())
        self.set_collections([])

    # -- what is chosen ---------------------------------------------------------------------

    def current_key(self):
        item = self.currentItem()
        return item.data(KEY_ROLE) if item is not None else EVERYTHING

    def collection_id(self) -> int | None:
        key = self.current_key()
        return key if isinstance(key, int) else None

    def in_trash(self) -> bool:
        return self.current_key() == TRASH

    def collection_names(self) -> dict[int, str]:
        return {self.item(r).data(KEY_ROLE): self.item(r).data(NAME_ROLE)
                for r in range(self.count()) if isinstance(self.item(r).data(KEY_ROLE), int)}

    def set_collections(self, collections: list[tuple[int, str, int]]) -> None:
        """(id, name, count) rows; the current choice is kept when it still exists."""
        current = self.current_key()
        self.blockSignals(True)
        self.clear()
        entries = [(EVERYTHING, "Everything", None)] + [(cid, name, count) for cid, name, count in collections] \
            + [(TRASH, "Trash", None)]
        for key, name, count in entries:
            item = QListWidgetItem(name if count is None else f"{name}  ({count})")
            item.setData(KEY_ROLE, key)
            item.setData(NAME_ROLE, name)
            if isinstance(key, int):
                item.setToolTip("A collection. Drop items here to add them; right-click to rename or delete.")
            self.addItem(item)
        keys = [self.item(r).data(KEY_ROLE) for r in range(self.count())]
        self.setCurrentRow(keys.index(current) if current in keys else 0)
        self.blockSignals(False)
        if current not in keys:
            self.chosen.emit()

    # -- drops from the grid -------------------------------------------------------------------

    def dragEnterEvent(self, event) -> None:
        event.acceptProposedAction() if event.mimeData().hasFormat(ITEMS_MIME) else event.ignore()

    def dragMoveEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        if item is not None and isinstance(item.data(KEY_ROLE), int) and event.mimeData().hasFormat(ITEMS_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        ids = ids_from_mime(event.mimeData())
        if item is not None and isinstance(item.data(KEY_ROLE), int) and ids:
            self.items_dropped.emit(item.data(KEY_ROLE), ids)
            event.acceptProposedAction()

    # -- managing collections -------------------------------------------------------------------

    def ask_new(self) -> None:
        name, ok = QInputDialog.getText(self, "New collection", "Name of the new collection:")
        if ok and name.strip():
            self.create_requested.emit(name)

    def _menu(self, position) -> None:
        item = self.itemAt(position)
        menu = QMenu(self)
        menu.addAction("New collection…", self.ask_new)
        if item is not None and isinstance(item.data(KEY_ROLE), int):
            cid, name = item.data(KEY_ROLE), item.data(NAME_ROLE)
            menu.addAction("Rename…", lambda: self._rename(cid, name))
            menu.addAction("Delete collection…", lambda: self._delete(cid, name))
        menu.exec(self.viewport().mapToGlobal(position))

    def _rename(self, cid: int, name: str) -> None:
        new, ok = QInputDialog.getText(self, "Rename collection", "New name:", text=name)
        if ok and new.strip() and new != name:
            self.rename_requested.emit(cid, new)

    def _delete(self, cid: int, name: str) -> None:
        answer = QMessageBox.question(self, "Delete collection",
                                      f"Delete the collection “{name}”? Its items stay in the Library.")
        if answer == QMessageBox.Yes:
            self.delete_requested.emit(cid)
