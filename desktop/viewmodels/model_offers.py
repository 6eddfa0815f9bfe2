"""The catalog's picks for one studio on this machine: what a "Get a model" card offers and the
Models window's catalog lists. Worked out on the thread pool (the catalog file, the fit
estimate, whether Atelier already downloaded each) and handed to the GUI thread whole.

Picks are the entries that fit this machine, smallest first among those that fit, then the
tight ones; helper models (tiny autoencoders for previews) are never offered on their own.

An entry that runs on another one (an AnimateDiff motion adapter names its Stable Diffusion 1.5
base in `recommended.base`) is offered with that base: Download fetches both unless the base is
here already (Atelier's download or another app's copy: never stored twice), the size shown is
both, and the fit is the pair's. The catalog's memory figure for an adapter is already for the
adapter and its base together (resources/catalog/models.json says so in its estimate); the
pair is also never judged to need less than the base alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from PySide6.QtCore import QObject, Signal

HELPER_KINDS = {"taesd"}
VERDICT_ORDER = {"fits": 0, "tight": 1, "too big": 2}
# A studio's card offers these catalog studios (the Code studio's chat wants code models).
# What each "Get a model" card offers: catalog studios, or "studio/kind" for one kind of them
# (the Audio studio's Music mode offers only music models).
CARD_STUDIOS = {"text": ("text",), "code": ("code",), "image": ("image",), "audio": ("audio",), "video": ("video",),
                "music": ("audio/musicgen",)}


@dataclass(frozen=True)
class BaseModel:
    """The catalog entry an offer runs on, fetched with it unless a copy is here."""
    entry: object          # CatalogEntry
    plan: object           # FetchPlan
    copy: object           # LocalCopy or None


@dataclass(frozen=True)
class Offer:
    entry: object          # CatalogEntry
    plan: object           # FetchPlan of its default choice
    fit: object            # FitEstimate (an adapter's: with its base)
    copy: object           # LocalCopy: already here (Atelier's download, or another app's), else None
    speed: str | None = None  # "about 40 tokens/s on this machine (estimate)", when one can be given
    base: BaseModel | None = None  # what it runs on (an adapter's SD 1.5), when the catalog names one

    @property
    def installed_at(self) -> Path | None:
        return self.copy.path if self.copy is not None else None

    @property
    def missing_plans(self) -> tuple:
        """What Download fetches, in this order: the model unless here, then its base unless here."""
        plans = [] if self.copy is not None else [self.plan]
        if self.base is not None and self.base.copy is None:
            plans.append(self.base.plan)
        return tuple(plans)

    @property
    def usable(self) -> bool:
        """Everything it needs is here: nothing left to offer."""
        return not self.missing_plans

    @property
    def size_text(self) -> str:
        if self.base is None:
            return _size(self.plan.approx_bytes, "size known when it starts")
        base = f"{self.base.entry.name} base"
        if self.base.copy is not None:
            return f"{_size(self.plan.approx_bytes)} (runs on the {base} already here)"
        base_size = _size(self.base.plan.approx_bytes, _at_least(self.base.entry))
        if self.copy is not None:
            return f"{base} {base_size} (the adapter is here)"
        if not self.plan.approx_bytes and not self.base.plan.approx_bytes and not _at_least(self.base.entry):
            return f"adapter + {base} (sizes known when they start)"
        return f"{_size(self.plan.approx_bytes, 'adapter (size known when it starts)')} + {base} {base_size}"

    @property
    def fit_text(self) -> str:
        together = "adapter and base together: " if self.base is not None else ""
        return together + self.fit.text()

    def part_label(self, plan) -> str:
        """How the row names one of its downloads."""
        if self.base is None:
            return self.entry.name
        return f"the {self.base.entry.name} base" if plan == self.base.plan else "the adapter"


def _size(approx_bytes: int | None, unknown: str = "(size known when it starts)") -> str:
    from desktop.core.model_registry import human_size

    return human_size(approx_bytes) if approx_bytes else unknown


def _at_least(entry) -> str:
    """"over 1.72 GB" when the catalog knows some of the files' sizes but not all."""
    from desktop.core.model_registry import human_size
    from desktop.core.models.catalog import files_for

    known = sum(f.approx_bytes or 0 for f in files_for(entry))
    return f"over {human_size(known)}" if known else "(size known when it starts)"


