"""Light/dark theme that follows the system's colour scheme unless the person picks one."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def _dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor(30, 31, 34), QColor(43, 45, 48), QColor(223, 225, 229)
    accent = QColor(76, 130, 247)
    for group in (QPalette.Active, QPalette.Inactive):
        p.setColor(group, QPalette.Window, window)
        p.setColor(group, QPalette.WindowText, text)
        p.setColor(group, QPalette.Base, base)
        p.setColor(group, QPalette.AlternateBase, window)
        p.setColor(group, QPalette.Text, text)
        p.setColor(group, QPalette.Button, window)
        p.setColor(group, QPalette.ButtonText, text)
        p.setColor(group, QPalette.ToolTipBase, base)
        p.setColor(group, QPalette.ToolTipText, text)
        p.setColor(group, QPalette.Highlight, accent)
        p.setColor(group, QPalette.HighlightedText, QColor(255, 255, 255))
        p.setColor(group, QPalette.Link, QColor(120, 165, 255))
        p.setColor(group, QPalette.PlaceholderText, QColor(140, 143, 150))
        # Frame and border shades (the light defaults would draw white outlines).
        p.setColor(group, QPalette.Light, QColor(70, 73, 78))
        p.setColor(group, QPalette.Midlight, QColor(58, 60, 64))
        p.setColor(group, QPalette.Mid, QColor(80, 83, 88))
        p.setColor(group, QPalette.Dark, QColor(24, 25, 27))
        p.setColor(group, QPalette.Shadow, QColor(10, 10, 12))
    disabled = QColor(120, 122, 128)
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, disabled)
    p.setColor(QPalette.Disabled, QPalette.Base, window)
    p.setColor(QPalette.Disabled, QPalette.Button, window)
    p.setColor(QPalette.Disabled, QPalette.Window, window)
    return p


def _restyle_styled_widgets(app: QApplication) -> None:
    """A widget with a style sheet keeps the palette it was polished with (its `palette(base)`
    and its default colours were resolved then), so a new application palette would leave it
    in the old theme until a restart: setting its sheet again polishes it with the new one."""
    for widget in app.allWidgets():
        sheet = widget.styleSheet()
        if sheet:
            widget.setStyleSheet(sheet)


class Theme(QObject):
    """Applies the palette and tells views (which render HTML) when dark mode flips."""

    changed = Signal(bool)  # dark?

    def __init__(self, app: QApplication, setting: str = "system", parent=None):
        super().__init__(parent)
        self.app = app
        self.setting = setting
        self.dark = False
        app.setStyle("Fusion")
        # The platform's own palette says whether the system is dark. (Asking styleHints()
        # for the colour scheme materialises the whole `Qt` enum namespace: ~30 ms of
        # start-up before the first paint.) Later changes arrive as a signal.
        self._system_dark = app.palette().color(QPalette.Window).lightness() < 128
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_system_changed)
        self.apply(setting)

    def system_is_dark(self) -> bool:
        return self._system_dark

    def apply(self, setting: str) -> None:
        self.setting = setting
        dark = setting == "dark" or (setting == "system" and self.system_is_dark())
        self.app.setPalette(_dark_palette() if dark else self.app.style().standardPalette())
        _restyle_styled_widgets(self.app)
        if dark != self.dark:
            self.dark = dark
            self.changed.emit(dark)

    def _on_system_changed(self, scheme) -> None:
        self._system_dark = scheme.name == "Dark"
        if self.setting == "system":
            self.apply("system")
