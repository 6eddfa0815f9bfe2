"""Video items in the Library grid: a poster tile, and a few small frames that cycle while
the mouse is over the item. Both are decoded on the thread pool; the hover frames of a few
clips only are kept (a bounded cache), so hovering across a long grid costs no memory."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from desktop.core.video.video_files import poster_name

HOVER_FRAMES = 8          # frames shown in turn while hovering
HOVER_SCAN = 48           # frames decoded at most to pick them from (a long clip is not read whole)
HOVER_CLIPS = 6           # clips whose hover frames are kept
HOVER_INTERVAL_MS = 160


def poster_path(clip: str) -> Path:
    """Where a video job (and "Extend"/"Join") writes the clip's poster: beside it, named after it
    (the second asset of its generation)."""
    return Path(poster_name(clip))


def _to_qimage(frame, side: int) -> QImage:
    """A frame fitted into a side×side tile, as image tiles are (small frames scaled up)."""
    frame = frame.convert("RGB")
    frame.thumbnail((side, side))  # shrinks a large frame before it is copied into Qt
    data = frame.tobytes()
    image = QImage(data, frame.width, frame.height, frame.width * 3, QImage.Format_RGB888)
    return image.scaled(side, side, Qt.KeepAspectRatio, Qt.SmoothTransformation)  # a copy: owns its pixels


def make_video_thumbnail(clip: str, side: int) -> QImage:
    """On the pool: the poster the job wrote, else the clip's first frame (an imported or
    foreign clip may have no poster)."""
    poster = poster_path(clip)
    if poster.is_file():
        image = QImage(str(poster))
        if not image.isNull():
            return image.scaled(side, side, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    from desktop.core.video.video_files import read_frames

    frames = read_frames(clip, limit=1)
    if not frames:
        raise OSError(f"{clip} has no frames")
    return _to_qimage(frames[0], side)


def make_hover_frames(clip: str, side: int, count: int = HOVER_FRAMES) -> list[QImage]:
    """On the pool: `count` small frames spread over the clip's first HOVER_SCAN frames."""
    from desktop.core.video.video_files import read_frames

    frames = read_frames(clip, limit=HOVER_SCAN)
    if not frames:
        raise OSError(f"{clip} has no frames")
    step = max(1, len(frames) // count)
    return [_to_qimage(frame, side) for frame in frames[::step][:count]]


class HoverFrames(QObject):
    """Frames of the hovered clip, made once per clip on the pool; `tick` asks the view to
    draw the next one while a clip is hovered."""
    ready = Signal(str)   # the clip whose frames arrived
    tick = Signal(str)    # the hovered clip: show its next frame

    def __init__(self, background, side: int, capacity: int = HOVER_CLIPS, parent=None):
        super().__init__(parent)
        self._background, self._side, self._capacity = background, side, capacity
        self._frames: "OrderedDict[str, list[QPixmap]]" = OrderedDict()
        self._pending: set[str] = set()
        self._failed: set[str] = set()
        self._hovered = ""
        self._step = 0
        self._timer = QTimer(self)
        self._timer.setInterval(HOVER_INTERVAL_MS)
        self._timer.timeout.connect(self._advance)

    @property
    def hovered(self) -> str:
        return self._hovered

    def hover(self, clip: str) -> None:
        """Start cycling `clip`'s frames ("" stops)."""
        if clip == self._hovered:
            return
        previous, self._hovered, self._step = self._hovered, clip, 0
        if previous:
            self.tick.emit(previous)  # back to its poster
        if not clip:
            self._timer.stop()
            return
        if clip not in self._frames and clip not in self._pending and clip not in self._failed:
            self._pending.add(clip)
            side = self._side
            self._background.run(lambda: make_hover_frames(clip, side), lambda images: self._store(clip, images),
                                 lambda _exc: self._fail(clip))
        self._timer.start()

    def current(self, clip: str) -> QPixmap | None:
        """The frame to draw for `clip` now, or None when it is not hovered or not ready."""
        frames = self._frames.get(clip) if clip == self._hovered else None
        return frames[self._step % len(frames)] if frames else None

    def __len__(self) -> int:
        return len(self._frames)

    def _advance(self) -> None:
        if self._hovered in self._frames:
            self._step += 1
            self.tick.emit(self._hovered)

    def _store(self, clip: str, images: list[QImage]) -> None:
        self._pending.discard(clip)
        self._frames[clip] = [QPixmap.fromImage(image) for image in images]  # GUI thread
        while len(self._frames) > self._capacity:
            self._frames.popitem(last=False)
        self.ready.emit(clip)

    def _fail(self, clip: str) -> None:
        self._pending.discard(clip)
        self._failed.add(clip)
