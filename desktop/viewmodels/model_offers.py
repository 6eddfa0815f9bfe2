"""The catalog's picks for one studio on this machine: what a "Get a model" card offers and the
Models window's catalog lists. Worked out on the thread pool (the catalog file, the fit
estimate, whether Atelier already downloaded each) and handed to the GUI thread whole.

Picks are the entries that fit this machine, smallest first among those that fit, then the
tight ones; helper models (tiny autoencoders for previews) are never offered on their own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

HELPER_KINDS = {"taesd"}
VERDICT_ORDER = {"fits": 0, "tight": 1, "too big": 2}
# A studio's card offers these catalog studios (the Code studio's chat wants code models).
CARD_STUDIOS = {"text": ("text",), "code": ("code",), "image": ("image",), "audio": ("audio",)}


@dataclass(frozen=True)
class Offer:
    entry: object          # CatalogEntry
    plan: object           # FetchPlan of its default choice
    fit: object            # FitEstimate
    installed_at: Path | None

    @property
    def size_text(self) -> str:
        from desktop.core.model_registry import human_size

        return human_size(self.plan.approx_bytes) if self.plan.approx_bytes else "size shown when it starts"


def offers_for(studios: tuple[str, ...], models_folder: Path, everything: bool = False) -> list[Offer]:
    """On a worker thread: every catalog entry of `studios` with its fit and install state,
    best picks first; `everything` keeps helper models and those too big (the Models window)."""
    from desktop.core.models import catalog, fetch_plan, fit

    machine = fit.this_machine()
    found = []
    for studio in studios:
        for entry in catalog.for_studio(studio):
            if entry.kind in HELPER_KINDS and not everything:
                continue
            estimate = fit.for_entry(entry, machine)
            if estimate.verdict == "too big" and not everything:
                continue
            found.append(Offer(entry, fetch_plan.plan(entry), estimate, fetch_plan.installed(entry, models_folder)))
    found.sort(key=lambda o: (VERDICT_ORDER.get(o.fit.verdict, 3), o.plan.approx_bytes or 0))
    return found


class ModelOffers(QObject):
    ready = Signal(list)  # list[Offer]
    failed = Signal(str)

    def __init__(self, background, studios: tuple[str, ...], models_folder: Callable[[], Path],
                 everything: bool = False, parent: QObject | None = None):
        super().__init__(parent)
        self._background, self._studios, self._folder, self._everything = background, studios, models_folder, everything
        self.offers: list[Offer] = []
        self._ticket = 0

    def refresh(self) -> None:
        self._ticket += 1
        ticket, studios, folder, everything = self._ticket, self._studios, self._folder(), self._everything
        self._background.run(lambda: offers_for(studios, folder, everything),
                             lambda offers: self._apply(ticket, offers), lambda exc: self.failed.emit(str(exc)))

    def _apply(self, ticket: int, offers: list[Offer]) -> None:
        if ticket == self._ticket:  # a later refresh's answer wins
            self.offers = offers
            self.ready.emit(offers)
