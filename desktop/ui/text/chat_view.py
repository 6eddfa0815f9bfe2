"""A conversation rendered as rich text: Markdown, highlighted code blocks with Copy/Save,
and per-message actions. Each update re-renders only the messages it changes, and a streamed
update rewrites only the inside of the reply being written (see _redraw_streaming)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QTextBrowser

from desktop.core.text.markdown_html import CodeBlock, MarkdownRenderer
from desktop.ui.text.live_markdown import LiveMarkdownRenderer
from desktop.ui.text.live_reply import LiveReply

ROLE_LABELS = {"user": "You", "assistant": "Assistant", "system": "System"}
CELL_PADDING = 8  # px around a message's text


@dataclass
class ShownMessage:
    id: int | None
    role: str
    content: str
    note: str = ""


@dataclass
class _Block:
    """One message as the document shows it: a one-cell table starting at `start`, holding
    a header (name, links, note) and the rendered Markdown."""
    key: tuple
    start: int
    header: str
    body: str
    shade: str
    code_blocks: list[CodeBlock]

    @property
    def html(self) -> str:
        return (f'<table width="100%" cellspacing="0" cellpadding="{CELL_PADDING}" style="background:{self.shade};'
                f' margin-bottom:6px"><tr><td>{self.header}{self.body or "<p>…</p>"}</td></tr></table>')


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
        self._live_renderer: LiveMarkdownRenderer | None = None  # for the reply being written
        self._dark = False
        self._messages: list[ShownMessage] = []
        self._blocks: list[_Block] = []  # what the document shows, one per message, in order
        self._streaming: ShownMessage | None = None
        self._live: LiveReply | None = None  # the streaming reply as drawn in place
        self.render_count = 0  # messages rendered so far (tests and benches read it)
        self.placeholder = "Start typing below. Ctrl+Enter sends, Esc stops."
        self.assistant_label = "Assistant"

    # -- content -------------------------------------------------------------------------

    @property
    def renderer(self) -> MarkdownRenderer:
        if self._renderer is None or self._renderer.dark != self._dark:
            self._renderer = MarkdownRenderer(self._dark)
        return self._renderer

    @property
    def live_renderer(self) -> LiveMarkdownRenderer:
        if self._live_renderer is None or self._live_renderer.dark != self._dark:
            self._live_renderer = LiveMarkdownRenderer(self._dark)
        return self._live_renderer

    def set_dark(self, dark: bool) -> None:
        if dark == self._dark and self._renderer is not None:
            return
        self._dark = dark
        self._rebuild()

    def set_assistant_label(self, label: str) -> None:
        if label != self.assistant_label:
            self.assistant_label = label
            self._rebuild()

    def set_messages(self, messages: list[ShownMessage]) -> None:
        """Show these messages. Those the view already shows at the same place keep their
        blocks: a conversation reloaded after a reply re-renders only what changed."""
        self._messages = list(messages)
        self._streaming = None
        self._sync(scroll_to_end=True)

    def messages(self) -> list[ShownMessage]:
        return list(self._messages)

    def begin_stream(self, note: str = "") -> None:
        self._streaming = ShownMessage(None, "assistant", "", note)
        self._messages.append(self._streaming)
        self._sync(first=len(self._messages) - 2)  # the previous last reply loses Regenerate

    def append_stream(self, text: str) -> None:
        if self._streaming is None or not text:
            return
        self._streaming.content += text
        self._redraw_streaming()

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
        self._sync(first=len(self._messages) - 2)

    # -- rendering -----------------------------------------------------------------------

    def _key(self, index: int, message: ShownMessage) -> tuple:
        """Everything a message's block depends on: equal keys, identical blocks."""
        last_reply = (message.role == "assistant" and index == len(self._messages) - 1
                      and self._streaming is None)
        return (message.id, message.role, message.content, message.note, last_reply,
                message is self._streaming)

    def _rebuild(self) -> None:
        self._blocks.clear()
        self._sync()

    def _sync(self, first: int = 0, scroll_to_end: bool = False) -> None:
        """Bring the document in line with the messages: find the first message whose block
        differs (checking from `first`), cut the document there and render from it on.
        Earlier blocks are untouched, so a reply costs the same in any length of conversation."""
        follow = self._scroll_follower(scroll_to_end)
        if not self._messages:
            self._blocks.clear()
            self._live = None
            self.setHtml(f'<p style="color:gray"><i>{html.escape(self.placeholder)}</i></p>')
            return
        if not self._blocks:
            self.document().clear()  # the placeholder, or nothing yet
        count = len(self._messages)
        cut = max(0, min(first, len(self._blocks), count))
        while cut < min(count, len(self._blocks)) and self._blocks[cut].key == self._key(cut, self._messages[cut]):
            cut += 1
        if cut == count == len(self._blocks):
            return
        self._live = None  # the streaming reply, if any, is drawn whole again below
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        if cut < len(self._blocks):
            cursor.setPosition(self._blocks[cut].start)
            cursor.movePosition(QTextCursor.End, QTextCursor.KeepAnchor)
            cursor.removeSelectedText()
            del self._blocks[cut:]
        else:
            cursor.movePosition(QTextCursor.End)
        for index in range(cut, count):
            block = self._render(index, self._key(index, self._messages[index]), cursor.position())
            cursor.insertHtml(block.html)
            self._blocks.append(block)
        cursor.endEditBlock()
        follow()

    def _redraw_streaming(self) -> None:
        """Redraw the streaming reply in place: as paragraphs after the conversation, not as
        a table, and from its last Markdown block on (LiveReply), so an update costs neither
        the conversation's length nor the reply's."""
        index = len(self._messages) - 1
        if len(self._blocks) != len(self._messages) or not self._blocks[index].key[5]:
            self._sync(first=index)  # the reply is not drawn as streaming yet
            return
        follow = self._scroll_follower()
        block = self._blocks[index]
        if self._live is None:  # drawn whole by _sync, as a table: once per reply, replace it
            cursor = QTextCursor(self.document())
            cursor.setPosition(block.start)
            cursor.movePosition(QTextCursor.End, QTextCursor.KeepAnchor)
            cursor.removeSelectedText()
            self._live = LiveReply(self.live_renderer, str(index), block.header, CELL_PADDING)
        self._live.draw(self.document(), self._streaming.content)
        self.render_count += 1
        self._blocks[index] = _Block(self._key(index, self._streaming), block.start, block.header,
                                     "", block.shade, self._live.code_blocks())
        follow()

    def _scroll_follower(self, to_end: bool = False):
        """Call before an edit; the function it returns, called after, keeps the view at the
        end if it was there (a reply being read as it streams), else where it was."""
        bar = self.verticalScrollBar()
        at_end = to_end or bar.value() >= bar.maximum() - 4
        position = bar.value()
        return lambda: bar.setValue(bar.maximum() if at_end else position)

    def _render(self, index: int, key: tuple, start: int) -> _Block:
        message = self._messages[index]
        renderer = self.live_renderer if message is self._streaming else self.renderer
        rendered = renderer.render(message.content, str(index))
        self.render_count += 1
        links = []
        if message.id is not None:
            links.append(f'<a href="msg:copy:{index}">Copy</a>')
            if message.role == "user":
                links.append(f'<a href="msg:edit:{message.id}">Edit &amp; resend</a>')
        if key[4]:  # the last reply, finished
            links.append('<a href="msg:regenerate:0">Regenerate</a>')
        label = self.assistant_label if message.role == "assistant" else ROLE_LABELS.get(message.role, message.role)
        cursor = " ▍" if message is self._streaming else ""
        note = f'<p><i><small>{html.escape(message.note)}</small></i></p>' if message.note else ""
        shade = "rgba(127,127,127,0.12)" if message.role == "user" else "transparent"
        header = f'<b>{label}</b>{cursor} &nbsp; <small>{" &nbsp; ".join(links)}</small>{note}'
        return _Block(key, start, header, rendered.html, shade, rendered.code_blocks)

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
        if not 0 <= message_index < len(self._blocks):
            return None
        blocks = self._blocks[message_index].code_blocks
        return blocks[block_index] if 0 <= block_index < len(blocks) else None
