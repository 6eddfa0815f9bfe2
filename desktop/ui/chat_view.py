"""A conversation rendered as rich text: Markdown, highlighted code blocks with Copy/Save,
and per-message actions. Streaming re-renders only the message being written."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QTextBrowser

from desktop.core.markdown_html import CodeBlock, MarkdownRenderer

ROLE_LABELS = {"user": "You", "assistant": "Assistant", "system": "System"}


@dataclass
class ShownMessage:
    id: int | None
    role: str
    content: str
    note: str = ""


class ChatView(QTextBrowser):
    edit_requested = Signal(int)          # message id
    regenerate_requested = Signal()
    save_code_requested = Signal(object)  # CodeBlock

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self._renderer: MarkdownRenderer | None = None  # built on first use (start-up time)
        self._dark = False
        self._messages: list[ShownMessage] = []
        self._cache: dict[int, tuple[str, list[CodeBlock]]] = {}  # message index -> rendered
        self._streaming: ShownMessage | None = None
        self._stream_start = -1  # document position where the streaming message begins
        self.placeholder = "Start typing below. Ctrl+Enter sends, Esc stops."
        self.assistant_label = "Assistant"

    # -- content -------------------------------------------------------------------------

    @property
    def renderer(self) -> MarkdownRenderer:
        if self._renderer is None or self._renderer.dark != self._dark:
            self._renderer = MarkdownRenderer(self._dark)
        return self._renderer

    def set_dark(self, dark: bool) -> None:
        if dark == self._dark and self._renderer is not None:
            return
        self._dark = dark
        self._cache.clear()
        self._refresh()

    def set_assistant_label(self, label: str) -> None:
        if label != self.assistant_label:
            self.assistant_label = label
            self._cache.clear()
            self._refresh()

    def set_messages(self, messages: list[ShownMessage]) -> None:
        self._messages = list(messages)
        self._cache.clear()
        self._streaming = None
        self._refresh(scroll_to_end=True)

    def messages(self) -> list[ShownMessage]:
        return list(self._messages)

    def begin_stream(self, note: str = "") -> None:
        self._streaming = ShownMessage(None, "assistant", "", note)
        self._messages.append(self._streaming)
        self._cache.clear()  # the previous last reply loses its Regenerate link
        self._refresh()

    def append_stream(self, text: str) -> None:
        if self._streaming is None or not text:
            return
        self._streaming.content += text
        self._replace_streaming()

    def _replace_streaming(self) -> None:
        """Re-render only the message being written: re-laying out the whole conversation
        at every update would stall the GUI once a conversation is long."""
        if self._stream_start < 0:
            self._refresh()
            return
        bar = self.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        position = bar.value()
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._stream_start)
        cursor.movePosition(QTextCursor.End, QTextCursor.KeepAnchor)
        cursor.beginEditBlock()
        cursor.removeSelectedText()
        cursor.insertHtml(self._message_html(len(self._messages) - 1, self._streaming)[0])
        cursor.endEditBlock()
        bar.setValue(bar.maximum() if at_end else position)

    def end_stream(self, message_id: int | None, final_text: str | None = None, note: str = "") -> None:
        if self._streaming is None:
            return
        if final_text is not None:
            self._streaming.content = final_text
        self._streaming.id = message_id
        if note:
            self._streaming.note = note
        if not self._streaming.content.strip() and message_id is None:
            self._messages.pop()  # nothing was produced: show nothing
        self._streaming = None
        self._cache.clear()
        self._refresh()

    # -- rendering -----------------------------------------------------------------------

    def _message_html(self, index: int, message: ShownMessage) -> tuple[str, list[CodeBlock]]:
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        rendered = self.renderer.render(message.content, str(index))
        links = []
        if message.id is not None:
            links.append(f'<a href="msg:copy:{index}">Copy</a>')
            if message.role == "user":
                links.append(f'<a href="msg:edit:{message.id}">Edit &amp; resend</a>')
        if message.role == "assistant" and index == len(self._messages) - 1 and self._streaming is None:
            links.append('<a href="msg:regenerate:0">Regenerate</a>')
        label = self.assistant_label if message.role == "assistant" else ROLE_LABELS.get(message.role, message.role)
        cursor = " ▍" if message is self._streaming else ""
        note = f'<p><i><small>{html.escape(message.note)}</small></i></p>' if message.note else ""
        shade = "rgba(127,127,127,0.12)" if message.role == "user" else "transparent"
        body = rendered.html or "<p>…</p>"
        block = (
            f'<table width="100%" cellspacing="0" cellpadding="8" style="background:{shade};'
            f' margin-bottom:6px"><tr><td><b>{label}</b>{cursor} &nbsp; <small>{" &nbsp; ".join(links)}'
            f"</small>{note}{body}</td></tr></table>"
        )
        result = (block, rendered.code_blocks)
        if message is not self._streaming:
            self._cache[index] = result
        return result

    def _refresh(self, scroll_to_end: bool = False) -> None:
        bar = self.verticalScrollBar()
        at_end = scroll_to_end or bar.value() >= bar.maximum() - 4
        position = bar.value()
        if not self._messages:
            self.setHtml(f'<p style="color:gray"><i>{html.escape(self.placeholder)}</i></p>')
            return
        parts = [self._message_html(i, m)[0] for i, m in enumerate(self._messages)]
        self._stream_start = -1
        if self._streaming is not None:
            self.setHtml("".join(parts[:-1]) or "<p></p>")
            self._stream_start = self.document().characterCount() - 1
            cursor = QTextCursor(self.document())
            cursor.movePosition(QTextCursor.End)
            cursor.insertHtml(parts[-1])
        else:
            self.setHtml("".join(parts))
        bar.setValue(bar.maximum() if at_end else position)

    # -- actions -------------------------------------------------------------------------

    def _on_anchor(self, url: QUrl) -> None:
        scheme_parts = url.toString().split(":")
        if len(scheme_parts) < 3:
            return
        kind, action, key = scheme_parts[0], scheme_parts[1], scheme_parts[2]
        if kind == "msg" and action == "copy":
            QGuiApplication.clipboard().setText(self._messages[int(key)].content)
        elif kind == "msg" and action == "edit":
            self.edit_requested.emit(int(key))
        elif kind == "msg" and action == "regenerate":
            self.regenerate_requested.emit()
        elif kind == "code" and len(scheme_parts) == 4:
            block = self.code_block(int(key), int(scheme_parts[3]))
            if block is None:
                return
            if action == "copy":
                QGuiApplication.clipboard().setText(block.code)
            elif action == "save":
                self.save_code_requested.emit(block)

    def code_block(self, message_index: int, block_index: int) -> CodeBlock | None:
        if not 0 <= message_index < len(self._messages):
            return None
        blocks = self._message_html(message_index, self._messages[message_index])[1]
        return blocks[block_index] if 0 <= block_index < len(blocks) else None
