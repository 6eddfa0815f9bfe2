"""Syntax highlighting for code editors, driven by Pygments lexers and styles."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat

from desktop.core.text.markdown_html import DARK_STYLE, LIGHT_STYLE


def make_lexer(language: str):
    """Building a Pygments lexer compiles its regular expressions (100+ ms for Python):
    done on a background thread, then handed to the highlighter."""
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer()


class PygmentsHighlighter(QSyntaxHighlighter):
    """Highlights line by line (QSyntaxHighlighter's unit); good enough for editing.
    Plain until the lexer for the language is ready."""

    def __init__(self, document, background, language: str = "python", dark: bool = False):
        super().__init__(document)
        self._background = background
        self._formats: dict = {}
        self._lexer = None
        self._language = ""
        self._dark = dark
        self._style = None
        self.set_language(language)

    def set_language(self, language: str) -> None:
        self._language = language
        self._background.run(lambda: (language, make_lexer(language), _style(self._dark)), self._use)

    def set_style(self, dark: bool) -> None:
        self._dark = dark
        self._background.run(lambda: (self._language, self._lexer, _style(dark)), self._use)

    def _use(self, prepared) -> None:
        language, lexer, style = prepared
        if language != self._language:
            return  # the language changed again meanwhile
        self._lexer, self._style = lexer, style
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
        if self._lexer is None:
            return
        position = 0
        for token_type, value in self._lexer.get_tokens(text):
            length = len(value)
            if value.strip():
                self.setFormat(position, length, self._format(token_type))
            position += length


def _style(dark: bool):
    from pygments.styles import get_style_by_name

    return get_style_by_name(DARK_STYLE if dark else LIGHT_STYLE)
