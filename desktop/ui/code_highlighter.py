"""Syntax highlighting for code editors, driven by Pygments lexers and styles."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound

from desktop.core.markdown_html import DARK_STYLE, LIGHT_STYLE


class PygmentsHighlighter(QSyntaxHighlighter):
    """Highlights line by line (QSyntaxHighlighter's unit); good enough for editing."""

    def __init__(self, document, language: str = "python", dark: bool = False):
        super().__init__(document)
        self._formats: dict = {}
        self._lexer = TextLexer()
        self.set_style(dark)
        self.set_language(language)

    def set_language(self, language: str) -> None:
        try:
            self._lexer = get_lexer_by_name(language, stripnl=False, ensurenl=False)
        except ClassNotFound:
            self._lexer = TextLexer()
        self.rehighlight()

    def set_style(self, dark: bool) -> None:
        self._style = get_style_by_name(DARK_STYLE if dark else LIGHT_STYLE)
        self._formats.clear()
        self.rehighlight()

    def _format(self, token_type) -> QTextCharFormat:
        fmt = self._formats.get(token_type)
        if fmt is None:
            style = self._style.style_for_token(token_type)
            fmt = QTextCharFormat()
            if style["color"]:
                fmt.setForeground(QColor(f"#{style['color']}"))
            if style["bold"]:
                fmt.setFontWeight(QFont.Bold)
            if style["italic"]:
                fmt.setFontItalic(True)
            self._formats[token_type] = fmt
        return fmt

    def highlightBlock(self, text: str) -> None:
        position = 0
        for token_type, value in self._lexer.get_tokens(text):
            length = len(value)
            if value.strip():
                self.setFormat(position, length, self._format(token_type))
            position += length
