"""Each panel's prompt history, on its prompt box: Ctrl+Up / Ctrl+Down step through
earlier prompts (like a shell), Ctrl+H opens a searchable list of them. Prompts come
from the library (what was actually generated), read on the store's thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from desktop.store.prompt_history import recent_prompts

STEP_BACK, STEP_FORWARD, OPEN_LIST = "Ctrl+Up", "Ctrl+Down", "Ctrl+H"


class PromptHistoryDialog(QDialog):
    def __init__(self, history: "PromptHistory", parent=None):
        super().__init__(parent)
        self.setWindowTitle("Prompt history")
        self.resize(620, 440)
        self.history = history
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search earlier prompts…")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Use prompt")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.search)
        column.addWidget(self.list, 1)
        column.addWidget(buttons)
        self._debounce = QTimer(self, singleShot=True, interval=120)
        self._debounce.timeout.connect(self._reload)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.list.itemActivated.connect(lambda _item: self.accept())
        self._ticket = 0
        self._reload()

    def _reload(self) -> None:
        self._ticket += 1
        ticket = self._ticket
        self.history.load(self.search.text(), lambda prompts: self._show(ticket, prompts))

    def _show(self, ticket: int, prompts: list[str]) -> None:
        if ticket != self._ticket:
            return  # typing moved on
        self.list.clear()
        for prompt in prompts:
            item = QListWidgetItem(prompt if len(prompt) < 400 else prompt[:400] + "…")
            item.setData(Qt.UserRole, prompt)
            item.setToolTip(prompt[:2000])
            self.list.addItem(item)
        if prompts:
            self.list.setCurrentRow(0)

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None


class PromptHistory:
    def __init__(self, store, editor, modality: str, kinds: list[str]):
        self.store, self.editor, self.modality, self.kinds = store, editor, modality, list(kinds)
        self._prompts: list[str] | None = None
        self._position = -1   # -1: the text being written, not a recalled prompt
        self._draft = ""
        for keys, action in ((STEP_BACK, lambda: self.step(+1)), (STEP_FORWARD, lambda: self.step(-1)),
                             (OPEN_LIST, self.open_list)):
            QShortcut(QKeySequence(keys), editor, action, context=Qt.WidgetShortcut)
        tip = f"{STEP_BACK} / {STEP_FORWARD}: earlier prompts · {OPEN_LIST}: search the prompt history"
        editor.setToolTip(f"{editor.toolTip()}\n{tip}".strip())

    def load(self, text: str, on_done) -> None:
        modality, kinds = self.modality, self.kinds
        self.store.submit(lambda lib: recent_prompts(lib.conn, modality, kinds, text), on_done)

    def forget(self) -> None:
        """After a new prompt is generated, stepping starts again from the newest."""
        self._prompts, self._position = None, -1

    def step(self, direction: int) -> None:
        if self._prompts is None:
            self.load("", lambda prompts: (setattr(self, "_prompts", prompts), self.step(direction)))
            return
        if self._position == -1:
            self._draft = self.editor.toPlainText()
        position = max(-1, min(len(self._prompts) - 1, self._position + direction))
        if position == self._position:
            return
        self._position = position
        self._set_text(self._draft if position == -1 else self._prompts[position])

    def open_list(self) -> None:
        dialog = PromptHistoryDialog(self, self.editor.window())
        if dialog.exec() and dialog.chosen() is not None:
            self._set_text(dialog.chosen())
            self._position = -1

    def _set_text(self, text: str) -> None:
        self.editor.setPlainText(text)
        cursor = self.editor.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.editor.setTextCursor(cursor)
