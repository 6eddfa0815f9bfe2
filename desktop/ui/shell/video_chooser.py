"""Which video a sound goes under: the library's clips, newest first (read on the store's
thread), chosen in a small dialog."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QVBoxLayout)

LISTED = 300  # the newest clips; older ones are a search away in the Library
CLIP_MIMES = ("video/mp4", "video/webm", "image/gif", "image/webp")


@dataclass(frozen=True)
class LibraryClip:
    generation_id: int
    path: str          # absolute
    prompt: str
    seconds: float | None
    created_at: float


def library_clips(lib, limit: int = LISTED) -> list[LibraryClip]:
    """On the store's thread: finished video items not in the trash, each with its clip file."""
    marks = ",".join("?" * len(CLIP_MIMES))
    rows = lib.conn.execute(
        "SELECT g.id, a.path, g.prompt, a.duration_s, g.created_at FROM generations g "
        f"JOIN assets a ON a.generation_id = g.id AND a.mime IN ({marks}) "
        "WHERE g.modality = 'video' AND g.status = 'done' AND g.trashed_at IS NULL "
        "GROUP BY g.id ORDER BY g.created_at DESC, g.id DESC LIMIT ?", (*CLIP_MIMES, limit)).fetchall()
    root = Path(lib.layout.root)
    return [LibraryClip(gid, str(root / path), prompt, seconds, created) for gid, path, prompt, seconds, created in rows]


class VideoChooser(QDialog):
    """Lists `clips`; `chosen()` is the one picked when the dialog was accepted."""

    def __init__(self, clips: list[LibraryClip], sound_name: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Add as soundtrack")
        self.list = QListWidget()
        for clip in clips:
            when = dt.datetime.fromtimestamp(clip.created_at).strftime("%Y-%m-%d %H:%M")
            length = f" · {clip.seconds:.1f} s" if clip.seconds else ""
            item = QListWidgetItem(f"#{clip.generation_id} · {' '.join(clip.prompt.split())[:70] or Path(clip.path).name}"
                                   f"{length} · {when}")
            item.setToolTip(clip.path)
            item.setData(Qt.UserRole, clip)
            self.list.addItem(item)
        if clips:
            self.list.setCurrentRow(0)
        explain = QLabel(f"Lay {sound_name} under which video? A new clip is made; the video is left as it is.")
        explain.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Add soundtrack")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        column = QVBoxLayout(self)
        column.addWidget(explain)
        column.addWidget(self.list, 1)
        self.fit = QComboBox()
        self.fit.addItem("plays again until the sound ends", "loop")
        self.fit.addItem("holds its last frame until the sound ends", "hold")
        fit_row = QHBoxLayout()
        fit_row.addWidget(QLabel("A clip shorter than the sound"))
        fit_row.addWidget(self.fit, 1)
        column.addLayout(fit_row)
        column.addWidget(buttons)
        self.resize(560, 380)

    def chosen_fit(self) -> str:
        """soundtrack.LOOP or soundtrack.HOLD."""
        return self.fit.currentData()

    def chosen(self) -> LibraryClip | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None
