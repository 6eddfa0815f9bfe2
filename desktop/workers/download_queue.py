"""The window's model downloads: a queue that runs one download at a time on its own thread and
tells the GUI thread how each goes. Pause keeps the partial files and returns at once; resume
(also after a restart: unfinished downloads are remembered in the settings) continues them with
Range requests; cancel deletes them. The transfer itself is desktop/core/models/downloads.py.

Why its own thread rather than the inference worker's: a download is network and disk bound
and may last an hour; generation goes on meanwhile. Why one at a time: two downloads share one
link and one disk, and each would finish later than in turn."""

from __future__ import annotations

import itertools
import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from desktop.core.error_text import describe
from desktop.core.errors import Cancelled
from desktop.core.models.fetch_plan import FetchPlan
from desktop.workers.relay import CallbackRelay

log = logging.getLogger(__name__)
_ids = itertools.count(1)

QUEUED, DOWNLOADING, PAUSED, DONE, FAILED, CANCELLED = "queued", "downloading", "paused", "done", "failed", "cancelled"
REMEMBERED = "pending_downloads"  # the setting that keeps unfinished downloads across restarts


@dataclass
class DownloadTask:
    plan: FetchPlan
    id: int = field(default_factory=lambda: next(_ids))
    state: str = QUEUED
    progress: object = None  # the last DownloadProgress
    error: str = ""
    result: object = None    # DownloadResult when done
    _download: object = field(default=None, repr=False)

    @property
    def unfinished(self) -> bool:
        return self.state in (QUEUED, DOWNLOADING, PAUSED, FAILED)


