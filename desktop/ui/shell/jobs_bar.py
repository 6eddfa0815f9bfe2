"""Status area: the running job with progress and Cancel, and the queued jobs (removable)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QProgressBar, QPushButton, QToolButton, QWidget

from desktop.core.jobs import Job, Progress
from desktop.workers.job_queue import JobQueue


class JobsBar(QWidget):
    def __init__(self, queue: JobQueue, parent=None):
        super().__init__(parent)
        self.queue = queue
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.label = QLabel("Idle")
        self.progress = QProgressBar()
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the running job (Esc in its panel)")
        self.queued_button = QToolButton()
        self.queued_button.setPopupMode(QToolButton.InstantPopup)
        self.queued_menu = QMenu(self)
        self.queued_button.setMenu(self.queued_menu)
        for widget in (self.label, self.progress, self.cancel_button, self.queued_button):
            layout.addWidget(widget)
        self.cancel_button.clicked.connect(self._cancel_running)
        queue.changed.connect(self._refresh)
        queue.job_progress.connect(self._on_progress)
        self._refresh()

    def _cancel_running(self) -> None:
        if self.queue.running is not None:
            self.queue.cancel(self.queue.running.id)
            self.label.setText(f"Stopping: {self.queue.running.title}")

    def _refresh(self) -> None:
        running, pending = self.queue.running, self.queue.pending
        self.cancel_button.setVisible(running is not None)
        self.progress.setVisible(running is not None)
        if running is None:
            self.label.setText("Idle")
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        else:
            self.label.setText(f"Running: {running.title}")
            self.progress.setRange(0, 0)  # busy until the first progress arrives (model loading)
            self.progress.setFormat("Loading model…")
        self.queued_button.setVisible(bool(pending))
        self.queued_button.setText(f"{len(pending)} queued")
        self.queued_menu.clear()
        for job in pending:
            action = self.queued_menu.addAction(f"Remove “{job.title}”")
            action.triggered.connect(lambda _=False, job_id=job.id: self.queue.remove(job_id))

    def _on_progress(self, job: Job, progress: Progress) -> None:
        if self.queue.running is None or job.id != self.queue.running.id:
            return
        if progress.unit == "waiting":
            self.progress.setFormat(progress.message)
            return
        if not progress.total:
            return
        self.progress.setRange(0, progress.total)
        self.progress.setValue(min(progress.done, progress.total))
        label = progress.message or progress.unit
        self.progress.setFormat(f"{label} {progress.done}/{progress.total}")
