"""The real window over a data folder, as the panel tests open it."""

from PySide6.QtWidgets import QApplication

from desktop.models.settings_model import SettingsModel
from desktop.services import Services
from desktop.settings import Settings
from desktop.ui.main_window import MainWindow
from desktop.ui.theme import Theme


def open_window(qtbot, data_dir, settings: Settings | None = None, panel: str = ""):
    """(window, services), shown; the caller shuts services down after the test."""
    services = Services(SettingsModel(settings or Settings()), data_dir)
    window = MainWindow(services.settings, Theme(QApplication.instance(), "light"), services)
    qtbot.addWidget(window)
    window.show()
    if panel:
        window.show_panel(panel)
    return window, services
