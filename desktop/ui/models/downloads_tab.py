"""Downloads: the queue, each with its progress (speed, time left), pause, resume and cancel.
Downloads left unfinished by a quit or a crash are listed paused, ready to resume."""

from __future__ import annotations

from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

STATE_TEXT = {"queued": "Waiting for the download before it", "paused": "Paused: the part already downloaded is kept",
              "done": "Downloaded and verified", "cancelled": "Cancelled"}


class DownloadRow(QWidget):
    def __init__(self, queue, task, parent=None):
        super().__init__(parent)
        self.queue, self.task = queue, task
        self.title = QLabel(f"<b>{task.plan.title}</b> · {task.plan.repo}")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.pause_button, self.resume_button = QPushButton("Pause"), QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel")
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 4)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.text)
        self.pause_button.clicked.connect(lambda: queue.pause(self.task))
        self.resume_button.clicked.connect(lambda: queue.resume(self.task))
        self.cancel_button.clicked.connect(lambda: queue.cancel(self.task))
        self.update_from(task)

    def update_from(self, task) -> None:
        state, progress = task.state, task.progress
        if progress is not None:
            self.bar.setValue(int(progress.fraction * 1000))
        self.bar.setRange(0, 0 if state == "downloading" and progress is None else 1000)
        if state == "failed":
            self.text.setText(task.error)
            self.text.setStyleSheet("color: #d9534f")
        else:
            self.text.setStyleSheet("")
            self.text.setText(progress.text() if state == "downloading" and progress else STATE_TEXT.get(state, state))
        self.pause_button.setVisible(state in ("queued", "downloading"))
        self.resume_button.setVisible(state in ("paused", "failed"))
        self.resume_button.setText("Retry" if state == "failed" else "Resume")
        self.cancel_button.setVisible(task.unfinished)


class DownloadsTab(QWidget):
    def __init__(self, queue, parent=None):
        super().__init__(parent)
        self.queue = queue
        self.rows: dict[int, DownloadRow] = {}
        self.empty = QLabel("No downloads. Choose a model in the Catalog, or from a studio's “Get a model” card.")
        self.list = QVBoxLayout()
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.addWidget(self.empty)
        column.addLayout(self.list)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        queue.changed.connect(self.rebuild)
        queue.progress.connect(self._on_progress)
        queue.finished.connect(self._on_progress)
        self.rebuild()

    def rebuild(self) -> None:
        tasks = {task.id: task for task in self.queue.tasks()}
        for task_id in list(self.rows):
            if task_id not in tasks:
                self.rows.pop(task_id).deleteLater()
        for task in tasks.values():
            if task.id not in self.rows:
                self.rows[task.id] = DownloadRow(self.queue, task, self)
                self.list.addWidget(self.rows[task.id])
            self.rows[task.id].update_from(task)
        self.empty.setVisible(not tasks)

    def _on_progress(self, task) -> None:
        row = self.rows.get(task.id)
        if row is not None:
            row.update_from(task)
