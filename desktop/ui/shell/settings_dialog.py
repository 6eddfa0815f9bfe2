"""Settings, built from the declarations in desktop/settings.py: each declared setting gets
the editor its declaration calls for (a folder, a list of folders, a number with its range,
a choice, a switch, a hidden secret), its label and its help, on its section's tab. Nothing
about a setting is written here."""

from __future__ import annotations

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton, QTabWidget, QVBoxLayout,
                               QWidget)

from desktop import settings as settings_io
from desktop.core import hardware
from desktop.ui.widgets.layouts import as_widget
from desktop.ui.widgets.number_fields import IntField


def machine_facts() -> dict:
    """What declarations may mention about this machine (no torch: nothing heavy on the GUI thread)."""
    return {"cores": hardware.physical_cores(), "half_ram_mib": hardware.total_ram_bytes() // 2**21,
            "cpu_precision": "bf16" if hardware.cpu_has_native_bf16() else "fp32"}


class SettingsDialog(QDialog):
    def __init__(self, settings, current_data_dir: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.facts = machine_facts()
        self.editors: dict[str, tuple] = {}  # name -> (editor, read its value)
        self.tabs = QTabWidget()
        forms: dict[str, QFormLayout] = {}
        for declared in settings_io.declared():
            meta, value = declared.metadata, settings.get(declared.name)
            editor, read = self._editor(declared.name, meta, value, current_data_dir)
            editor.setToolTip(meta["help"])
            self.editors[declared.name] = (editor, read)
            if meta["section"] not in forms:
                page = QWidget()
                forms[meta["section"]] = QFormLayout(page)
                self.tabs.addTab(page, meta["section"])
            forms[meta["section"]].addRow(meta["label"], editor)
        box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(box)

    def _editor(self, name: str, meta: dict, value, current_data_dir: str):
        if isinstance(value, list):
            return self._folder_list(value)
        if isinstance(value, bool):
            check = QCheckBox(meta["help"])
            check.setChecked(value)
            return check, check.isChecked
        if meta["choices"]:
            combo = QComboBox()
            for key, label in meta["choices"].items():
                combo.addItem(label.format(**self.facts), key)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            return combo, combo.currentData
        if isinstance(value, int):
            spin = IntField(meta["minimum"], meta["maximum"])
            spin.setSingleStep(meta["step"])
            spin.setSuffix(meta["unit"])
            if meta["zero_means"]:
                spin.setSpecialValueText(meta["zero_means"].format(**self.facts))
            spin.setValue(value)
            return spin, spin.value
        line = QLineEdit(value)
        line.setPlaceholderText(current_data_dir if name == "data_dir" else "")
        if meta["secret"]:
            line.setEchoMode(QLineEdit.PasswordEchoOnEdit)
        if not meta["folder"]:
            return line, lambda: line.text().strip()
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self._browse(line, meta["label"]))
        row = QHBoxLayout()
        row.addWidget(line, 1)
        row.addWidget(browse)
        column = QVBoxLayout()
        column.addLayout(row)
        column.addWidget(QLabel(f"<small>{meta['help']}</small>"))
        return as_widget(column), lambda: line.text().strip()

    def _folder_list(self, folders: list[str]):
        listing = QListWidget()
        listing.addItems(folders)
        listing.setMaximumHeight(100)
        add, remove = QPushButton("Add folder…"), QPushButton("Remove")
        add.clicked.connect(lambda: self._add_folder(listing))
        remove.clicked.connect(lambda: [listing.takeItem(listing.row(i)) for i in listing.selectedItems()])
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(listing)
        column.addLayout(buttons)
        return as_widget(column), lambda: [listing.item(i).text() for i in range(listing.count())]

    def _browse(self, line: QLineEdit, title: str) -> None:
        folder = QFileDialog.getExistingDirectory(self, title, line.text())
        if folder:
            line.setText(folder)

    def _add_folder(self, listing: QListWidget) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a model folder")
        if folder:
            listing.addItem(folder)

    def editor(self, name: str) -> QWidget:
        return self.editors[name][0]

    def apply(self) -> None:
        for name, (_editor, read) in self.editors.items():
            self.settings.set(name, read())
