"""What every generating panel does with its one job: listen to the queue for it, submit
a validated request, cancel it, and show an error line. Mixed into the studio panels,
which provide `services`, `job`, `status`, `error` and the `_on_*` handlers."""

from __future__ import annotations

from desktop.core.errors import UserFacingError
from desktop.core.jobs import Job


class JobPanel:
    def _connect_queue(self) -> None:
        queue = self.services.queue
        queue.job_started.connect(self._on_started)
        queue.job_progress.connect(self._on_job_progress)
        queue.job_finished.connect(self._on_finished)
        queue.job_failed.connect(self._on_failed)
        queue.job_cancelled.connect(self._on_cancelled)

    def _on_job_progress(self, job, progress) -> None:
        # A finished result waiting for a library another Atelier process holds: say so here,
        # whatever the panel's own progress display is.
        if progress.unit == "waiting":
            if self._mine(job):
                self.status.setText(progress.message)
            return
        self._on_progress(job, progress)

    def _mine(self, job) -> bool:
        return self.job is not None and job.id == self.job.id

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _submit(self, modality: str, request, model, title: str, no_model: str) -> bool:
        """Queue the request for `model` unless a job is running, there is no model or the
        request is invalid (each of which gets its message); True when queued."""
        if self.job is not None:
            return False
        if model is None:
            self.show_error(no_model)
            return False
        try:
            request.validate()
        except UserFacingError as exc:
            self.show_error(str(exc))
            return False
        self.show_error("")
        self.job = Job(modality, request, model.path, title=title)
        self.status.setText("Waiting for the model…")
        self.services.submit(self.job)
        self._update_state()
        return True

    def cancel(self) -> None:
        if self.job is not None:
            self.services.queue.cancel(self.job.id)
            self.status.setText("Stopping…")
