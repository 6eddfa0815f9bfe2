"""The Models window (Models in the menu bar): Installed, Catalog, Downloads. Not modal: a person
keeps working while a model downloads."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout

from desktop.ui.models.catalog_tab import CatalogTab
from desktop.ui.models.downloads_tab import DownloadsTab
from desktop.ui.models.installed_tab import InstalledTab


class ModelsWindow(QDialog):
    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.resize(980, 560)
        self.installed = InstalledTab(services, self)
        self.catalog = CatalogTab(services, self)
        self.downloads = DownloadsTab(services.downloads, self)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.installed, "Installed")
        self.tabs.addTab(self.catalog, "Catalog")
        self.tabs.addTab(self.downloads, "Downloads")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        services.downloads.changed.connect(self._title_downloads)
        services.downloads.finished.connect(lambda _task: self.catalog.refresh())
        self._title_downloads()

    def open_on(self, tab: str = "catalog") -> None:
        self.installed.refresh()
        self.catalog.refresh()
        self.tabs.setCurrentWidget(getattr(self, tab))
        self.show()
        self.raise_()
        self.activateWindow()

    def _title_downloads(self) -> None:
        active = sum(task.state in ("queued", "downloading") for task in self.downloads.queue.tasks())
        self.tabs.setTabText(2, f"Downloads ({active})" if active else "Downloads")
