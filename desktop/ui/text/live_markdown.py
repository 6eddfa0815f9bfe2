"""How the reply being written is drawn: the same Markdown, with each code block as shaded
paragraphs instead of a table, rendered one top-level block at a time.

Why no table: a table is a QTextFrame, and Qt rescans every fragment of the whole document
each time a frame is inserted or removed (QTextDocumentPrivate::scan_frames). Redrawing a
growing code block's table per streamed update made each update cost time in proportion to
the whole conversation. Without frames, an update inside the reply costs only the reply.
When the reply ends, the chat view renders it once more in the finished form, with tables.
"""

from __future__ import annotations

from desktop.core.text.markdown_html import CodeBlock, MarkdownRenderer, Rendered


class LiveMarkdownRenderer(MarkdownRenderer):
    """Renders a piece of a reply: code blocks without frames, numbered from
    `first_code_index` so their Copy/Save links match their place in the whole reply."""

    _first_code_index = 0

    def render(self, text: str, link_prefix: str = "", first_code_index: int = 0) -> Rendered:
        self._first_code_index = first_code_index
        return super().render(text, link_prefix)

    def block_starts(self, text: str) -> list[int]:
        """Where each top-level block (paragraph, list, fence, heading, table…) begins, as
        offsets into `text`."""
        line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        return [line_starts[token.map[0]] for token in self._md.parse(text)
                if token.level == 0 and token.nesting >= 0 and token.map]

    def _code_html(self, block: CodeBlock, index: int, prefix: str) -> str:
        background, header, body = self.code_parts(block, index + self._first_code_index, prefix)
        return (
            f'<p style="background-color:{background}; margin-top:4px; margin-bottom:0">'
            f"<small>{header}</small></p>"
            f'<pre style="background-color:{background}; font-family:monospace; margin-top:0;'
            f' margin-bottom:4px">{body}</pre>'
        )
