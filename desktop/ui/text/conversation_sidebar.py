"""The conversations list of a studio: search, new, rename, delete, export."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (QHBoxLayout, QInputDialog, QLineEdit, QListView, QMenu,
                               QMessageBox, QPushButton, QVBoxLayout, QWidget)

from desktop.viewmodels.conversation_list import CONVERSATION_ROLE, ConversationListModel
from desktop.store.records import Conversation


class ConversationSidebar(QWidget):
    selected = Signal(object)        # Conversation or None
    new_requested = Signal()
    export_requested = Signal(object)  # Conversation
    renamed = Signal(int, str)
    deleted = Signal(int)

    def __init__(self, model: ConversationListModel, parent=None):
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search conversations…")
        self.search.setClearButtonEnabled(True)
        self.list = QListView()
        self.list.setModel(model)
        self.list.setEditTriggers(QListView.NoEditTriggers)
        self.list.setTextElideMode(Qt.ElideRight)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.setUniformItemSizes(True)
        self.list.setContextMenuPolicy(Qt.CustomContextMenu)
        self.new_button = QPushButton("New")
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.rename_button = QPushButton("Rename")
        self.delete_button = QPushButton("Delete")
        buttons = QHBoxLayout()
        for b in (self.new_button, self.rename_button, self.delete_button):
            buttons.addWidget(b)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(lambda: self.model.reload(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.list.selectionModel().currentChanged.connect(self._on_current)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.new_button.clicked.connect(self.new_requested)
        self.rename_button.clicked.connect(self.rename_current)
        self.delete_button.clicked.connect(self.delete_current)
        self._wanted_id: int | None = None
        model.loaded.connect(self._reselect)

    def current(self) -> Conversation | None:
        index = self.list.currentIndex()
        return index.data(CONVERSATION_ROLE) if index.isValid() else None

    def select_id(self, conversation_id: int | None) -> None:
        """Select once the list has it (it may still be loading)."""
        self._wanted_id = conversation_id
        self._reselect()

    def _reselect(self) -> None:
        if self._wanted_id is None:
            return
        row = self.model.row_of(self._wanted_id)
        if row >= 0:
            index = self.model.index(row)
            self.list.selectionModel().setCurrentIndex(index, QItemSelectionModel.ClearAndSelect)

    def _on_current(self, current, _previous) -> None:
        conversation = current.data(CONVERSATION_ROLE) if current.isValid() else None
        self._wanted_id = conversation.id if conversation else self._wanted_id
        self.selected.emit(conversation)

    def rename_current(self) -> None:
        conversation = self.current()
        if conversation is None:
            return
        title, ok = QInputDialog.getText(self, "Rename conversation", "Title:", text=conversation.title)
        if ok and title.strip():
            self.renamed.emit(conversation.id, title.strip())

    def delete_current(self) -> None:
        conversation = self.current()
        if conversation is None:
            return
        answer = QMessageBox.question(
            self, "Delete conversation",
            f"Delete “{conversation.title}” and all its messages? This cannot be undone.")
        if answer == QMessageBox.Yes:
            self._wanted_id = None
            self.deleted.emit(conversation.id)

    def _context_menu(self, pos) -> None:
        if not self.list.indexAt(pos).isValid():
            return
        menu = QMenu(self)
        menu.addAction("Rename…", self.rename_current)
        menu.addAction("Export as Markdown…", lambda: self.export_requested.emit(self.current()))
        menu.addSeparator()
        menu.addAction("Delete…", self.delete_current)
        menu.exec(self.list.viewport().mapToGlobal(pos))
