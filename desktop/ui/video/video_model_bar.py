"""Which model makes the clip: the model (an AnimateDiff base — a Stable Diffusion 1.5 folder —,
Stable Video Diffusion or LTX-Video) and, for an AnimateDiff base only, its motion adapter. Both
come from the one video model list (desktop/core/video/video_registry.scan), split by kind."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

ADAPTER_KIND, BASE_KIND = "motion adapter", "AnimateDiff base"  # video_registry's kinds


class VideoModelBar(QWidget):
    changed = Signal()  # the model or the adapter is another one now

    def __init__(self, model_list, remembered: str = "", remembered_adapter: str = "", parent=None):
        super().__init__(parent)
        self.model_list = model_list
        self._wanted_model, self._wanted_adapter = remembered, remembered_adapter
        self.model = QComboBox()
        self.model.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(18)
        self.model.setPlaceholderText("No video model yet")
        self.model.setToolTip("The image model the clip is drawn with (SD 1.5 family). None yet: get one from "
                              "Models › Catalog, or add a folder in Settings › Model folders")
        self.adapter = QComboBox()
        self.adapter.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.adapter.setMinimumContentsLength(14)
        self.adapter.setPlaceholderText("No motion adapter found")
        self.adapter_label = QLabel("Motion")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Model"))
        row.addWidget(self.model, 3)
        row.addWidget(self.adapter_label)
        row.addWidget(self.adapter, 2)
        model_list.scanned.connect(self._fill)
        model_list.model_added.connect(lambda _info: self._fill())
        self.model.currentIndexChanged.connect(self._on_model_changed)
        self.adapter.currentIndexChanged.connect(self._on_adapter_changed)
        self._filling = False
        self._fill()

    def current(self):
        """The chosen VideoModelInfo (not an adapter), or None."""
        return self.model.currentData()

    def current_adapter(self):
        """The chosen motion adapter's VideoModelInfo when the model needs one, else None."""
        info = self.current()
        return self.adapter.currentData() if info is not None and info.kind == BASE_KIND else None

    def adapters(self) -> list:
        return [info for info in self.model_list.models() if info.kind == ADAPTER_KIND]

    def choose(self, model_path: str = "", adapter_path: str = "") -> None:
        if model_path:
            self._wanted_model = model_path
        if adapter_path:
            self._wanted_adapter = adapter_path
        self._fill()

    def recommended(self) -> dict:
        """The model's preset; a few-step adapter's (its steps, guidance 1, its scheduler) wins."""
        info, adapter = self.current(), self.current_adapter()
        values = dict(info.recommended) if info is not None else {}
        values.update(dict(adapter.recommended) if adapter is not None else {})
        return values

    def _fill(self) -> None:
        models = self.model_list.models()
        self._filling = True
        try:
            for box, kinds, wanted in ((self.model, lambda k: k != ADAPTER_KIND, self._wanted_model),
                                       (self.adapter, lambda k: k == ADAPTER_KIND, self._wanted_adapter)):
                box.clear()
                listed = [info for info in models if kinds(info.kind)]
                for info in listed:
                    box.addItem(info.label, info)
                    box.setItemData(box.count() - 1, info.path, 3)  # Qt.ToolTipRole
                paths = [info.path for info in listed]
                box.setCurrentIndex(paths.index(wanted) if wanted in paths else (0 if listed else -1))
        finally:
            self._filling = False
        self._show_adapter()
        self.changed.emit()

    def _on_model_changed(self, _row: int) -> None:
        if not self._filling and self.current() is not None:
            self._wanted_model = self.current().path
            self._show_adapter()
            self.changed.emit()

    def _on_adapter_changed(self, _row: int) -> None:
        if not self._filling and self.adapter.currentData() is not None:
            self._wanted_adapter = self.adapter.currentData().path
            self.changed.emit()

    def _show_adapter(self) -> None:
        info = self.current()
        needs = info is not None and info.kind == BASE_KIND
        self.adapter.setVisible(needs)
        self.adapter_label.setVisible(needs)
