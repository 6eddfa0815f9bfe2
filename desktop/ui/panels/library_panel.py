"""The Library: everything made, in every modality, in one grid. Search as you type,
filter by kind and favourites, sort; details of the selected item; favourite, rate, copy
the prompt or seed, open the file's folder. Pages and thumbnails load off the GUI thread."""

from __future__ import annotations

import html
import json
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QListView,
                               QPushButton, QSplitter, QTextBrowser, QVBoxLayout, QWidget)

from desktop.models.library_model import ITEM_ROLE, LibraryModel
from desktop.models.thumbnails import THUMB_SIDE
from desktop.store.library_items import LibraryQuery

MODALITIES = [("All kinds", ""), ("Text", "text"), ("Images", "image"), ("Audio", "audio"), ("Video", "video")]
SORTS = [("Newest first", "newest"), ("Oldest first", "oldest"), ("Best rated", "rating")]


class LibraryPanel(QWidget):
    def __init__(self, services, theme, parent=None):
        super().__init__(parent)
        self.services = services
        self.model = LibraryModel(services.store, services.background, services.layout.root, self)
        self.generation = None  # the selected item's full record
        self._build()
        self._connect()
        self.apply_filters()

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts and replies…")
        self.search.setClearButtonEnabled(True)
        self.kind = QComboBox()
        for label, value in MODALITIES:
            self.kind.addItem(label, value)
        self.favorites = QCheckBox("Favourites")
        self.sort = QComboBox()
        for label, value in SORTS:
            self.sort.addItem(label, value)
        self.count = QLabel()
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        for widget in (self.kind, self.favorites, self.sort, self.count):
            filters.addWidget(widget)

        self.grid = QListView()
        self.grid.setModel(self.model)
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setUniformItemSizes(True)  # no per-item size queries while scrolling
        self.grid.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.grid.setGridSize(QSize(THUMB_SIDE + 24, THUMB_SIDE + 40))
        self.grid.setSelectionMode(QListView.ExtendedSelection)
        self.grid.setMovement(QListView.Static)
        self.grid.setWordWrap(True)

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.favorite_button = QPushButton("★ Favourite")
        self.favorite_button.setCheckable(True)
        self.rating = QComboBox()
        self.rating.addItems(["No rating", "★", "★★", "★★★", "★★★★", "★★★★★"])
        self.copy_prompt = QPushButton("Copy prompt")
        self.copy_seed = QPushButton("Copy seed")
        self.open_folder = QPushButton("Open folder")
        actions = QHBoxLayout()
        for widget in (self.favorite_button, self.rating, self.copy_prompt, self.copy_seed, self.open_folder):
            actions.addWidget(widget)
        side = QWidget()
        side_column = QVBoxLayout(side)
        side_column.setContentsMargins(0, 0, 0, 0)
        side_column.addWidget(self.details, 1)
        side_column.addLayout(actions)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.grid)
        splitter.addWidget(side)
        splitter.setSizes([760, 340])
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addLayout(filters)
        column.addWidget(splitter, 1)
        self._show_details(None)

    def _connect(self) -> None:
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for combo in (self.kind, self.sort):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.favorites.toggled.connect(lambda _on: self.apply_filters())
        self.model.loaded.connect(self._update_count)
        self.grid.selectionModel().currentChanged.connect(self._on_current)
        self.favorite_button.clicked.connect(self._toggle_favorite)
        self.rating.activated.connect(self._rate)
        self.copy_prompt.clicked.connect(lambda: self._copy("prompt"))
        self.copy_seed.clicked.connect(lambda: self._copy("seed"))
        self.open_folder.clicked.connect(self._open_folder)
        self.services.queue.job_finished.connect(self._on_job_finished)

    # -- filters ---------------------------------------------------------------------------

    def query(self) -> LibraryQuery:
        return LibraryQuery(text=self.search.text(), modality=self.kind.currentData(),
                            favorite_only=self.favorites.isChecked(), sort=self.sort.currentData())

    def apply_filters(self) -> None:
        self.model.set_query(self.query())

    def _update_count(self) -> None:
        more = "+" if self.model.canFetchMore() else ""
        self.count.setText(f"{self.model.rowCount()}{more} items")

    def _on_job_finished(self, _job, _outcome) -> None:
        if self.isVisible():
            self.model.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.model.refresh()

    # -- the selected item -------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        return [index.data(ITEM_ROLE).id for index in self.grid.selectionModel().selectedIndexes()]

    def _on_current(self, current, _previous) -> None:
        item = current.data(ITEM_ROLE) if current.isValid() else None
        if item is None:
            self._show_details(None)
            return
        self.services.store.submit(lambda lib: lib.generations.get(item.id), self._show_details)

    def _show_details(self, generation) -> None:
        self.generation = generation
        for widget in (self.favorite_button, self.rating, self.copy_prompt, self.copy_seed, self.open_folder):
            widget.setEnabled(generation is not None)
        if generation is None:
            self.details.setHtml("<p style='color:gray'>Select an item to see how it was made.</p>")
            return
        self.favorite_button.setChecked(bool(generation.favorite))
        self.rating.setCurrentIndex(generation.rating or 0)
        e = html.escape  # everything shown is user or model text
        rows = [("Kind", f"{generation.modality} · {generation.kind}"), ("Model", generation.model_name),
                ("Seed", "" if generation.seed is None else str(generation.seed)),
                ("Status", generation.status)]
        params = "".join(f"<tr><td>{e(str(k))}</td><td>{e(json.dumps(v))}</td></tr>"
                         for k, v in sorted(generation.params.items()))
        table = "".join(f"<tr><td><b>{e(k)}</b></td><td>{e(v)}</td></tr>" for k, v in rows if v)
        output = f"<h4>Output</h4><p>{e(generation.output_text[:2000])}</p>" if generation.output_text else ""
        negative = f"<h4>Negative</h4><p>{e(generation.negative)}</p>" if generation.negative else ""
        self.details.setHtml(f"<h4>Prompt</h4><p>{e(generation.prompt)}</p>{negative}{output}"
                             f"<table>{table}</table><h4>Parameters</h4><table>{params}</table>")

    def _toggle_favorite(self, on: bool) -> None:
        ids = self.selected_ids()
        self.services.store.submit(lambda lib: lib.items.set_favorite(ids, on), lambda _r: self._after_curation())

    def _rate(self, index: int) -> None:
        ids, rating = self.selected_ids(), (index or None)
        self.services.store.submit(lambda lib: lib.items.set_rating(ids, rating), lambda _r: self._after_curation())

    def _after_curation(self) -> None:
        if self.favorites.isChecked() or self.sort.currentData() == "rating":
            self.model.refresh()

    def _copy(self, what: str) -> None:
        if self.generation is not None:
            value = self.generation.prompt if what == "prompt" else str(self.generation.seed or "")
            QGuiApplication.clipboard().setText(value)

    def _open_folder(self) -> None:
        if self.generation is None or not self.generation.assets:
            return
        path = Path(self.model.absolute(self.generation.assets[0]["path"]))
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
