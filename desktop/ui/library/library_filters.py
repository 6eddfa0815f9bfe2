"""The Library's filter bar: search as you type (debounced), kind, what became of an item
(finished, stopped, failed, file missing), model, date, rating, tag, favourites and sort.
It only describes a query; the panel runs it."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from desktop.store import item_status
from desktop.store.library_items import LibraryQuery

MODALITIES = [("All kinds", ""), ("Text", "text"), ("Images", "image"), ("Audio", "audio"), ("Video", "video")]
STATUSES = [("Finished", item_status.FINISHED), ("Stopped", item_status.STOPPED), ("Failed", item_status.FAILED),
            ("File missing", item_status.MISSING), ("Any outcome", item_status.ALL)]
SORTS = [("Newest first", "newest"), ("Oldest first", "oldest"), ("Best rated", "rating")]
DAY = 86400.0
PERIODS = [("Any time", None), ("Today", 1), ("Past 7 days", 7), ("Past 30 days", 30), ("Past year", 365)]
RATINGS = [("Any rating", None)] + [("★" * n + ("+" if n < 5 else ""), n) for n in range(1, 6)]  # "★★★+": 3 or more


def _combo(choices, tip: str) -> QComboBox:
    combo = QComboBox()
    for label, value in choices:
        combo.addItem(label, value)
    combo.setToolTip(tip)
    return combo


def _start_of_today() -> float:
    now = time.localtime()
    return time.mktime((now.tm_year, now.tm_mon, now.tm_mday, 0, 0, 0, 0, 0, -1))


class LibraryFilters(QWidget):
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts, negative prompts and replies…")
        self.search.setClearButtonEnabled(True)
        self.kind = _combo(MODALITIES, "Show one kind of item")
        self.status = _combo(STATUSES, "Finished items (and those whose file went missing), or what was stopped, "
                                       "what failed and why, what lost its file")
        self.model_name = _combo([("All models", "")], "Show what one model made")
        self.period = _combo(PERIODS, "When the item was made")
        self.rating = _combo(RATINGS, "Lowest rating to show (★★★+ : three stars or more)")
        self.tag = _combo([("All tags", "")], "Show items with this tag")
        self.favorites = QCheckBox("★ only")
        self.favorites.setToolTip("Show favourites only")
        self.sort = _combo(SORTS, "Order of the grid")
        # Long model names and tags elide (whole in the list): the choices alone set the width.
        for combo in (self.model_name, self.tag):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(10)
        # Two rows — what to look for, then which items — so the bar fits a 900-pixel window.
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        top, bottom = QHBoxLayout(), QHBoxLayout()
        top.addWidget(self.search, 1)
        for widget in (self.kind, self.favorites, self.sort):
            top.addWidget(widget)
        for widget in (self.status, self.model_name, self.period, self.rating, self.tag):
            bottom.addWidget(widget)
        bottom.addStretch(1)
        column.addLayout(top)
        column.addLayout(bottom)
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        for combo in (self.kind, self.status, self.model_name, self.period, self.rating, self.tag, self.sort):
            combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.favorites.toggled.connect(lambda _on: self.changed.emit())

    def query(self, collection_id: int | None = None, in_trash: bool = False) -> LibraryQuery:
        days = self.period.currentData()
        since = None if days is None else (_start_of_today() if days == 1 else time.time() - days * DAY)
        return LibraryQuery(text=self.search.text(), modality=self.kind.currentData(),
                            model_name=self.model_name.currentData(), since=since,
                            favorite_only=self.favorites.isChecked(), min_rating=self.rating.currentData(),
                            tag=self.tag.currentData(), collection_id=collection_id, sort=self.sort.currentData(),
                            in_trash=in_trash, status=self.status.currentData())

    def set_choices(self, model_names: list[str], tags: list[str]) -> None:
        """New models and tags appear; the current choice is kept if it still exists."""
        for combo, everything, values in ((self.model_name, "All models", model_names), (self.tag, "All tags", tags)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, "")
            for value in values:
                combo.addItem(value, value)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
            if index < 0 and current:
                self.changed.emit()  # the chosen tag is gone: show everything
