"""Plays a finished clip in the panel, looping, with frame stepping.

Two ways, chosen per clip: QtMultimedia (QMediaPlayer into a QVideoWidget) for MP4 and WebM
when desktop.playback.can_play() says the backend loads; otherwise — no backend, or GIF /
WebP, which Qt's FFmpeg backend does not loop reliably — the frames are decoded off the GUI
thread by the core's frame reader and drawn in turn by a timer. Clips are short (≤ a few
hundred frames at ≤ 1280²), so holding their frames as QImages is affordable."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QStackedWidget, QVBoxLayout,
                               QWidget)

from desktop.ui.widgets.pil_qt import pil_to_qimage

MEDIA_SUFFIXES = (".mp4", ".webm")


def _decode(path: str) -> tuple[list, float]:
    """Off the GUI thread: the clip's frames as QImages and its frame rate."""
    from desktop.core.video.video_files import probe, read_frames

    facts = probe(path)
    return [pil_to_qimage(frame) for frame in read_frames(path)], facts.fps or 8.0


class ClipPlayer(QWidget):
    frame_shown = Signal(int)  # index of the frame now drawn (drawn mode)

    def __init__(self, background, parent=None):
        super().__init__(parent)
        self.background = background
        self.path = ""
        self.frames: list = []      # QImages (drawn mode)
        self.fps = 8.0
        self.index = 0
        self.media = None           # QMediaPlayer while the clip plays through QtMultimedia
        self._video_widget = None
        self._pixmap: QPixmap | None = None
        self.view = QLabel("The finished clip plays here.")
        self.view.setAlignment(Qt.AlignCenter)
        self.view.setMinimumSize(240, 180)
        self.view.setStyleSheet("QLabel { background: palette(base); border: 1px solid palette(mid); }")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.play_button = QPushButton("Play")
        self.back_button, self.forward_button = QPushButton("◀ Frame"), QPushButton("Frame ▶")
        self.back_button.setToolTip("One frame back (pauses)")
        self.forward_button.setToolTip("One frame forward (pauses)")
        self.loop = QCheckBox("Loop")
        self.loop.setChecked(True)
        self.position = QSlider(Qt.Horizontal)
        self.where = QLabel()
        self.timer = QTimer(self)
        controls = QHBoxLayout()
        for widget in (self.play_button, self.back_button, self.forward_button, self.loop):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.where)
        column = QVBoxLayout(self)  # the position on its own row: a narrow window keeps it usable
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.stack, 1)
        column.addWidget(self.position)
        column.addLayout(controls)
        self.play_button.clicked.connect(self.toggle)
        self.back_button.clicked.connect(lambda: self.step(-1))
        self.forward_button.clicked.connect(lambda: self.step(1))
        self.loop.toggled.connect(self._on_loop)
        self.position.sliderMoved.connect(self._seek)
        self.timer.timeout.connect(self._advance)
        self._enable(False)

    # -- opening --------------------------------------------------------------------------

    def open(self, path: str, autoplay: bool = True) -> None:
        from desktop import playback

        self.stop()
        self.path, self.frames, self.index = str(path), [], 0
        self.view.setText(f"Opening {Path(path).name}…")
        if playback.can_play() and Path(path).suffix.lower() in MEDIA_SUFFIXES:
            self._open_media(path, autoplay)
        else:
            wanted = self.path
            self.background.run(lambda: _decode(wanted), lambda found: self._on_decoded(wanted, found, autoplay),
                                lambda exc: self.view.setText(f"This clip cannot be shown: {exc}"))

    def _open_media(self, path: str, autoplay: bool) -> None:
        from PySide6.QtMultimedia import QMediaPlayer
        from PySide6.QtMultimediaWidgets import QVideoWidget

        if self.media is None:
            self.media = QMediaPlayer(self)
            self._video_widget = QVideoWidget()
            self.stack.addWidget(self._video_widget)
            self.media.setVideoOutput(self._video_widget)
            self.media.positionChanged.connect(self._on_media_position)
            self.media.durationChanged.connect(lambda ms: self.position.setRange(0, max(0, ms)))
            self.media.playbackStateChanged.connect(lambda _s: self._show_playing(self.playing))
            self.media.errorOccurred.connect(lambda _e, text: self._media_failed(text))
        from desktop.core.video.video_files import probe

        wanted = self.path
        self.background.run(lambda: probe(wanted).fps, lambda fps: setattr(self, "fps", fps or 8.0) if wanted == self.path else None,
                            lambda _exc: None)
        self.stack.setCurrentWidget(self._video_widget)
        self.media.setLoops(QMediaPlayer.Infinite if self.loop.isChecked() else 1)
        self.media.setSource(QUrl.fromLocalFile(path))
        self._enable(True)
        if autoplay:
            self.media.play()

    def _media_failed(self, text: str) -> None:
        """The backend could not play it after all: draw its frames instead."""
        if self.path and self.stack.currentWidget() is self._video_widget:
            self.media.stop()
            self.stack.setCurrentWidget(self.view)
            self.view.setText(f"Drawing the frames ({text})…")
            wanted = self.path
            self.background.run(lambda: _decode(wanted), lambda found: self._on_decoded(wanted, found, True),
                                lambda exc: self.view.setText(f"This clip cannot be shown: {exc}"))

    def _on_decoded(self, path: str, found, autoplay: bool) -> None:
        if path != self.path:  # another clip was opened meanwhile
            return
        self.frames, self.fps = found
        self.stack.setCurrentWidget(self.view)
        self.position.setRange(0, max(0, len(self.frames) - 1))
        self._enable(bool(self.frames))
        self.show_frame(0)
        if autoplay and len(self.frames) > 1:
            self.play()

    @property
    def drawn(self) -> bool:
        return self.stack.currentWidget() is self.view

    # -- playing --------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        if not self.drawn and self.media is not None:
            from PySide6.QtMultimedia import QMediaPlayer

            return self.media.playbackState() == QMediaPlayer.PlayingState
        return self.timer.isActive()

    def play(self) -> None:
        if not self.drawn and self.media is not None:
            self.media.play()
        elif self.frames:
            if self.index >= len(self.frames) - 1 and not self.loop.isChecked():
                self.show_frame(0)
            self.timer.start(max(1, round(1000 / self.fps)))
        self._show_playing(True)

    def pause(self) -> None:
        self.timer.stop()
        if self.media is not None:
            self.media.pause()
        self._show_playing(False)

    def stop(self) -> None:
        self.timer.stop()
        if self.media is not None:
            self.media.stop()
        self._show_playing(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def step(self, frames: int) -> None:
        """Pause and move `frames` frames (negative: back); drawn clips wrap around."""
        self.pause()
        if not self.drawn and self.media is not None:
            self.media.setPosition(max(0, self.media.position() + round(frames * 1000 / self.fps)))
        elif self.frames:
            self.show_frame((self.index + frames) % len(self.frames))

    def show_frame(self, index: int) -> None:
        if not self.frames:
            return
        self.index = max(0, min(index, len(self.frames) - 1))
        self._pixmap = QPixmap.fromImage(self.frames[self.index])
        self._draw()
        self.position.blockSignals(True)
        self.position.setValue(self.index)
        self.position.blockSignals(False)
        self.where.setText(f"{self.index + 1}/{len(self.frames)}")
        self.frame_shown.emit(self.index)

    def _advance(self) -> None:
        if self.index + 1 < len(self.frames):
            self.show_frame(self.index + 1)
        elif self.loop.isChecked():
            self.show_frame(0)
        else:
            self.pause()

    def _seek(self, value: int) -> None:
        if not self.drawn and self.media is not None:
            self.media.setPosition(value)
        else:
            self.pause()
            self.show_frame(value)

    def _on_loop(self, on: bool) -> None:
        if self.media is not None:
            from PySide6.QtMultimedia import QMediaPlayer

            self.media.setLoops(QMediaPlayer.Infinite if on else 1)

    def _on_media_position(self, ms: int) -> None:
        self.position.blockSignals(True)
        self.position.setValue(ms)
        self.position.blockSignals(False)
        self.where.setText(f"{ms / 1000:.2f} s · frame {int(ms * self.fps / 1000) + 1}")

    def _show_playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")

    def _enable(self, on: bool) -> None:
        for widget in (self.play_button, self.back_button, self.forward_button, self.position):
            widget.setEnabled(on)

    def _draw(self) -> None:
        if self._pixmap is not None:
            self.view.setPixmap(self._pixmap.scaled(self.view.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._draw()
