"""Settings: data folder, model folders, CPU threads, context length, memory, image
precision, theme."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QPushButton,
                               QSpinBox, QVBoxLayout)

from desktop.core import hardware
from desktop.core.image.precision import PRECISIONS
from desktop.settings import THEMES
from desktop.ui.widgets.layouts import as_widget


class SettingsDialog(QDialog):
    def __init__(self, settings, current_data_dir: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        form = QFormLayout()

        self.data_dir = QLineEdit(settings.get("data_dir"))
        self.data_dir.setPlaceholderText(current_data_dir)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_data_dir)
        row = QHBoxLayout()
        row.addWidget(self.data_dir, 1)
        row.addWidget(browse)
        form.addRow("Data folder", as_widget(row))
        form.addRow("", QLabel("<small>Library and outputs. Takes effect after a restart.</small>"))

        self.model_dirs = QListWidget()
        self.model_dirs.addItems(settings.get("model_dirs"))
        self.model_dirs.setMaximumHeight(100)
        add, remove = QPushButton("Add folder…"), QPushButton("Remove")
        add.clicked.connect(self._add_model_dir)
        remove.clicked.connect(lambda: [self.model_dirs.takeItem(self.model_dirs.row(i))
                                        for i in self.model_dirs.selectedItems()])
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.addWidget(self.model_dirs)
        column.addLayout(buttons)
        form.addRow("Model folders", as_widget(column))

        cores = hardware.physical_cores()
        self.threads = QSpinBox()
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText(f"Automatic ({cores} physical cores)")
        self.threads.setValue(settings.get("cpu_threads"))
        form.addRow("CPU threads", self.threads)

        self.context = QSpinBox()
        self.context.setRange(512, 262144)
        self.context.setSingleStep(1024)
        self.context.setValue(settings.get("context_length"))
        self.context.setToolTip("Tokens the model sees at once; capped at what the model was trained for.")
        form.addRow("Context length", self.context)

        self.memory = QSpinBox()
        self.memory.setRange(0, 1024 * 1024)
        self.memory.setSingleStep(512)
        self.memory.setSuffix(" MiB")
        self.memory.setSpecialValueText(f"Automatic (half the RAM, {hardware.total_ram_bytes() // 2**21:,} MiB)")
        self.memory.setValue(settings.get("memory_budget_mib"))
        form.addRow("Memory for loaded models", self.memory)

        self.precision = QComboBox()
        for name in PRECISIONS:
            self.precision.addItem(_precision_label(name), name)
        self.precision.setCurrentIndex(max(0, self.precision.findData(settings.get("image_precision"))))
        self.precision.setToolTip("The same seed gives the same pixels only with the same precision and "
                                  "device; every image records the one it ran in.")
        form.addRow("Image precision", self.precision)

        self.theme = QComboBox()
        for theme in THEMES:
            self.theme.addItem({"system": "Follow the system"}.get(theme, theme.capitalize()), theme)
        self.theme.setCurrentIndex(self.theme.findData(settings.get("theme")))
        form.addRow("Theme", self.theme)

        box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(box)

    def _browse_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    def _add_model_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a model folder")
        if folder:
            self.model_dirs.addItem(folder)

    def apply(self) -> None:
        s = self.settings
        s.set("data_dir", self.data_dir.text().strip())
        s.set("model_dirs", [self.model_dirs.item(i).text() for i in range(self.model_dirs.count())])
        s.set("cpu_threads", self.threads.value())
        s.set("context_length", self.context.value())
        s.set("memory_budget_mib", self.memory.value())
        s.set("image_precision", self.precision.currentData())
        s.set("theme", self.theme.currentData())


def _precision_label(name: str) -> str:
    if name == "auto":  # CUDA is not probed here: that would import torch on the GUI thread
        cpu = "bf16" if hardware.cpu_has_native_bf16() else "fp32"
        return f"Automatic (fp16 on a CUDA GPU; {cpu} on this CPU)"
    return {"fp32": "fp32 (full precision; the reference)",
            "bf16": "bf16 (half the memory; fast only on CPUs with native bf16)",
            "fp16": "fp16 (CUDA GPUs only)"}[name]

