"""How the reply being written is drawn: the same Markdown, with each code block as shaded
paragraphs instead of a table.

Why no table: a table is a QTextFrame, and Qt rescans every fragment of the whole document
each time a frame is inserted or removed (QTextDocumentPrivate::scan_frames). Redrawing a
growing code block's table per streamed update made each update cost time in proportion to
the whole conversation. Without frames, an update inside the reply costs only the reply.
When the reply ends, the chat view renders it once more in the finished form, with tables.
"""

from __future__ import annotations

import html

from desktop.core.text.markdown_html import CodeBlock, MarkdownRenderer, Rendered, highlight_code


class LiveMarkdownRenderer(MarkdownRenderer):
    """Code blocks drawn without frames, each highlighted once while it stays unchanged: a
    reply is re-rendered per update, and highlighting every finished block again each time
    would make a long reply cost the square of its length."""

    def __init__(self, dark: bool = False):
        super().__init__(dark)
        self._highlighted: dict[tuple[str, str], str] = {}  # from the previous render
        self._highlighting: dict[tuple[str, str], str] = {}  # this render's

    def render(self, text: str, link_prefix: str = "") -> Rendered:
        self._highlighting = {}
        rendered = super().render(text, link_prefix)
        self._highlighted = self._highlighting  # keep only the blocks still shown
        return rendered

    def _code_html(self, block: CodeBlock, index: int, prefix: str) -> str:
        code = block.code.rstrip("\n")
        cache_key = (code, block.language)
        body = self._highlighted.get(cache_key)
        if body is None:
            body = highlight_code(code, block.language, self.dark)
        self._highlighting[cache_key] = body
        background = "#272822" if self.dark else "#f4f4f4"
        label = html.escape(block.language or "code")
        links = (f'<a href="code:copy:{prefix}:{index}">Copy</a> &nbsp; '
                 f'<a href="code:save:{prefix}:{index}">Save…</a>')
        return (
            f'<p style="background-color:{background}; margin-top:4px; margin-bottom:0">'
            f"<small>{label} &nbsp; {links}</small></p>"
            f'<pre style="background-color:{background}; font-family:monospace; margin-top:0;'
            f' margin-bottom:4px">{body}</pre>'
        )
