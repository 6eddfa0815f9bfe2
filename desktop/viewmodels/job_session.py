"""One studio's job, observed: the job it runs, that job's state, last progress and error.

A panel binds to its session instead of keeping `self.job` by hand in every handler: the
session listens to the queue, keeps only its own job's signals, clears the job before it
tells the panel the job ended (so `busy` is already false there), and refuses a second job
while one is queued or running. A studio that runs two things at once (the Code studio's
chat and its editor completion) holds two sessions.

The session builds each job: the engine options come from the one function the CLI uses too
(`desktop/job_options.py`, through `options`), the origin from the studio it serves."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Signal

from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, JobState, Progress, Studio


class JobSession(QObject):
    state_changed = Signal(object)      # JobState of the session's latest job
    busy_changed = Signal(bool)
    started = Signal(object)            # Job
    progress = Signal(object, object)   # Job, Progress (not the "waiting" notices)
    waiting = Signal(str)               # the finished result waits for a library held elsewhere
    finished = Signal(object, object)   # Job, outcome
    failed = Signal(object, str)        # Job, message for a person
    cancelled = Signal(object, object)  # Job, kept items' outcome, else partial text

    def __init__(self, queue, options: Callable[[], EngineOptions], studio: Studio, parent: QObject | None = None):
        super().__init__(parent)
        self._queue, self._options, self.studio = queue, options, Studio(studio)
        self.job: Job | None = None
        self.state: JobState | None = None
        self.error = ""
        self.last_progress: Progress | None = None
        queue.job_started.connect(self._on_started)
        queue.job_progress.connect(self._on_progress)
        queue.job_finished.connect(self._on_finished)
        queue.job_failed.connect(self._on_failed)
        queue.job_cancelled.connect(self._on_cancelled)

    @property
    def busy(self) -> bool:
        return self.job is not None

    def submit(self, kind: JobKind, request, model_path: str, title: str,
               conversation_id: int | None = None, record_as: str = "") -> Job | None:
        """Queue a job for this studio; None (and nothing queued) while one is in hand."""
        if self.busy:
            return None
        job = Job(kind, request, str(model_path), JobOrigin(self.studio, conversation_id, record_as),
                  self._options(), title=title)
        self.job, self.error, self.last_progress = job, "", None
        self._set_state(JobState.QUEUED)
        self.busy_changed.emit(True)
        self._queue.submit(job)
        return job

    def cancel(self) -> bool:
        """Stop the job in hand (within a token or a step) or drop it from the queue."""
        if self.job is None:
            return False
        self._queue.cancel(self.job.id)
        return True

    # -- the queue's signals, kept for this session's job only ---------------------------

    def _mine(self, job: Job) -> bool:
        return self.job is not None and job.id == self.job.id

    def _set_state(self, state: JobState) -> None:
        self.state = state
        self.state_changed.emit(state)

    def _on_started(self, job: Job) -> None:
        if self._mine(job):
            self._set_state(JobState.RUNNING)
            self.started.emit(job)

    def _on_progress(self, job: Job, progress: Progress) -> None:
        if not self._mine(job):
            return
        if progress.unit == "waiting":
            self.waiting.emit(progress.message)
            return
        self.last_progress = progress
        self.progress.emit(job, progress)

    def _end(self, job: Job, state: JobState) -> bool:
        if not self._mine(job):
            return False
        self.job = None
        self._set_state(state)
        self.busy_changed.emit(False)
        return True

    def _on_finished(self, job: Job, outcome) -> None:
        if self._end(job, JobState.FINISHED):
            self.finished.emit(job, outcome)

    def _on_failed(self, job: Job, message: str) -> None:
        if self._end(job, JobState.FAILED):
            self.error = message
            self.failed.emit(job, message)

    def _on_cancelled(self, job: Job, kept) -> None:
        if self._end(job, JobState.CANCELLED):
            self.cancelled.emit(job, kept)
