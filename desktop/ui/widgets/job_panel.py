"""What every generating panel does with its job session (desktop/viewmodels/job_session.py):
bind the session's signals to the panel's `_on_*` handlers, submit a validated request, cancel,
and show an error line. Mixed into the studio panels, which provide `services`, `status`,
`error`, `_update_state` and the handlers; the session, not the panel, holds the job."""

from __future__ import annotations

from desktop.core.errors import UserFacingError
from desktop.core.jobs import JobKind


class JobPanel:
    def _bind_session(self, session, handlers=None) -> None:
        """Connect `session` to this panel's handlers (or to `handlers`: started, progress,
        finished, failed, cancelled). A result waiting for a library another Atelier process
        holds is said on the status line, whatever the panel shows as progress."""
        started, progress, finished, failed, cancelled = handlers or (
            self._on_started, self._on_progress, self._on_finished, self._on_failed, self._on_cancelled)
        session.started.connect(started)
        session.progress.connect(progress)
        session.waiting.connect(self.status.setText)
        session.finished.connect(finished)
        session.failed.connect(failed)
        session.cancelled.connect(cancelled)

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def _submit(self, kind: JobKind, request, model, title: str, no_model: str, validate=None) -> bool:
        """Queue the request for `model` unless a job is in hand, there is no model or the
        request is invalid (each of which gets its message); True when queued. `validate`:
        the check to run instead of request.validate() (one that knows the model's limits)."""
        if self.session.busy:
            return False
        if model is None:
            self.show_error(no_model)
            return False
        try:
            (validate or request.validate)()
        except UserFacingError as exc:
            self.show_error(str(exc))
            return False
        self.show_error("")
        self.session.submit(kind, request, model.path, title)
        self.status.setText("Waiting for the model…")
        self._update_state()
        return True

    def cancel(self) -> None:
        if self.session.cancel():
            self.status.setText("Stopping…")
