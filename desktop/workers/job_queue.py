"""The job queue: lives on the GUI thread and hands one job at a time to the inference
worker through a queued signal. Queued jobs can be removed; the running one is cancelled
by setting its event directly (the worker is busy and would not see a queued slot).

The queue alone moves a job's state (queued, running, then finished, failed or cancelled)
before it tells anyone, and says after each job that ran what it changed in the library."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, Signal, Slot

from desktop.core.jobs import Job, JobState, Progress
from desktop.store.changes import after_job
from desktop.workers.inference_worker import InferenceWorker


class JobQueue(QObject):
    changed = Signal()                      # running or pending jobs changed
    job_started = Signal(object)            # Job
    job_progress = Signal(object, object)   # Job, Progress
    job_finished = Signal(object, object)   # Job, outcome
    job_failed = Signal(object, str)        # Job, message
    job_cancelled = Signal(object, object)  # Job, kept items' outcome, else partial text
    library_changed = Signal(object)        # LibraryChange after a job that ran (store.announce)
    _dispatch = Signal(object)

    def __init__(self, worker: InferenceWorker, parent: QObject | None = None):
        super().__init__(parent)
        self._pending: deque[Job] = deque()
        self._running: Job | None = None
        self._dispatched: dict[int, Job] = {}
        self._closed = False
        self._dispatch.connect(worker.run_job)  # worker lives on another thread: queued
        worker.job_started.connect(self._on_started)
        worker.job_progress.connect(self._on_progress)
        worker.job_finished.connect(self._on_finished)
        worker.job_failed.connect(self._on_failed)
        worker.job_cancelled.connect(self._on_cancelled)

    # -- what the UI calls -------------------------------------------------------------

    def submit(self, job: Job) -> Job:
        if self._closed:  # quitting: the worker is stopping and would never run it
            job.cancel.set()
            job.state = JobState.CANCELLED
            self.job_cancelled.emit(job, "")
            return job
        job.state = JobState.QUEUED
        self._pending.append(job)
        self.changed.emit()
        self._next()
        return job

    def cancel(self, job_id: int) -> None:
        """Stop the running job within one token/step, or drop a queued one."""
        if self._running is not None and self._running.id == job_id:
            self._running.cancel.set()
            return
        self.remove(job_id)

    def remove(self, job_id: int) -> bool:
        for job in list(self._pending):
            if job.id == job_id:
                self._pending.remove(job)
                job.cancel.set()
                job.state = JobState.CANCELLED
                self.changed.emit()
                self.job_cancelled.emit(job, "")
                return True
        return False

    def cancel_all(self) -> None:
        for job in list(self._pending):
            self.remove(job.id)
        if self._running is not None:
            self._running.cancel.set()

    def close(self) -> None:
        """Quitting: cancel everything and hand the worker nothing more."""
        self._closed = True
        self.cancel_all()

    @property
    def running(self) -> Job | None:
        return self._running

    @property
    def pending(self) -> list[Job]:
        return list(self._pending)

    def is_idle(self) -> bool:
        return self._running is None and not self._pending

    # -- worker signals (queued onto the GUI thread) ------------------------------------

    def _next(self) -> None:
        if self._running is None and self._pending and not self._closed:
            self._running = self._pending.popleft()
            self._dispatched[self._running.id] = self._running
            self.changed.emit()
            self._dispatch.emit(self._running)

    @Slot(int)
    def _on_started(self, job_id: int) -> None:
        job = self._dispatched.get(job_id)
        if job is not None:
            job.state = JobState.RUNNING
            self.job_started.emit(job)

    @Slot(int, object)
    def _on_progress(self, job_id: int, progress: Progress) -> None:
        job = self._dispatched.get(job_id)
        if job is not None:
            self.job_progress.emit(job, progress)

    @Slot(int, object)
    def _on_finished(self, job_id: int, outcome) -> None:
        job = self._end(job_id, JobState.FINISHED)
        if job is not None:
            self.job_finished.emit(job, outcome)
            self.library_changed.emit(after_job(job, outcome))

    @Slot(int, str)
    def _on_failed(self, job_id: int, message: str) -> None:
        job = self._end(job_id, JobState.FAILED)
        if job is not None:
            job.error = message
            self.job_failed.emit(job, message)
            self.library_changed.emit(after_job(job, None))

    @Slot(int, object)
    def _on_cancelled(self, job_id: int, partial) -> None:
        job = self._end(job_id, JobState.CANCELLED)
        if job is not None:
            self.job_cancelled.emit(job, partial or "")
            self.library_changed.emit(after_job(job, partial))

    def _end(self, job_id: int, state: JobState) -> Job | None:
        job = self._dispatched.pop(job_id, None)
        if job is not None:
            job.state = state
        if self._running is not None and self._running.id == job_id:
            self._running = None
        self.changed.emit()
        self._next()
        return job
