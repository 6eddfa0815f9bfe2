"""The main window: a sidebar of studios (from PANELS), the studio area, and the status
area with running and queued jobs. Drop a model file or folder anywhere to add it
(shell/model_adding.py routes it to its studio)."""

from __future__ import annotations

from pathlib import Path

import logging

from PySide6.QtCore import QByteArray, QEvent, QSize, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (QHBoxLayout, QListWidget, QListWidgetItem,
                               QMainWindow, QMessageBox, QStackedWidget, QWidget)

# Nothing here touches the `Qt` namespace before the first paint: materialising its
# enums costs ~30 ms of start-up (see bench/startup_time.py).

from desktop import APP_NAME, __version__
from desktop.paths import resources_dir

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Built in two steps so the first paint is quick: the shell (sidebar, status bar,
    geometry) is shown at once; `attach(services)` then imports and builds the studios."""

    first_painted = Signal()

    def __init__(self, settings, theme, services=None, parent=None):
        super().__init__(parent)
        self.settings, self.theme, self.services = settings, theme, None
        self._painted = False
        self.models_window = None
        self.model_adding = None  # with the services (attach)
        self.installEventFilter(self)
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(QIcon(str(resources_dir() / "atelier.svg")))
        self.setAcceptDrops(True)
        self.setMinimumSize(720, 480)

        self.sidebar = QListWidget()
        self.sidebar.setFixedWidth(120)
        self.sidebar.setObjectName("studioSidebar")
        self.sidebar.setStyleSheet("QListWidget#studioSidebar { font-size: 15px; border: none; }"
                                   "QListWidget#studioSidebar::item { padding-left: 14px; }")
        self.stack = QStackedWidget()
        self.panels: dict[str, QWidget] = {}
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage("Starting…")
        self._restore_geometry()
        if services is not None:
            self.attach(services)

    def attach(self, services) -> None:
        from PySide6.QtCore import Qt

        from desktop.ui.shell.jobs_bar import JobsBar
        from desktop.ui.shell.studios import PANELS

        self.services = services
        for key, label, panel_class in PANELS:
            panel = panel_class(services, self.theme)
            self.panels[key] = panel
            self.stack.addWidget(panel)
            item = QListWidgetItem(label)
            item.setData(Qt.UserRole, key)
            item.setSizeHint(QSize(100, 40))
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        self.jobs_bar = JobsBar(services.queue)
        self.statusBar().addPermanentWidget(self.jobs_bar)
        services.store.waiting.connect(self._show_library_waiting)
        services.store.unhandled_error.connect(lambda message: self.statusBar().showMessage(message, 15000))
        self.statusBar().clearMessage()
        self._build_menus()
        from desktop.ui.shell.model_adding import ModelAdding

        self.model_adding = ModelAdding(self, services)
        self.model_adding.watch_text_boxes()
        services.models.problems_found.connect(self._on_model_problems)
        from desktop.ui.shell.integrity_prompt import IntegrityPrompt
        from desktop.ui.shell.library_state_prompt import LibraryStatePrompt

        self.library_state = LibraryStatePrompt(services, self)
        self.integrity = IntegrityPrompt(services, self)
        library = self.panels["library"]
        library.reuse_requested.connect(self.reuse_generation)
        library.image_prompt_requested.connect(self.use_as_image_prompt)
        from desktop.ui.shell.hand_offs import HandOffs

        self.hand_offs = HandOffs(self, services)
        for panel in self.panels.values():
            self.hand_offs.watch(panel)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&Add model file…", self.add_model_dialog)
        file_menu.addAction("Add model &folder…", self.add_model_folder_dialog)
        file_menu.addAction("&Rescan models", self.services.rescan_models)
        file_menu.addSeparator()
        file_menu.addAction("&Settings…", self.open_settings)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", self.close, "Ctrl+Q")
        models_menu = self.menuBar().addMenu("&Models")
        models_menu.addAction("&Catalog…", lambda: self.open_models("catalog"), "Ctrl+Shift+M")
        models_menu.addAction("&Installed…", lambda: self.open_models("installed"))
        models_menu.addAction("&Downloads…", lambda: self.open_models("downloads"))
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction("&About Atelier", self._about)

    def open_models(self, tab: str = "catalog") -> None:
        """The Models window, made on first use (it reads the catalog then, not at start-up)."""
        if self.models_window is None:
            from desktop.ui.models.models_window import ModelsWindow

            self.models_window = ModelsWindow(self.services, self)
        self.models_window.open_on(tab)

    def panel(self, key: str) -> QWidget:
        return self.panels[key]

    def show_panel(self, key: str) -> None:
        self.sidebar.setCurrentRow(list(self.panels).index(key))

    # -- from the Library back to the panels --------------------------------------------------

    def reuse_generation(self, generation) -> None:
        if generation.modality in ("image", "audio", "video"):
            key = generation.modality
        else:
            key = "code" if generation.kind.startswith("code") else "text"
        if key in self.panels:
            self.panels[key].reuse(generation)
            self.show_panel(key)

    def use_as_image_prompt(self, path: str) -> None:
        self.panels["image"].load_image_file(path)
        self.show_panel("image")

    # -- first paint -----------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:
        # A one-shot filter rather than a paintEvent override: an override would call into
        # Python (and wait for the GIL) on every repaint of any child, for the app's life.
        if watched is self and event.type() == QEvent.Paint and not self._painted:
            self._painted = True
            self.removeEventFilter(self)
            QTimer.singleShot(0, self.first_painted.emit)
        return False

    # -- models ----------------------------------------------------------------------------

    def add_model_dialog(self) -> None:
        self.model_adding.choose_files()

    def add_model_folder_dialog(self) -> None:
        self.model_adding.choose_folder()

    def dragEnterEvent(self, event) -> None:
        if self.model_adding is not None:
            self.model_adding.drag_enter(event)
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        if self.model_adding is not None:
            self.model_adding.drop(event)
        else:
            event.ignore()

    def _on_model_problems(self, problems) -> None:
        for problem in problems:
            log.warning("Model skipped: %s: %s", problem.path, problem.message)
        names = ", ".join(Path(p.path).name for p in problems[:3])
        self.statusBar().showMessage(f"Skipped {len(problems)} unusable model file(s): {names} (details in the log)", 15000)

    def _show_library_waiting(self, message: str) -> None:
        """A person's edit waits for a library another process holds: said until it is over."""
        if message:
            self.statusBar().showMessage(message)
        elif self.statusBar().currentMessage().startswith("Waiting for the library"):
            self.statusBar().clearMessage()

    # -- settings and geometry --------------------------------------------------------------

    def open_settings(self) -> None:
        from desktop.ui.shell.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.services.settings, str(self.services.layout.root), self)
        if dialog.exec():
            dialog.apply()
            self.theme.apply(self.services.settings.get("theme"))
            self.services.settings.save_in_background(self.services.background)

    def _restore_geometry(self) -> None:
        geometry = self.settings.get("window_geometry")
        if geometry:
            self.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
        else:
            self.resize(1200, 760)
        state = self.settings.get("window_state")
        if state:
            self.restoreState(QByteArray.fromBase64(state.encode()))

    def closeEvent(self, event) -> None:
        settings = self.settings
        settings.set("window_geometry", bytes(self.saveGeometry().toBase64()).decode())
        settings.set("window_state", bytes(self.saveState().toBase64()).decode())
        super().closeEvent(event)

    def _about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<b>{APP_NAME} {__version__}</b><p>An offline studio for local generative "
                          f"models. Nothing leaves this machine.</p><p>Data: {self.services.layout.root}</p>")
