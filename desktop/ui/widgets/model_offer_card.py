"""The "Get a model" card a studio shows while it has no suitable model: up to three catalog
picks that fit this machine, each downloaded with one click, with its progress in place. When
the model lands, the model lists scan again and, once the studio's list holds it, the card
says so (`ready`: the catalog entry and the path to load); the studio chooses it and applies
the entry's recommended settings, and the card hides with nothing left to offer.

A pick that runs on a base (an AnimateDiff motion adapter on Stable Diffusion 1.5) downloads
the base too unless it is here: the row's size names both, its bar counts both, Pause and
Cancel act on both (a part already finished stays: it is a whole, verified model), and the
card says `ready` — with the base's path, the model the studio loads — only once both are in
the list; `pair_ready` adds the adapter's path, for the studio to choose the two together."""

from __future__ import annotations

from pathlib import Path

from typing import Callable

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from desktop.viewmodels.model_offers import CARD_STUDIOS, ModelOffers, offer_progress, start_downloads

PICKS = 3
CARD_NAMES = {"music": "Audio studio's Music mode"}  # what the heading names, when not "the X studio"
COMPACT_BELOW = 760  # window height (px) under which each pick is one line, its facts in the tooltip


class OfferRow(QWidget):
    """One pick on two lines — what it is, then its size, licence, fit and speed here — with its
    Download button beside it; the progress bar and Pause/Cancel appear while it downloads."""

    download_requested = Signal(object)  # Offer
    pause_requested = Signal(object)
    cancel_requested = Signal(object)

    def __init__(self, offer, parent=None):
        super().__init__(parent)
        self.offer = offer
        entry = offer.entry
        licence = entry.licence + (" · gated: accept the licence on its page first" if entry.gated else "")
        speed = f" · {offer.speed}" if offer.speed else ""
        self.title = QLabel(f"<b>{entry.name}</b> — {entry.description}")
        self.title.setWordWrap(True)
        self.facts = QLabel(f"<small>{offer.size_text} · {licence} · {offer.fit_text}{speed}</small>")
        self.facts.setWordWrap(True)
        self.facts.setToolTip(entry.memory.estimate)
        self.title.setToolTip(f"{offer.size_text} · {licence} · {offer.fit_text}{speed}")
        self.download_button = QPushButton("Download")
        self.pause_button, self.cancel_button = QPushButton("Pause"), QPushButton("Cancel")
        self.bar = QProgressBar()
        self.status = QLabel()
        self.status.setWordWrap(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 2, 0, 2)
        grid.setVerticalSpacing(1)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.facts, 1, 0)
        grid.addWidget(self.download_button, 0, 1, 2, 1)
        progress = QHBoxLayout()
        progress.addWidget(self.bar, 1)
        progress.addWidget(self.pause_button)
        progress.addWidget(self.cancel_button)
        grid.addLayout(progress, 2, 0, 1, 2)
        grid.addWidget(self.status, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        self.download_button.clicked.connect(lambda: self.download_requested.emit(self.offer))
        self.pause_button.clicked.connect(lambda: self.pause_requested.emit(self.offer))
        self.cancel_button.clicked.connect(lambda: self.cancel_requested.emit(self.offer))
        self.show_state("idle")

    def set_compact(self, compact: bool) -> None:
        """A short window: the facts line folds into the title's tooltip."""
        self.facts.setVisible(not compact)

    def show_state(self, state: str, text: str = "", fraction: float | None = None) -> None:
        moving = state in ("queued", "downloading")
        self.bar.setVisible(state != "idle")
        self.download_button.setVisible(not moving and state != "done")
        self.download_button.setText("Resume" if state in ("paused", "failed") else "Download")
        self.pause_button.setVisible(moving)
        self.cancel_button.setVisible(state in ("queued", "downloading", "paused", "failed"))
        if fraction is not None:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(fraction * 1000))
        elif state == "queued":
            self.bar.setRange(0, 0)  # busy: the size comes with the first answer from the hub
        self.status.setVisible(bool(text))
        self.status.setText(text)
        self.status.setStyleSheet("color: #d9534f" if state == "failed" else "")


