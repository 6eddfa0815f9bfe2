"""The real window over a data folder, as the panel tests open it."""

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.viewmodels.settings_model import SettingsModel
from desktop.services import Services
from desktop.settings import Settings
from desktop.ui.shell.main_window import MainWindow
from desktop.ui.shell.theme import Theme


def open_window(qtbot, data_dir, settings: Settings | None = None, panel: str = ""):
    """(window, services), shown; the caller shuts services down after the test."""
    services = Services(SettingsModel(settings or Settings()), data_dir)
    window = MainWindow(services.settings, Theme(QApplication.instance(), "light"), services)
    qtbot.addWidget(window)
    window.show()
    if panel:
        window.show_panel(panel)
    return window, services


def rows(panel, sql: str) -> list:
    """The answer of one query on the library the panel's window records into."""
    conn = sqlite3.connect(panel.services.layout.database)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def tile_drawn(model, row: int, placeholder) -> bool:
    """Whether row's tile is drawn (not the placeholder); False while a reset empties the model."""
    tile = model.index(row).data(Qt.DecorationRole)
    return tile is not None and tile.toImage() != placeholder


def searched(qtbot, library, text: str) -> None:
    """Type into the Library's search and wait until the grid shows that search's results."""
    library.filters.search.setText(text)
    qtbot.waitUntil(lambda: library.model._query.text == text and not library.model.loading, timeout=10000)


def open_only_library_item(qtbot, window):
    """Open the Library's only item in a viewer; the viewer."""
    window.show_panel("library")
    library = window.panel("library")
    qtbot.waitUntil(lambda: library.model.rowCount() == 1 and not library.model.loading, timeout=10000)
    library.grid.setCurrentIndex(library.model.index(0))
    qtbot.waitUntil(lambda: library.details is not None, timeout=10000)
    library.open_viewer()
    return library._viewers[-1]


def view_only_library_item(qtbot, window):
    """Open the Library's only item in a viewer, once its audio waveform is drawn; the viewer."""
    viewer = open_only_library_item(qtbot, window)
    qtbot.waitUntil(lambda: viewer.pane.audio is not None and viewer.pane.audio.waveform.peaks is not None,
                    timeout=10000)
    return viewer
