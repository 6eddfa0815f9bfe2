"""A video item in the Library viewer: played with QtMultimedia (looping, with a position
slider) when this machine can play, otherwise its frames drawn in turn, poster first. Either
way "Use this frame as image prompt" sends the frame on screen (or the poster) to the Image
studio as a PNG file. Those files live in one temporary folder per view, removed when the
view is (the hand-off to the Image studio takes a path, which it reads at once)."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

FALLBACK_FRAMES = 240     # frames kept when drawing a clip without QtMultimedia
FALLBACK_SIDE = 720       # and their largest side


def _decode_frames(clip: str) -> list[QImage]:
    """On the pool: the clip's frames (bounded in count and size) for drawing without a player."""
    from desktop.core.video.video_files import read_frames
    from desktop.ui.widgets.pil_qt import pil_to_qimage

    images = []
    for frame in read_frames(clip, limit=FALLBACK_FRAMES):
        frame.thumbnail((FALLBACK_SIDE, FALLBACK_SIDE))
        images.append(pil_to_qimage(frame))
    return images


def _save_frame(image: QImage, path: Path) -> str:
    """On the pool: the frame as a PNG the Image studio can open."""
    if not image.save(str(path), "PNG"):
        raise OSError("The frame could not be saved.")
    return str(path)


class FrameFiles:
    """The PNGs of frames handed to the Image studio: one folder, made on the first frame and
    removed when the view goes, but only after a save still running on the pool has finished
    (removing it meanwhile could leave that file behind). Used on the GUI thread only; a folder
    whose view is never destroyed goes when Python exits (TemporaryDirectory's finalizer)."""

    def __init__(self):
        self._folder: tempfile.TemporaryDirectory | None = None
        self._numbers = itertools.count()
        self._saving = 0
        self._closed = False

    @property
    def folder(self) -> Path | None:
        return Path(self._folder.name) if self._folder is not None else None

    def next_path(self) -> Path:
        """A new file name; call `saved()` when its save has finished or failed."""
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="atelier-frames-", ignore_cleanup_errors=True)
        self._saving += 1
        return Path(self._folder.name) / f"atelier-frame-{next(self._numbers)}.png"

    def saved(self) -> None:
        self._saving -= 1
        if self._closed:
            self.close()

    def close(self) -> None:
        self._closed = True
        if self._folder is not None and self._saving == 0:
            self._folder.cleanup()
            self._folder = None


class VideoView(QWidget):
    frame_prompt = Signal(str)   # a PNG of the frame on screen, for the Image studio

    def __init__(self, background, parent=None):
        super().__init__(parent)
        from desktop import playback

        self._background = background
        self.frame_files = files = FrameFiles()
        self.destroyed.connect(lambda *_: files.close())  # not a method of self: it is being deleted
        self._clip, self._poster, self._fps = "", "", 8.0
        self._frames: list[QImage] = []
        self._index = 0
        self._ticket = 0
        self.player = self.video = None
        self.picture = QLabel(alignment=Qt.AlignCenter)
        self.picture.setMinimumSize(160, 120)
        self.play_button = QPushButton("Pause")
        self.play_button.clicked.connect(self.toggle)
        self.loop = QCheckBox("Loop", checked=True)
        self.position = QSlider(Qt.Horizontal)
        self.frame_button = QPushButton("Use this frame as image prompt")
        self.frame_button.clicked.connect(self.use_frame)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._next_frame)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        if playback.can_play():
            from PySide6.QtMultimedia import QMediaPlayer
            from PySide6.QtMultimediaWidgets import QVideoWidget

            self.video = QVideoWidget()
            self.player = QMediaPlayer(self)
            self.player.setVideoOutput(self.video)
            self.player.durationChanged.connect(lambda ms: self.position.setRange(0, int(ms)))
            self.player.positionChanged.connect(self._moved)
            self.position.sliderMoved.connect(self.player.setPosition)
            self.loop.toggled.connect(lambda on: self.player.setLoops(-1 if on else 1))
            self.player.setLoops(-1)
            column.addWidget(self.video, 1)
        else:
            self.note.setText(playback.problem() or "")
            self.position.sliderMoved.connect(self._seek_frame)
            column.addWidget(self.picture, 1)
        row = QHBoxLayout()
        for widget in (self.play_button, self.loop, self.position, self.frame_button):
            row.addWidget(widget, 1 if widget is self.position else 0)
        column.addLayout(row)
        column.addWidget(self.note)

    @property
    def playing_with_player(self) -> bool:
        return self.player is not None

    def load(self, clip: str, poster: str, fps: float) -> None:
        self._clip, self._poster, self._fps = clip, poster, fps if fps and fps > 0 else 8.0
        self._ticket += 1
        self._frames, self._index = [], 0
        self.play_button.setText("Pause")
        if self.player is not None:
            self.player.setSource(QUrl.fromLocalFile(clip))
            self.player.play()
            return
        if poster:
            self.picture.setPixmap(self._scaled(QImage(poster)))
        ticket = self._ticket
        self._background.run(lambda: _decode_frames(clip), lambda frames: self._frames_ready(ticket, frames),
                             lambda exc: self.note.setText(str(exc)))

    def stop(self) -> None:
        self._timer.stop()
        if self.player is not None:
            self.player.stop()

    def toggle(self) -> None:
        running = self.player.isPlaying() if self.player is not None else self._timer.isActive()
        if self.player is not None:
            self.player.pause() if running else self.player.play()
        elif self._frames:
            self._timer.stop() if running else self._timer.start()
        self.play_button.setText("Play" if running else "Pause")

    def current_frame(self) -> QImage:
        """The frame on screen; the poster when none is shown yet."""
        if self.player is not None:
            frame = self.video.videoSink().videoFrame()
            image = frame.toImage() if frame.isValid() else QImage()
        else:
            image = self._frames[self._index] if self._frames else QImage()
        return image if not image.isNull() else QImage(self._poster)

    def use_frame(self) -> None:
        image = self.current_frame()
        if image.isNull():
            self.note.setText("No frame to use yet.")
            return
        files, path = self.frame_files, self.frame_files.next_path()

        def saved(result: str) -> None:
            files.saved()  # first: the view may be gone by now (then the next line raises, and is dropped)
            self.frame_prompt.emit(result)

        def failed(exc: BaseException) -> None:
            files.saved()
            self.note.setText(str(exc))

        self._background.run(lambda: _save_frame(image, path), saved, failed)

    # -- without a player: frames drawn in turn ---------------------------------------------

    def _frames_ready(self, ticket: int, frames: list[QImage]) -> None:
        if ticket != self._ticket or not frames:
            return
        self._frames = frames
        self.position.setRange(0, len(frames) - 1)
        self._timer.start(max(10, round(1000 / self._fps)))

    def _next_frame(self) -> None:
        if self._index + 1 >= len(self._frames) and not self.loop.isChecked():
            self._timer.stop()
            self.play_button.setText("Play")
            return
        self._seek_frame((self._index + 1) % len(self._frames))

    def _seek_frame(self, index: int) -> None:
        if self._frames:
            self._index = index
            self.picture.setPixmap(self._scaled(self._frames[index]))
            self.position.blockSignals(True)
            self.position.setValue(index)
            self.position.blockSignals(False)

    def _moved(self, ms: int) -> None:
        if not self.position.isSliderDown():
            self.position.setValue(int(ms))

    def _scaled(self, image: QImage) -> QPixmap:
        pixmap = QPixmap.fromImage(image)
        size = self.picture.size()
        return pixmap if pixmap.isNull() else pixmap.scaled(size, Qt.KeepAspectRatio, Qt.SmoothTransformation)
