"""Markdown to the HTML subset Qt's rich text understands, with code blocks highlighted
by Pygments (inline styles, since QTextBrowser has no CSS classes for spans).

Raw HTML in the text is never passed through: model output and user text are escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

# markdown-it and Pygments are imported on first use: they compile many regular
# expressions, which is start-up time the first window should not wait for.

LIGHT_STYLE, DARK_STYLE = "friendly", "monokai"


@dataclass
class CodeBlock:
    language: str
    code: str


@dataclass
class Rendered:
    html: str
    code_blocks: list[CodeBlock] = field(default_factory=list)


# Lexers whose regular expressions are compiled ahead, off the GUI thread (a first code
# block in Python would otherwise cost ~100 ms of GUI time while a reply streams).
COMMON_LANGUAGES = ["python", "javascript", "bash", "json", "c", "cpp"]


def lexer_for(language: str, code: str = ""):
    """The lexer for a fence's language. Unlabelled blocks stay plain: guessing would try
    every lexer Pygments has, far too slow for the GUI thread."""
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        return TextLexer()


def warm_up(languages=COMMON_LANGUAGES) -> None:
    """Import markdown-it and Pygments and build the common lexers; run on a worker thread."""
    MarkdownRenderer().render("*warm*\n\n```python\nx = 1\n```\n")
    for dark in (False, True):
        for language in languages:
            highlight_code("x", language, dark)


def highlight_code(code: str, language: str, dark: bool) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(noclasses=True, nowrap=True, style=DARK_STYLE if dark else LIGHT_STYLE)
    return highlight(code, lexer_for(language, code), formatter)


class MarkdownRenderer:
    """`link_prefix` makes per-block action links unique per message, e.g. 'm12'."""

    def __init__(self, dark: bool = False):
        from markdown_it import MarkdownIt

        self.dark = dark
        self._md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")

    def render(self, text: str, link_prefix: str = "") -> Rendered:
        blocks: list[CodeBlock] = []
        tokens = self._md.parse(text)
        parts = []
        # Render text between fences with markdown-it, and each fence ourselves.
        for token in tokens:
            if token.type == "fence" or token.type == "code_block":
                language = (token.info or "").strip().split(" ")[0] if token.type == "fence" else ""
                blocks.append(CodeBlock(language, token.content))
                parts.append(("code", len(blocks) - 1))
            else:
                parts.append(("md", token))
        out, run = [], []
        for kind, value in parts:
            if kind == "md":
                run.append(value)
                continue
            if run:
                out.append(self._md.renderer.render(run, self._md.options, {}))
                run = []
            out.append(self._code_html(blocks[value], value, link_prefix))
        if run:
            out.append(self._md.renderer.render(run, self._md.options, {}))
        return Rendered("".join(out), blocks)

    def code_parts(self, block: CodeBlock, index: int, prefix: str) -> tuple[str, str, str]:
        """A code block's background colour, its header (language, Copy and Save links) and its
        highlighted body: what every way of drawing a code block shows."""
        background = "#272822" if self.dark else "#f4f4f4"
        label = html.escape(block.language or "code")
        links = (f'<a href="code:copy:{prefix}:{index}">Copy</a> &nbsp; '
                 f'<a href="code:save:{prefix}:{index}">Save…</a>')
        return background, f"{label} &nbsp; {links}", highlight_code(block.code.rstrip("\n"), block.language, self.dark)

    def _code_html(self, block: CodeBlock, index: int, prefix: str) -> str:
        background, header, body = self.code_parts(block, index, prefix)
        return (
            f'<table width="100%" cellspacing="0" cellpadding="6" style="background:{background};'
            f' margin-top:4px; margin-bottom:4px"><tr><td><small>{header}</small>'
            f'<pre style="font-family:monospace; margin:0">{body}</pre></td></tr></table>'
        )