class DownloadQueue(QObject):
    changed = Signal()             # a task was added, removed, or changed state
    progress = Signal(object)      # DownloadTask, with its latest progress
    finished = Signal(object)      # DownloadTask, its model in place and verified
    failed = Signal(object)        # DownloadTask, with .error for a person

    def __init__(self, settings, make_downloader: Callable[[], object], persist: Callable[[], None] = lambda: None,
                 parent: QObject | None = None):
        """`persist` saves the settings off the GUI thread: the list of unfinished downloads
        survives a crash or a kill, not only a quit."""
        super().__init__(parent)
        self._settings, self._make_downloader, self._persist = settings, make_downloader, persist
        self._relay = CallbackRelay(self)
        self._tasks: list[DownloadTask] = []
        self._running: DownloadTask | None = None
        self._closed = False
        for plan in self._remembered():
            self._tasks.append(DownloadTask(plan, state=PAUSED))

    # -- what the window calls ------------------------------------------------------------

    def tasks(self) -> list[DownloadTask]:
        return list(self._tasks)

    def find(self, repo: str, patterns: tuple[str, ...]) -> DownloadTask | None:
        """The latest download of these files still listed (a finished one stays, as history)."""
        return next((t for t in reversed(self._tasks) if t.plan.repo == repo and t.plan.patterns == patterns
                     and t.state != CANCELLED), None)

    def start(self, plan: FetchPlan) -> DownloadTask:
        """Queue a download (or go on with the same one already listed)."""
        task = self.find(plan.repo, plan.patterns)
        if task is None or task.state == DONE:  # done before (then deleted): a new download
            task = DownloadTask(plan)
            self._tasks.append(task)
        elif task.state in (PAUSED, FAILED):
            task.state, task.error = QUEUED, ""
        self._remember()
        self.changed.emit()
        self._next()
        return task

    def pause(self, task: DownloadTask) -> None:
        if task.state == QUEUED:
            task.state = PAUSED
            self.changed.emit()
        elif task.state == DOWNLOADING and task._download is not None:
            task._download.pause()  # run() returns "paused" at the next chunk

    def resume(self, task: DownloadTask) -> None:
        if task.state in (PAUSED, FAILED):
            self.start(task.plan)

    def cancel(self, task: DownloadTask) -> None:
        """Stop and delete the partial files; a running download's thread deletes them."""
        if task.state == DOWNLOADING and task._download is not None:
            task._download.cancel()
            return
        if task.state in (QUEUED, PAUSED, FAILED):
            task.state = CANCELLED
            self._tasks.remove(task)
            self._remember()
            self.changed.emit()
            folder = self._make_downloader().models_folder
            threading.Thread(target=self._discard, args=(folder, task.plan), daemon=True).start()

    def close(self) -> None:
        """Quitting: pause the running download (its partial files stay for next time)."""
        self._closed = True
        if self._running is not None and self._running._download is not None:
            self._running._download.pause()

    # -- one download at a time on its own thread --------------------------------------------

    def _next(self) -> None:
        if self._running is not None or self._closed:
            return
        task = next((t for t in self._tasks if t.state == QUEUED), None)
        if task is None:
            return
        self._running, task.state = task, DOWNLOADING
        plan = task.plan
        task._download = self._make_downloader().download(plan.repo, revision=plan.revision,
                                                           patterns=list(plan.patterns))
        self.changed.emit()
        threading.Thread(target=self._run, args=(task,), name=f"atelier-download-{task.id}", daemon=True).start()

    def _run(self, task: DownloadTask) -> None:
        """On the download thread: everything reaches the GUI thread through the relay."""
        try:
            result = task._download.run(progress=lambda p: self._relay.post(self._on_progress, (task, p)))
        except Cancelled:
            self._relay.post(self._on_ended, (task, CANCELLED, None, ""))
        except Exception as exc:  # noqa: BLE001 - every failure is a message in the Downloads list
            log.warning("Download of %s failed: %s", task.plan.repo, exc)
            self._relay.post(self._on_ended, (task, FAILED, None, describe(exc)))
        else:
            self._relay.post(self._on_ended, (task, DONE if result.state == "done" else PAUSED, result, ""))

    def _on_progress(self, item) -> None:
        task, progress = item
        if task.state == DOWNLOADING:
            task.progress = progress
            self.progress.emit(task)

    def _on_ended(self, item) -> None:
        task, state, result, error = item
        task.state, task.result, task.error, task._download = state, result, error, None
        self._running = None
        if state == CANCELLED and task in self._tasks:
            self._tasks.remove(task)
        self._remember()
        self.changed.emit()
        if state == DONE:
            self.finished.emit(task)
        elif state == FAILED:
            self.failed.emit(task)
        self._next()

    @staticmethod
    def _discard(models_folder: Path, plan: FetchPlan) -> None:
        """A cancelled download that was not running: its partial files go (off the GUI thread)."""
        from desktop.core.models.partial_files import discard_partials

        try:
            discard_partials(models_folder, plan.repo, list(plan.patterns))
        except Exception as exc:  # noqa: BLE001 - leftovers are only disk space; say so in the log
            log.warning("Could not delete the partial files of %s: %s", plan.repo, exc)

    # -- remembered across restarts -------------------------------------------------------------

    def _remember(self) -> None:
        plans = [json.dumps({"entry_id": t.plan.entry_id, "repo": t.plan.repo, "revision": t.plan.revision,
                             "patterns": list(t.plan.patterns), "approx_bytes": t.plan.approx_bytes,
                             "title": t.plan.title})
                 for t in self._tasks if t.unfinished]
        if plans != self._settings.get(REMEMBERED):
            self._settings.set(REMEMBERED, plans)
            self._persist()

    def _remembered(self) -> list[FetchPlan]:
        plans = []
        for text in self._settings.get(REMEMBERED):
            try:
                raw = json.loads(text)
                plans.append(FetchPlan(str(raw.get("entry_id") or ""), str(raw["repo"]), raw.get("revision") or None,
                                       tuple(str(p) for p in raw.get("patterns") or ()), raw.get("approx_bytes"),
                                       str(raw.get("title") or raw["repo"])))
            except (ValueError, KeyError, TypeError, AttributeError):
                log.info("Forgot an unreadable remembered download: %.80s", text)
        return plans
