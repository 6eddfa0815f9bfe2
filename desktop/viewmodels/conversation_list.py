"""Conversations of one studio, most recent first, loaded through the store writer and
loaded again whenever the library says conversations changed."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, Qt, Signal

from desktop.store.changes import CONVERSATIONS
from desktop.store.records import Conversation

CONVERSATION_ROLE = Qt.UserRole + 1


class ConversationListModel(QAbstractListModel):
    loaded = Signal()

    def __init__(self, store, studio: str, parent=None):
        super().__init__(parent)
        self._store, self.studio = store, studio
        self._items: list[Conversation] = []
        self._search = ""
        self._generation = 0  # drops stale search results that arrive late
        store.changed.connect(self._on_library_changed)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        if role in (Qt.DisplayRole, Qt.EditRole):
            return item.title
        if role == CONVERSATION_ROLE:
            return item
        return None

    def conversations(self) -> list[Conversation]:
        return list(self._items)

    def row_of(self, conversation_id: int) -> int:
        return next((i for i, c in enumerate(self._items) if c.id == conversation_id), -1)

    def reload(self, search: str | None = None) -> None:
        if search is not None:
            self._search = search
        self._generation += 1
        ticket, studio, text = self._generation, self.studio, self._search
        self._store.submit(lambda lib: lib.conversations.list(studio, text),
                           lambda items: self._apply(ticket, items))

    def _on_library_changed(self, what) -> None:
        if CONVERSATIONS in what:
            self.reload()

    def _apply(self, ticket: int, items: list[Conversation]) -> None:
        if ticket != self._generation:
            return
        self.beginResetModel()
        self._items = items
        self.endResetModel()
        self.loaded.emit()
