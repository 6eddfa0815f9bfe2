"""Installed: every model the studios can use — name, size, where, the app it comes from, when
it was last used — with Delete for what Atelier downloaded and Hide for the rest."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox,
                               QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from desktop.core.model_registry import human_size
from desktop.viewmodels.installed_models import InstalledModels

COLUMNS = ("Name", "Studio", "Size", "Source", "Last used", "Where")


class InstalledTab(QWidget):
    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.model = InstalledModels(services, self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Only for models Atelier downloaded")
        self.hide_button = QPushButton("Hide")
        self.hide_button.setToolTip("Leave another app's model out of Atelier's lists (its files stay)")
        self.unhide_button = QPushButton("Show hidden")
        self.add_app_button = QPushButton("Add another app's folder…")
        self.add_app_button.setToolTip("The root of LM Studio, Ollama, ComfyUI… kept somewhere else: used in place")
        self.converted = QLabel()
        self.clear_converted_button = QPushButton("Clear converted models")
        self.clear_converted_button.setToolTip(
            "Image models converted for OpenVINO (the faster CPU runtime) are kept so the next start is quick; "
            "the least recently used go by themselves past 24 GB. Clearing frees the space now; each model is "
            "converted again (about a minute) the next time it runs.")
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.add_app_button, self.unhide_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.hide_button)
        buttons.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Models in Atelier's folder, the folders you added, and those other apps keep "
                                "(used where they are, never copied)."))
        layout.addWidget(self.table, 1)
        converted = QHBoxLayout()
        converted.addWidget(self.converted, 1)
        converted.addWidget(self.clear_converted_button)
        layout.addLayout(converted)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.model.ready.connect(self._show)
        self.model.removed.connect(self.status.setText)
        self.model.failed.connect(self.status.setText)
        self.model.converted_size.connect(self._show_converted)
        self.clear_converted_button.clicked.connect(self.clear_converted)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.delete_button.clicked.connect(self.delete_selected)
        self.hide_button.clicked.connect(lambda: self._act(self.model.hide))
        self.unhide_button.clicked.connect(self.show_hidden)
        self.add_app_button.clicked.connect(self.add_app_folder)
        self._update_buttons()

    def refresh(self) -> None:
        self.model.refresh()

    def _show(self, rows) -> None:
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            when = dt.datetime.fromtimestamp(row.last_used).strftime("%Y-%m-%d %H:%M") if row.last_used else "never"
            for column, text in enumerate((row.name, row.studio, human_size(row.size_bytes) if row.size_bytes else "",
                                           row.source, when, row.path)):
                item = QTableWidgetItem(text)
                item.setToolTip(row.path)
                self.table.setItem(index, column, item)
        self.table.resizeColumnsToContents()
        hidden = len(self.services.settings.get("hidden_models"))
        self.unhide_button.setText(f"Show hidden ({hidden})" if hidden else "Show hidden")
        self.unhide_button.setEnabled(bool(hidden))
        self._update_buttons()

    def _show_converted(self, size: int) -> None:
        self.converted.setText(f"Converted for the faster image runtime: {human_size(size)}" if size
                               else "No image model is converted for the faster runtime.")
        self.clear_converted_button.setEnabled(size > 0)

    def clear_converted(self) -> None:
        self.clear_converted_button.setEnabled(False)
        self.model.clear_converted()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows and rows[0].row() < len(self.model.rows) else None

    def _update_buttons(self) -> None:
        row = self.selected()
        self.delete_button.setEnabled(row is not None and row.downloaded_to is not None)
        self.hide_button.setEnabled(row is not None and row.downloaded_to is None)

    def _act(self, action) -> None:
        row = self.selected()
        if row is not None:
            action(row)

    def delete_selected(self) -> None:
        row = self.selected()
        if row is None or row.downloaded_to is None:
            return
        answer = QMessageBox.question(self, "Delete model", f"Delete {row.name} from {row.downloaded_to}?\n"
                                      "Only the files Atelier downloaded are deleted.")
        if answer == QMessageBox.Yes:
            self.model.delete(row)

    def show_hidden(self) -> None:
        self.services.settings.set("hidden_models", [])  # the lists scan again

    def add_app_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Another app's model folder")
        if folder:
            folders = self.services.settings.get("other_app_dirs")
            if folder not in folders:
                self.services.settings.set("other_app_dirs", [*folders, folder])  # the lists scan again
            self.status.setText(f"Looking for models in {folder}…")
