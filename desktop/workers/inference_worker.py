"""The one long-lived inference worker: a QObject moved to an application-owned QThread
(the GPT4All ChatLLM pattern). It loads, runs and unloads models; nothing else holds one.

Cancel never goes through this object's event queue (a queued slot would not run while
`run_job` is busy): the GUI sets the job's threading.Event directly. Everything else that
touches the worker's state (budget, unload, stop) is a queued slot and runs between jobs.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, QThread, Signal, Slot, Qt

from desktop.core.error_text import describe
from desktop.core.errors import Cancelled
from desktop.core.jobs import Job, Progress
from desktop.core.model_cache import ModelCache

log = logging.getLogger(__name__)

# Streamed text and progress reach the GUI at most this often (plus the first token at once).
PROGRESS_INTERVAL_S = 0.05


class InferenceWorker(QObject):
    job_started = Signal(int)
    job_progress = Signal(int, object)    # job id, Progress (text = everything new since last)
    job_finished = Signal(int, object)    # job id, outcome of the modality's runner
    job_failed = Signal(int, str)         # job id, message for a person
    job_cancelled = Signal(int, object)   # job id, Cancelled.outcome: kept items, else partial text
    shut_down = Signal()
    warmed_up = Signal()

    def __init__(self, store, runners: dict, budget_bytes: int, log_hint: str = ""):
        super().__init__()
        self.store = store
        self.runners = runners
        self.cache = ModelCache(budget_bytes)
        self.log_hint = log_hint

    @Slot(object)
    def run_job(self, job: Job) -> None:
        if job.cancel.is_set():
            self.job_cancelled.emit(job.id, "")
            return
        self.job_started.emit(job.id)
        throttle = _ProgressThrottle(job.id, self.job_progress.emit)
        try:
            runner = self.runners[job.kind]
            outcome = runner(job, self.cache, self.store, throttle)
        except Cancelled as stopped:
            throttle.flush()
            self.job_cancelled.emit(job.id, stopped.outcome)
        except BaseException as exc:  # every failure becomes a message; none escapes the thread
            log.error("Job %s (%s) failed", job.id, job.kind.value, exc_info=exc)
            self.job_failed.emit(job.id, describe(exc, self.log_hint))
        else:
            throttle.flush()
            self.job_finished.emit(job.id, outcome)

    @Slot(object)
    def warm_up(self, tasks) -> None:
        """Idle-time preparation before the first job (engine imports, regex-heavy
        renderers). Run here, one after another, rather than on several threads at once:
        Python threads competing for the GIL starve the GUI thread."""
        for task in tasks:
            try:
                task()
            except Exception as exc:  # noqa: BLE001 - a missing optional engine is fine
                log.info("Warm-up step %s skipped: %s", getattr(task, "__name__", task), exc)
        self.warmed_up.emit()

    @Slot(int)
    def set_budget(self, budget_bytes: int) -> None:
        """A new memory budget: models over it are unloaded now, not at the next job."""
        self.cache.set_budget(budget_bytes)

    @Slot()
    def shutdown(self) -> None:
        """Unload every model on this thread (where they were loaded), then end the thread.
        Queued behind the job in hand, so it runs once that job returns."""
        self.cache.clear()
        self.shut_down.emit()
        QThread.currentThread().quit()


class _ProgressThrottle:
    """Called per token by engines; emits merged progress at most every PROGRESS_INTERVAL_S."""

    def __init__(self, job_id: int, emit):
        self.job_id, self.emit = job_id, emit
        self.pending: Progress | None = None
        self.text: list[str] = []
        self.pieces: list = []
        self.last = 0.0
        self.sent_text = False

    def __call__(self, progress: Progress) -> None:
        if progress.unit == "waiting":  # a notice, not a step: what came before goes first, then it, at once
            self.flush()
            self.pending = progress
            self.flush()
            return
        self.pending = progress
        if progress.text:
            self.text.append(progress.text)
        self.pieces.extend(progress.pieces)
        now = time.monotonic()
        first_text = bool(self.text) and not self.sent_text
        # A finished piece (a spoken sentence) goes at once: the UI may start playing it.
        if first_text or progress.pieces or now - self.last >= PROGRESS_INTERVAL_S:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        if self.pending is None:
            return
        merged = Progress(done=self.pending.done, total=self.pending.total, unit=self.pending.unit,
                          text="".join(self.text), message=self.pending.message, eta_s=self.pending.eta_s,
                          preview=self.pending.preview, pieces=tuple(self.pieces))
        self.sent_text = self.sent_text or bool(merged.text)
        self.pending, self.text, self.pieces = None, [], []
        self.last = now if now is not None else time.monotonic()
        self.emit(self.job_id, merged)


class InferenceThread(QObject):
    """Owns the QThread and the worker. Stopping is asked for without waiting (the job in hand
    may be inside a model load that C code will not interrupt); whoever can afford to wait
    (no window left) waits, with a bound. The thread is never terminated."""

    _stop = Signal()
    _budget = Signal(int)

    def __init__(self, store, runners: dict, budget_bytes: int, log_hint: str = "", parent=None):
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("atelier-inference")
        self.worker = InferenceWorker(store, runners, budget_bytes, log_hint)
        self.worker.moveToThread(self.thread)
        self._stop.connect(self.worker.shutdown, Qt.QueuedConnection)
        self._budget.connect(self.worker.set_budget, Qt.QueuedConnection)
        self._stop_requested = False
        self.thread.start()

    def set_budget(self, budget_bytes: int) -> None:
        self._budget.emit(budget_bytes)

    def request_stop(self) -> None:
        """Returns at once; the worker unloads and ends its thread after the current job."""
        if not self._stop_requested:
            self._stop_requested = True
            self._stop.emit()

    def wait(self, timeout_ms: int) -> bool:
        return self.thread.wait(max(0, timeout_ms))

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Stop and wait: for callers with no window to keep responsive (tests, scripts)."""
        self.request_stop()
        return self.wait(timeout_ms)
