"""The catalog's picks for one studio on this machine: what a "Get a model" card offers and the
Models window's catalog lists. Worked out on the thread pool (the catalog file, the fit
estimate, whether Atelier already downloaded each) and handed to the GUI thread whole.

Picks are the entries that fit this machine, smallest first among those that fit, then the
tight ones; helper models (tiny autoencoders for previews) are never offered on their own."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from PySide6.QtCore import QObject, Signal

HELPER_KINDS = {"taesd"}
VERDICT_ORDER = {"fits": 0, "tight": 1, "too big": 2}
# A studio's card offers these catalog studios (the Code studio's chat wants code models).
CARD_STUDIOS = {"text": ("text",), "code": ("code",), "image": ("image",), "audio": ("audio",), "video": ("video",)}


@dataclass(frozen=True)
class Offer:
    entry: object          # CatalogEntry
    plan: object           # FetchPlan of its default choice
    fit: object            # FitEstimate
    copy: object           # LocalCopy: already here (Atelier's download, or another app's), else None
    speed: str | None = None  # "about 40 tokens/s on this machine (estimate)", when one can be given

    @property
    def installed_at(self) -> Path | None:
        return self.copy.path if self.copy is not None else None

    @property
    def size_text(self) -> str:
        from desktop.core.model_registry import human_size

        return human_size(self.plan.approx_bytes) if self.plan.approx_bytes else "size known when it starts"


def offers_for(studios: tuple[str, ...], models_folder: Path, others: tuple = (), everything: bool = False,
               budget_mib: int = 0) -> list[Offer]:
    """On a worker thread: every catalog entry of `studios` with its fit and whether a copy is
    here already (`others`: the other apps' models the last scan found; names only, no
    hashing), best picks first; `everything` keeps helper models and those too big."""
    from desktop.core.models import catalog, fetch_plan, fit, machine_speed
    from desktop.core.models.local_copies import Wanted, in_models_folder, in_other_apps

    machine = fit.this_machine(budget_mib)
    speed = machine_speed.measured()  # the one-time measurement (~1 s the first time), cached
    found = []
    for studio in studios:
        for entry in catalog.for_studio(studio):
            if entry.kind in HELPER_KINDS and not everything:
                continue
            estimate = fit.for_entry(entry, machine)
            if estimate.verdict == "too big" and not everything:
                continue
            wanted = Wanted.for_entry(entry)
            copy = in_models_folder(wanted, models_folder) or in_other_apps(wanted, others, hash_files=False)
            found.append(Offer(entry, fetch_plan.plan(entry), estimate, copy,
                               machine_speed.estimate_for_entry(entry, speed, machine)))
    found.sort(key=lambda o: (VERDICT_ORDER.get(o.fit.verdict, 3), o.plan.approx_bytes or 0))
    return found


class ModelOffers(QObject):
    ready = Signal(list)  # list[Offer]
    failed = Signal(str)

    def __init__(self, services, studios: tuple[str, ...], everything: bool = False, parent: QObject | None = None):
        super().__init__(parent)
        self._services, self._studios, self._everything = services, studios, everything
        self.offers: list[Offer] = []
        self._ticket = 0

    def refresh(self) -> None:
        self._ticket += 1
        ticket, studios, everything = self._ticket, self._studios, self._everything
        folder, others = self._services.models_folder(), self._services.other_apps.latest().models
        budget = self._services.settings.get("memory_budget_mib")
        self._services.background.run(lambda: offers_for(studios, folder, others, everything, budget),
                                      lambda offers: self._apply(ticket, offers), lambda exc: self.failed.emit(str(exc)))

    def _apply(self, ticket: int, offers: list[Offer]) -> None:
        if ticket == self._ticket:  # a later refresh's answer wins
            self.offers = offers
            self.ready.emit(offers)