class ModelOfferCard(QFrame):
    ready = Signal(object, str)  # CatalogEntry, the path the studio loads: in its model list now
    pair_ready = Signal(object, str, str)  # CatalogEntry of an adapter, its base's path, the adapter's path

    def __init__(self, services, studio: str, model_list, suitable: Callable[[list], bool], parent=None):
        """`model_list`: the studio's ModelListModel; `suitable(models)`: whether the studio
        can work with what the list holds (the card shows while it cannot)."""
        super().__init__(parent)
        self.services, self.studio, self.model_list, self.suitable = services, studio, model_list, suitable
        self._landed: list[tuple[object, str, str]] = []  # (entry, path, adapter path or ""): downloaded,
        # waiting for the list to hold them
        self.setFrameShape(QFrame.StyledPanel)
        self.setObjectName("modelOfferCard")
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)  # its own height, never squeezed
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.rows_box = QVBoxLayout()
        self.more = QLabel("More models, and the ones other apps keep: <b>Models</b> in the menu bar.")
        self.more.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.rows_box)
        layout.addWidget(self.more)
        self.rows: list[OfferRow] = []
        self.offers = ModelOffers(services, CARD_STUDIOS[studio], parent=self)
        self.offers.ready.connect(self._show_offers)
        self.offers.failed.connect(lambda message: self.heading.setText(f"The model catalog could not be read: {message}"))
        downloads = services.downloads
        downloads.progress.connect(self._on_progress)
        downloads.changed.connect(self._sync_states)
        downloads.finished.connect(self._on_finished)
        downloads.failed.connect(self._sync_states)
        model_list.scanned.connect(self._on_scanned)
        self._compact = False
        self._watched = None  # the window whose height decides compactness
        self.hide()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._watched is not self.window():
            self._watched = self.window()
            self._watched.installEventFilter(self)
        self._fit_height(self._watched.height())

    def eventFilter(self, watched, event) -> bool:
        if watched is self._watched and event.type() == QEvent.Resize:
            self._fit_height(event.size().height())
        return False

    def _fit_height(self, window_height: int) -> None:
        """In a short window the card takes less of it: one line per pick, no footer."""
        self._compact = window_height < COMPACT_BELOW
        for row in self.rows:
            row.set_compact(self._compact)
        self.more.setVisible(not self._compact)

    def refresh(self) -> None:
        self.offers.refresh()

    def _on_scanned(self) -> None:
        for landed in list(self._landed):
            entry, path, adapter = landed
            if all(self.model_list.find(p) is not None for p in (path, adapter) if p):
                self._landed.remove(landed)
                self.ready.emit(entry, path)
                if adapter:
                    self.pair_ready.emit(entry, path, adapter)
        wanted = not self.suitable(self.model_list.models())
        if wanted and not self.isVisible():
            self.refresh()
        self.setVisible(wanted or bool(self._landed) or self._downloading())

    def _downloading(self) -> bool:
        """A pick is on its way: the card stays to show it, whatever the list holds meanwhile."""
        return any(t.state in ("queued", "downloading", "paused") for r in self.rows for t in self._tasks(r.offer))

    def _show_offers(self, offers) -> None:
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        picks = [o for o in offers if not o.usable][:PICKS]  # an adapter here without its base is offered
        name = CARD_NAMES.get(self.studio, f"{self.studio.capitalize()} studio")
        self.heading.setText(f"<b>Get a model for the {name}</b> — "
                             + ("these fit this computer; each downloads with one click and is ready when it lands."
                                if picks else "nothing in the catalog fits this computer's free memory."))
        for offer in picks:
            row = OfferRow(offer, self)
            row.download_requested.connect(self._download)
            row.pause_requested.connect(lambda o: self._task_call(o, self.services.downloads.pause))
            row.cancel_requested.connect(lambda o: self._task_call(o, self.services.downloads.cancel))
            self.rows_box.addWidget(row)
            self.rows.append(row)
            row.set_compact(self._compact)
        self._sync_states()

    def _download(self, offer) -> None:
        start_downloads(self.services.downloads, offer)

    def _tasks(self, offer) -> list:
        """The downloads the row's pick needs that the queue lists (finished ones included)."""
        found = (self.services.downloads.find(plan.repo, plan.patterns) for plan in offer.missing_plans)
        return [task for task in found if task is not None]

    def _task_call(self, offer, action) -> None:
        """Pause or cancel every unfinished part: a queued part is paused too, or the queue would
        start it as soon as the running one stops."""
        for task in self._tasks(offer):
            if task.state in ("queued", "downloading", "paused", "failed"):
                action(task)

    def _rows_for(self, task) -> list[OfferRow]:
        """The rows that need `task` (two adapters' rows share their base's download)."""
        return [r for r in self.rows
                if any((p.repo, p.patterns) == (task.plan.repo, task.plan.patterns) for p in r.offer.missing_plans)]

    def _sync_states(self, *_args) -> None:
        for row in self.rows:
            self._show_progress(row)

    def _show_progress(self, row: OfferRow):
        shown = offer_progress(row.offer, self.services.downloads)
        row.show_state(shown.state, shown.text, shown.fraction)
        return shown

    def _on_progress(self, task) -> None:
        for row in self._rows_for(task):
            self._show_progress(row)

    def _on_finished(self, task) -> None:
        rows = self._rows_for(task)
        if rows:
            self.services.rescan_models()  # the list then holds it (_on_scanned); a base is usable on its own
        for row in rows:
            if self._show_progress(row).state != "done":
                continue  # the other part goes on
            row.show_state("done", "Downloaded and verified; getting it ready…", 1.0)
            offer = row.offer
            path = self._load_path(offer.entry, offer.plan, offer.copy)
            if offer.base is None:
                self._landed.append((offer.entry, path, ""))
            else:
                base = self._load_path(offer.base.entry, offer.base.plan, offer.base.copy)
                self._landed.append((offer.entry, base, path))

    def _load_path(self, entry, plan, copy) -> str:
        """What a studio loads of `entry`: the copy that was here, else what the queue fetched."""
        from desktop.core.models import fetch_plan

        if copy is not None:
            return str(fetch_plan.load_path(entry, copy.path) if copy.path.is_dir() else copy.path)
        task = self.services.downloads.find(plan.repo, plan.patterns)
        return str(fetch_plan.load_path(entry, Path(task.result.folder)))
