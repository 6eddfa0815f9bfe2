"""The window with both tiny GGUFs listed, and the Text studio on the chat one."""

import pytest
from PySide6.QtWidgets import QApplication

from desktop.ui.shell.main_window import MainWindow
from desktop.ui.shell.theme import Theme


@pytest.fixture
def window(qtbot, services):
    theme = Theme(QApplication.instance(), "light")
    win = MainWindow(services.settings, theme, services)
    qtbot.addWidget(win)
    win.show()
    services.models.refresh()
    qtbot.waitUntil(lambda: services.models.rowCount() >= 2, timeout=20000)
    return win


@pytest.fixture
def text_panel(window, tiny_chat_gguf):
    panel = window.panel("text")
    panel.picker.choose(str(tiny_chat_gguf))
    panel.sampling.max_tokens.setValue(40)
    panel.sampling.temperature.setValue(0)
    return panel
