"""A conversation rendered as rich text: Markdown, highlighted code blocks with Copy/Save,
and per-message actions. Each update re-renders only the messages it changes, and a streamed
update rewrites only the inside of the reply being written (see _redraw_streaming).

Only the latest messages are in the document (a window of `window_size`, with a "Show earlier
messages" link above them), as chat apps with long histories do. Why: each finished message is
a table, and Qt walks every top-level table of the document on every edit
(QTextDocumentPrivate::markFrames), so with the whole of a 1,000-message conversation in the
document every streamed update cost ~0.45 ms more than in a new one, and opening it rendered
all 1,000. The view still holds every message (`messages()`): the conversation is whole for
the studio, the library and exports; earlier ones are drawn when the person asks for them.
"""

from __future__ import annotations

import bisect
import html
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QTextCursor
from PySide6.QtWidgets import QTextBrowser

from desktop.core.text.markdown_html import CodeBlock, MarkdownRenderer
from desktop.ui.text.live_markdown import LiveMarkdownRenderer
from desktop.ui.text.live_reply import LiveReply
from desktop.viewmodels.hand_off import LABELS, actions_for

ROLE_LABELS = {"user": "You", "assistant": "Assistant", "system": "System"}
CELL_PADDING = 8  # px around a message's text
# Messages drawn when a conversation opens, and added per "Show earlier messages". Measured
# with bench/chat_stream_cost.py --window (GUI time per reply at 1,000 messages / at 2):
# 50 -> 1.08x, 100 -> 1.11x, 200 -> 1.14x, 400 -> 1.38x, all -> 1.75x; opening 1,000 messages
# 43 / 72 / 137 / 265 / 678 ms. 100 fills many screens and stays cheap when a long session
# grows it to 150 before the oldest go.
WINDOW_SIZE = 100


