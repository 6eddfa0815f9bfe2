"""The reply being written, drawn at the end of the document one top-level Markdown block
at a time, as plain paragraphs.

Why plain paragraphs and not the table a finished message is: Qt lays a table cell out
whole after any edit inside it, so a reply streamed into a cell costs the square of its
length; paragraphs of the document itself are laid out from the edit on. Each table added
or removed also makes Qt rescan the whole document (hence LiveMarkdownRenderer's code blocks
without tables). Margins stand in for the cell's padding; when the reply ends, the chat view
renders it once more as a table.

Why block by block: text is only ever appended, and appending changes only the last
top-level block (the paragraph, list or fence being written) and adds blocks after it; so
each update parses and redraws from the last block on. (A link reference defined after its
use is the exception; the finished rendering is exact.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QTextCursor, QTextDocument

from desktop.core.text.markdown_html import CodeBlock
from desktop.ui.text.live_markdown import LiveMarkdownRenderer

# Qt merges the first paragraph of inserted HTML into the paragraph at the cursor, where it
# would lose its own format (a list item, a heading, a code line). Each piece is inserted
# after this throw-away paragraph, which takes the merge and is then deleted.
_MERGE_ABSORBER = "<p>x</p>"


@dataclass
class _Piece:
    source: str | None  # the Markdown of one top-level block, up to the next; None: the header
    start: int  # document position where its first paragraph begins
    code_blocks: list[CodeBlock] = field(default_factory=list)


class LiveReply:
    """One reply's drawn pieces: its header (name, note), then its Markdown blocks, up to
    the end of the document. Nothing before it may change while it lives: it keeps positions."""

    def __init__(self, renderer: LiveMarkdownRenderer, link_prefix: str, header_html: str, padding: int):
        self._renderer = renderer
        self._link_prefix = link_prefix
        self._header_html = header_html
        self._padding = padding
        self._margins = f"margin-left:{padding}px; margin-right:{padding}px"
        self._pieces: list[_Piece] = []
        self.render_count = 0  # Markdown blocks rendered (tests read it)

    def code_blocks(self) -> list[CodeBlock]:
        return [block for piece in self._pieces for block in piece.code_blocks]

    def draw(self, document: QTextDocument, text: str) -> None:
        """Show `text`, which extends what was shown before."""
        cursor = QTextCursor(document)
        cursor.beginEditBlock()
        if not self._pieces:
            cursor.movePosition(QTextCursor.End)
            # As far down as the finished reply's table puts its header (measured), so the
            # reply does not jump when it ends.
            header = f'<div style="{self._margins}; margin-top:{self._padding + 13}px">{self._header_html}</div>'
            self._pieces.append(_Piece(None, self._insert(document, cursor, header)))
        kept, offset = 1, 0
        # All but the last block are final once text follows them.
        while kept < len(self._pieces) - 1 and text.startswith(self._pieces[kept].source, offset):
            offset += len(self._pieces[kept].source)
            kept += 1
        tail = text[offset:]
        starts = self._renderer.block_starts(tail)[1:]
        sources = [tail[a:b] for a, b in zip([0] + starts, starts + [len(tail)])]
        while sources and kept < len(self._pieces) and sources[0] == self._pieces[kept].source:
            kept += 1  # the last block did not change, only blocks were added after it
            sources.pop(0)
        if kept < len(self._pieces):
            cursor.setPosition(self._pieces[kept].start - 1)  # the end of the paragraph before
            kept_format = cursor.blockFormat()  # which the removal would give another's
            cursor.movePosition(QTextCursor.End, QTextCursor.KeepAnchor)
            cursor.removeSelectedText()
            cursor.setBlockFormat(kept_format)
            del self._pieces[kept:]
        else:
            cursor.movePosition(QTextCursor.End)
        code_count = len(self.code_blocks())
        for source in sources:
            rendered = self._renderer.render(source, self._link_prefix, code_count)
            self.render_count += 1
            html = f'<div style="{self._margins}">{rendered.html}</div>' if rendered.html.strip() else ""
            self._pieces.append(_Piece(source, self._insert(document, cursor, html), rendered.code_blocks))
            code_count += len(rendered.code_blocks)
        cursor.endEditBlock()

    @staticmethod
    def _insert(document: QTextDocument, cursor: QTextCursor, html: str) -> int:
        """Insert `html` as paragraphs of its own after the cursor's; returns where they start."""
        position = cursor.position()
        previous_format = cursor.blockFormat()  # the absorber's merge may take it over
        cursor.insertHtml(_MERGE_ABSORBER + html)
        absorber = QTextCursor(document)
        absorber.setPosition(position)
        absorber.setPosition(position + 1, QTextCursor.KeepAnchor)
        absorber.removeSelectedText()
        absorber.setBlockFormat(previous_format)
        return position + 1