def offers_for(studios: tuple[str, ...], models_folder: Path, others: tuple = (), everything: bool = False,
               budget_mib: int = 0) -> list[Offer]:
    """On a worker thread: every catalog entry of `studios` with its fit and whether a copy is
    here already (`others`: the other apps' models the last scan found; names only, no
    hashing), best picks first; `everything` keeps helper models and those too big."""
    from desktop.core.models import catalog, fetch_plan, fit, machine_speed
    from desktop.core.models.local_copies import Wanted, in_models_folder, in_other_apps

    machine = fit.this_machine(budget_mib)
    speed = machine_speed.measured()  # the one-time measurement (~1 s the first time), cached

    copies = {}

    def here(entry):  # once per entry: several adapters name the same base
        if entry.id not in copies:
            wanted = Wanted.for_entry(entry)
            copies[entry.id] = in_models_folder(wanted, models_folder) or in_other_apps(wanted, others,
                                                                                       hash_files=False)
        return copies[entry.id]

    found = []
    for wanted_studio in studios:
        studio, _, kind = wanted_studio.partition("/")
        for entry in catalog.for_studio(studio):
            if (entry.kind in HELPER_KINDS and not everything) or (kind and entry.kind != kind):
                continue
            estimate = fit.for_entry(entry, machine)
            base_entry = catalog.base_of(entry)
            base = BaseModel(base_entry, fetch_plan.plan(base_entry), here(base_entry)) if base_entry else None
            if base is not None:
                estimate = _larger(estimate, fit.for_entry(base_entry, machine))
            if estimate.verdict == "too big" and not everything:
                continue
            found.append(Offer(entry, fetch_plan.plan(entry), estimate, here(entry),
                               machine_speed.estimate_for_entry(entry, speed, machine), base))
    found.sort(key=lambda o: (VERDICT_ORDER.get(o.fit.verdict, 3), o.plan.approx_bytes or 0))
    return found


def _larger(pair, base):
    """The pair's estimate, unless the base alone is judged to need more (an adapter entry whose
    figure left its base out): a pair never needs less than its base."""
    if base.ram_bytes is not None and (pair.ram_bytes is None or base.ram_bytes > pair.ram_bytes):
        return base
    return pair


def start_downloads(queue, offer: Offer) -> list:
    """Queue what `offer` still needs — the model, then its base — on the window's download queue
    (which runs them one after the other). A part this session already downloaded is not asked
    for again; a part another tab is downloading is the same task, not a second copy."""
    tasks = []
    for plan in offer.missing_plans:
        task = queue.find(plan.repo, plan.patterns)
        tasks.append(task if task is not None and task.state == "done" else queue.start(plan))
    return tasks


@dataclass(frozen=True)
class OfferProgress:
    """One row's state for all its downloads: the card shows one bar and one line per pick."""
    state: str                 # idle, queued, downloading, paused, failed or done
    text: str
    fraction: float | None     # None: not known yet (a busy bar)


def offer_progress(offer: Offer, queue) -> OfferProgress:
    """The state of the downloads `offer` needs, taken together: one failed → failed; all done →
    done; one downloading (else queued) → that, the line naming the part when there are two;
    else paused. The bar counts the bytes of both parts when their sizes are known (the hub's
    figure once a part started, else the catalog's), else the moving part's own."""
    parts = [(plan, queue.find(plan.repo, plan.patterns)) for plan in offer.missing_plans]
    states = [task.state if task is not None else "idle" for _plan, task in parts]
    several = len(parts) > 1
    fraction = _fraction(parts)

    def named(plan, text: str) -> str:
        return f"{offer.part_label(plan)}: {text}" if several else text

    if "failed" in states:
        plan, task = parts[states.index("failed")]
        return OfferProgress("failed", _capitalized(named(plan, task.error)), fraction)
    if parts and all(state == "done" for state in states):
        last = parts[-1][1]
        return OfferProgress("done", "" if several or last.progress is None else last.progress.text(), 1.0)
    for state in ("downloading", "queued"):
        if state in states:
            index = states.index(state)
            plan, task = parts[index]
            text = named(plan, task.progress.text() if task.progress else "Starting…")
            if several:
                later = [offer.part_label(p) for (p, _t), s in zip(parts[index + 1:], states[index + 1:])
                         if s != "done"]
                text = f"{index + 1} of {len(parts)}, {text}" + (f"; then {later[0]}" if later else "")
            return OfferProgress(state, text, fraction)
    if "paused" in states:
        kept = "what was downloaded is kept" if several else "the part already downloaded is kept"
        return OfferProgress("paused", f"Paused: {kept}.", fraction)
    if "done" in states:  # one part here, the other never started (or was cancelled in Downloads)
        got = [offer.part_label(p) for (p, _t), s in zip(parts, states) if s == "done"]
        rest = [offer.part_label(p) for (p, _t), s in zip(parts, states) if s != "done"]
        return OfferProgress("idle", _capitalized(f"{' and '.join(got)} downloaded; Download fetches "
                                                  f"{' and '.join(rest)}."), None)
    return OfferProgress("idle", "", None)


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fraction(parts) -> float | None:
    done = total = 0
    started = False
    for plan, task in parts:
        progress = task.progress if task is not None else None
        size = progress.total_bytes if progress is not None and progress.total_bytes else plan.approx_bytes
        finished = task is not None and task.state == "done"
        started = started or progress is not None or finished
        if size is None:
            moving = next((t for _p, t in parts if t is not None and t.progress is not None and t.state != "done"),
                          None)
            return moving.progress.fraction if moving is not None else None
        done += size if finished else (progress.done_bytes if progress is not None else 0)
        total += size
    return done / total if started and total else None


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