@dataclass
class ShownMessage:
    id: int | None
    role: str
    content: str
    note: str = ""
    generation_id: int | None = None  # the library item of a reply, for hand-offs


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
    hand_off_requested = Signal(str, object)  # a hand-off action (viewmodels/hand_off.py), the ShownMessage
    window_size = WINDOW_SIZE

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self._renderer: MarkdownRenderer | None = None  # built on first use (start-up time)
        self._live_renderer: LiveMarkdownRenderer | None = None  # for the reply being written
        self._dark = False
        self._messages: list[ShownMessage] = []  # the whole conversation
        self._first = 0  # index of the first message drawn; those before wait behind the link
        self._page = self.window_size  # how many the window keeps: grows with each "earlier"
        self._blocks: list[_Block] = []  # what the document shows, one per message from _first
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
        """Show these messages, the latest `window_size` of them drawn. Those the view already
        shows at the same place keep their blocks: a conversation reloaded after a reply
        re-renders only what changed, and keeps the earlier messages the person loaded."""
        first_shown = self._messages[self._first].id if self._first < len(self._messages) else None
        self._messages = list(messages)
        self._streaming = None
        same = (first_shown is not None and self._first < len(messages)
                and messages[self._first].id == first_shown)
        if not same:  # another conversation: its latest messages, drawn afresh
            self._page = self.window_size
            self._first = max(0, len(messages) - self._page)
            self._blocks.clear()
        elif len(messages) - self._first > self._page + self.window_size // 2:
            # A long session in one conversation: let the oldest drawn ones go, in one step
            # every window_size / 2 messages rather than one per reply.
            self._move_window(len(messages) - self._page)
        self._sync(scroll_to_end=True)

    def messages(self) -> list[ShownMessage]:
        """The whole conversation, drawn or not."""
        return list(self._messages)

    @property
    def first_shown(self) -> int:
        """Index of the earliest message drawn; 0 when the whole conversation is."""
        return self._first

    def show_earlier(self, down_to: int | None = None) -> None:
        """Draw the `window_size` messages before those shown (or down to index `down_to`),
        keeping in place the message at the top of the view: the person reads on upwards."""
        if self._first == 0 or not self._blocks:
            return
        new_first = max(0, self._first - self.window_size)
        if down_to is not None:
            new_first = max(0, min(new_first, down_to))
        anchor, offset = self._top_message()
        added = self._first - new_first
        self._page = max(self._page, len(self._messages) - new_first)
        self._move_window(new_first)
        self.verticalScrollBar().setValue(round(self._y_of(anchor + added)) - offset)

    def reveal_message(self, message_id: int) -> bool:
        """Scroll to a message, drawing the earlier ones it needs first (search, scroll-to).
        False if the conversation has no such message."""
        index = next((i for i, m in enumerate(self._messages) if m.id == message_id), None)
        if index is None:
            return False
        if index < self._first:
            self.show_earlier(down_to=index)
        if not 0 <= index - self._first < len(self._blocks):
            return False  # nothing drawn yet to scroll to
        self.verticalScrollBar().setValue(round(self._y_of(index - self._first)))
        return True

    def reveal_text(self, query: str) -> bool:
        """Scroll to the latest message holding every word of `query` (a conversation found
        by the list's search opens at the match, drawn even if it is far back)."""
        words = query.casefold().split()
        match = next((m for m in reversed(self._messages)
                      if words and m.id is not None and all(w in m.content.casefold() for w in words)), None)
        return match is not None and self.reveal_message(match.id)

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

    def _key(self, index: int) -> tuple:
        """Everything a message's block depends on: equal keys, identical blocks."""
        message = self._messages[index]
        last_reply = (message.role == "assistant" and index == len(self._messages) - 1
                      and self._streaming is None)
        return (message.id, message.role, message.content, message.note, last_reply,
                message is self._streaming)

    def _rebuild(self) -> None:
        self._blocks.clear()
        self._sync()

    def _sync(self, first: int = 0, scroll_to_end: bool = False) -> None:
        """Bring the document in line with the messages: find the first message whose block
        differs (checking from index `first`), cut the document there and render from it on.
        Earlier blocks are untouched, so a reply costs the same in any length of conversation."""
        follow = self._scroll_follower(scroll_to_end)
        if not self._messages:
            self._blocks.clear()
            self._live = None
            self._first = 0
            self.setHtml(f'<p style="color:gray"><i>{html.escape(self.placeholder)}</i></p>')
            return
        if not self._blocks:
            self.document().clear()  # the placeholder, or nothing yet
            if self._first:
                QTextCursor(self.document()).insertHtml(self._earlier_link())
        count = len(self._messages) - self._first  # blocks the window needs
        cut = max(0, min(first - self._first, len(self._blocks), count))
        while cut < min(count, len(self._blocks)) and self._blocks[cut].key == self._key(self._first + cut):
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
        for index in range(self._first + cut, len(self._messages)):
            block = self._render(index, self._key(index), cursor.position())
            cursor.insertHtml(block.html)
            self._blocks.append(block)
        cursor.endEditBlock()
        follow()

    def _redraw_streaming(self) -> None:
        """Redraw the streaming reply in place: as paragraphs after the conversation, not as
        a table, and from its last Markdown block on (LiveReply), so an update costs neither
        the conversation's length nor the reply's."""
        index = len(self._messages) - 1
        local = index - self._first
        if len(self._blocks) != local + 1 or not self._blocks[local].key[5]:
            self._sync(first=index)  # the reply is not drawn as streaming yet
            return
        follow = self._scroll_follower()
        block = self._blocks[local]
        if self._live is None:  # drawn whole by _sync, as a table: once per reply, replace it
            cursor = QTextCursor(self.document())
            cursor.setPosition(block.start)
            cursor.movePosition(QTextCursor.End, QTextCursor.KeepAnchor)
            cursor.removeSelectedText()
            self._live = LiveReply(self.live_renderer, str(index), block.header, CELL_PADDING)
        self._live.draw(self.document(), self._streaming.content)
        self.render_count += 1
        self._blocks[local] = _Block(self._key(index), block.start, block.header,
                                     "", block.shade, self._live.code_blocks())
        follow()

    def _move_window(self, new_first: int) -> None:
        """Draw from message `new_first` on: the blocks above the first kept one are replaced
        (the link, and the messages let go or added), those below keep their rendering and
        only move down or up. The document is the same as one drawn afresh (tests compare)."""
        new_first = max(0, min(new_first, len(self._messages) - 1))
        if new_first == self._first:
            return
        dropped = max(0, new_first - self._first)
        if not self._blocks or dropped >= len(self._blocks):  # nothing drawn is kept
            self._first = new_first
            self._blocks.clear()
            return
        document = self.document()
        cursor = QTextCursor(document)
        size = document.characterCount()
        cursor.beginEditBlock()
        cursor.setPosition(self._blocks[dropped].start, QTextCursor.KeepAnchor)
        cursor.removeSelectedText()
        cursor.setPosition(0)
        if new_first:
            cursor.insertHtml(self._earlier_link(new_first))
        added = []
        for index in range(new_first, self._first):
            added.append(self._render(index, self._key(index), cursor.position()))
            cursor.insertHtml(added[-1].html)
        cursor.endEditBlock()
        moved = document.characterCount() - size
        kept = self._blocks[dropped:]
        for block in kept:
            block.start += moved
        self._blocks = added + kept
        self._first = new_first
        self._live = None  # its positions moved: the streaming reply is drawn again whole

    def _earlier_link(self, first: int | None = None) -> str:
        first = self._first if first is None else first
        return (f'<p align="center"><a href="msg:earlier:0">Show earlier messages</a>'
                f' &nbsp; <small>({first:,} not shown)</small></p>')

    def _y_of(self, local: int) -> float:
        """Top of a drawn message (by its place in the window), in document coordinates."""
        document = self.document()
        return document.documentLayout().blockBoundingRect(document.findBlock(self._blocks[local].start + 1)).top()

    def _top_message(self) -> tuple[int, int]:
        """The drawn message at the top of the view (by its place in the window), and how far
        below the view's top it begins (negative: it began above)."""
        position = self.cursorForPosition(QPoint(4, 4)).position()
        local = max(0, bisect.bisect_right([b.start for b in self._blocks], position) - 1)
        return local, round(self._y_of(local)) - self.verticalScrollBar().value()

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
            elif message.role == "assistant" and message.content.strip():
                links += [f'<a href="msg:handoff:{index}:{action.replace(" ", "_")}">{html.escape(LABELS[action])}</a>'
                          for action in actions_for("text", has_text=True)]
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
        elif kind == "msg" and action == "handoff" and len(scheme_parts) == 4:
            self.hand_off_requested.emit(scheme_parts[3].replace("_", " "), self._messages[int(key)])
        elif kind == "msg" and action == "earlier":
            self.show_earlier()
        elif kind == "code" and len(scheme_parts) == 4:
            block = self.code_block(int(key), int(scheme_parts[3]))
            if block is None:
                return
            if action == "copy":
                QGuiApplication.clipboard().setText(block.code)
            elif action == "save":
                self.save_code_requested.emit(block)

    def code_block(self, message_index: int, block_index: int) -> CodeBlock | None:
        """The code block of a drawn message, by the message's index in the conversation."""
        local = message_index - self._first
        if not 0 <= local < len(self._blocks):
            return None
        blocks = self._blocks[local].code_blocks
        return blocks[block_index] if 0 <= block_index < len(blocks) else None
