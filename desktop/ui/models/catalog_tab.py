"""Catalog: the curated models for every studio, filtered by studio, each with its size, licence
(and whether it is gated), whether it fits this machine, and whether it is already here; a GGUF
offers its quantizations. Download queues it in the Downloads tab."""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from desktop.core.models.local_copies import ATELIER
from desktop.viewmodels.model_offers import ModelOffers

STUDIOS = (("All studios", ""), ("Text", "text"), ("Code", "code"), ("Image", "image"), ("Upscaler", "upscaler"),
           ("Audio", "audio"), ("Video", "video"))
COLUMNS = ("Name", "", "Choice", "Studio", "Size", "Fits this computer?", "Speed here (estimate)", "Licence")
NAME, ACTION, CHOICE = 0, 1, 2  # the rest are text cells in COLUMNS' order
FIT_COLORS = {"fits": "#2e7d32", "tight": "#b26a00", "too big": "#c62828"}


class CatalogTab(QWidget):
    def __init__(self, services, parent=None):
        super().__init__(parent)
        self.services = services
        self.offers = ModelOffers(services, tuple(key for _label, key in STUDIOS if key), everything=True, parent=self)
        self.studio = QComboBox()
        for label, key in STUDIOS:
            self.studio.addItem(label, key)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setOpenExternalLinks(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Studio"))
        top.addWidget(self.studio)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        self.offers.ready.connect(self._show)
        self.offers.failed.connect(lambda message: self.detail.setText(f"The catalog could not be read: {message}"))
        self.studio.currentIndexChanged.connect(lambda _i: self._show(self.offers.offers))
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.shown: list = []

    def refresh(self) -> None:
        self.offers.refresh()

    def _show(self, offers) -> None:
        studio = self.studio.currentData()
        order = [key for _label, key in STUDIOS]
        self.shown = sorted((o for o in offers if not studio or o.entry.studio == studio),
                            key=lambda o: order.index(o.entry.studio))  # by studio; best picks first within one
        self.table.setRowCount(len(self.shown))
        for index, offer in enumerate(self.shown):
            entry = offer.entry
            licence = entry.licence + (" · gated" if entry.gated else "")
            size = offer.size_text if offer.plan.approx_bytes else "—"
            speed = (offer.speed or "").replace(" on this machine (estimate)", "")
            cells = {NAME: entry.name, 3: entry.studio, 4: size, 5: _short_fit(offer.fit), 6: speed, 7: licence}
            tips = {4: offer.size_text, 5: f"{offer.fit.text()} ({entry.memory.estimate})",
                    6: offer.speed or "", 7: entry.licence_url}
            for column, text in cells.items():
                item = QTableWidgetItem(text)
                item.setToolTip(tips.get(column, entry.description))
                self.table.setItem(index, column, item)
            color = FIT_COLORS.get(offer.fit.verdict)
            if color:
                self.table.item(index, 5).setForeground(_brush(color))
            self.table.setCellWidget(index, CHOICE, self._choice(entry))
            self.table.setCellWidget(index, ACTION, self._action(offer, index))
        self.table.resizeColumnsToContents()

    def _choice(self, entry) -> QWidget:
        if not entry.quants:
            return QLabel("")
        from desktop.core.models import catalog

        combo = QComboBox()
        combo.addItems(entry.quants)
        combo.setCurrentText(catalog.default_quant(entry) or entry.quants[0])
        combo.setToolTip("Quantization: smaller files are faster and need less memory; larger ones answer better")
        return combo

    def _action(self, offer, index: int) -> QWidget:
        if offer.copy is not None:
            where = "Installed" if offer.copy.source == ATELIER else f"In {offer.copy.source}"
            label = QLabel(where)
            label.setToolTip(f"{offer.copy.path} ({offer.copy.how})")
            return label
        button = QPushButton("Download")
        button.clicked.connect(lambda: self.download(index))
        return button

    def download(self, index: int) -> None:
        from desktop.core.models import fetch_plan

        offer = self.shown[index]
        choice = self.table.cellWidget(index, CHOICE)
        quant = choice.currentText() if isinstance(choice, QComboBox) else None
        if offer.base is not None:  # a motion adapter brings the base it runs on, unless a copy is here
            from desktop.viewmodels.model_offers import start_downloads

            titles = [task.plan.title for task in start_downloads(self.services.downloads, offer)]
        else:
            titles = [self.services.downloads.start(fetch_plan.plan(offer.entry, quant)).plan.title]
        self.detail.setText(f"{' and '.join(titles)}: queued — see Downloads." if titles
                            else f"{offer.entry.name} and its base are already here.")

    def _show_detail(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        entry = self.shown[rows[0].row()].entry
        recommended = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in entry.recommended.items())
        gated = ("<br><b>Gated:</b> accept the licence on the model's page, then set an access token in "
                 "Settings › Downloads." if entry.gated else "")
        unverified = (f"<br><small>Not yet confirmed against the hub: {', '.join(entry.unverified)} "
                      "(the download checks the hub's own checksums).</small>" if entry.unverified else "")
        self.detail.setText(f"<b>{entry.name}</b> — {entry.description}<br>From {entry.source.repo}; "
                            f"licence {entry.licence} ({entry.licence_url}). Recommended: {recommended}."
                            f"{gated}{unverified}")


def _short_fit(estimate) -> str:
    """"fits · 1.7 GB": the verdict and the memory needed; the whole sentence is the tooltip."""
    if estimate.ram_bytes is None:
        return "not known"
    return f"{estimate.verdict} · {estimate.ram_bytes / 1e9:.1f} GB"


def _brush(color: str):
    from PySide6.QtGui import QBrush, QColor

    return QBrush(QColor(color))
