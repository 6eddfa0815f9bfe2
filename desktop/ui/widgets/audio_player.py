"""Playing audio in the app: play/pause, seek (slider or waveform), loop, and a waveform
computed on the thread pool. While speech is being made, finished sentences can play one
after another before the whole text is done; the finished file takes over afterwards.
Where audio cannot be played (desktop/playback.py) the player says so once and still
draws the waveform.

Memory: a sentence is played from a small WAV file in the player's own temporary folder,
never from memory through a QIODevice. QtMultimedia's FFmpeg backend keeps the read buffer
(32 KB, with its AVIOContext) of every QIODevice source it has opened for the rest of the
process (it closes the format context with avformat_close_input, which leaves a caller's
I/O context allocated): measured ~33 KB of RSS per sentence whatever its length, none with
file sources (bench/soak_memory.py). At most the file now playing is kept on disk."""

from __future__ import annotations

import itertools
import tempfile
from collections import deque
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from desktop import playback
from desktop.ui.widgets.waveform_view import PEAK_COLUMNS, WaveformView

# Pieces waiting to play, at most (speech is made ~10x faster than it plays: a long text
# would otherwise sit in memory whole). Later ones are heard from the finished file.
MAX_QUEUED_S = 120.0


def _load_waveform(path: str):
    from desktop.core.audio.audio_files import decode_mono
    from desktop.core.audio.waveform import peaks

    samples, rate = decode_mono(path)
    return peaks(samples, PEAK_COLUMNS), len(samples) / rate


class PieceFiles:
    """The sentences' WAV files, written one by one as they start playing and deleted as soon
    as another source has replaced them. A file still open elsewhere (Windows may refuse to delete
    those) is tried again at the next release; the folder goes when the player does."""

    def __init__(self):
        self._folder: tempfile.TemporaryDirectory | None = None   # made on the first sentence
        self._numbers = itertools.count()
        self.kept: list[Path] = []

    @property
    def folder(self) -> Path | None:
        return Path(self._folder.name) if self._folder is not None else None

    def write(self, wav: bytes) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="atelier-sentences-", ignore_cleanup_errors=True)
        path = Path(self._folder.name) / f"sentence-{next(self._numbers)}.wav"  # never reused: one may linger
        path.write_bytes(wav)
        self.kept.append(path)
        return path

    def release(self, keep: Path | None = None) -> None:
        """Delete every file but `keep` (the one the player has now)."""
        self.kept = [path for path in self.kept if path == keep or not _deleted(path)]


def _deleted(path: Path) -> bool:
    try:
        path.unlink(missing_ok=True)
    except OSError:  # still open by the media backend (Windows): next time
        return False
    return True


def _clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class AudioPlayer(QWidget):
    stream_finished = Signal()

    def __init__(self, background, parent=None):
        super().__init__(parent)
        self._background = background
        self._player = None   # made on first use: the media backend is slow to start
        self.waveform = WaveformView()
        self.notice = QLabel()  # why nothing can be played, when that is so
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.notice.hide()
        self.play_button = QPushButton("Play")
        self.play_button.setEnabled(False)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setEnabled(False)
        self.time = QLabel("0:00 / 0:00")
        self.loop = QCheckBox("Loop")
        controls = QHBoxLayout()
        for widget in (self.play_button, self.slider, self.time, self.loop):
            controls.addWidget(widget, 1 if widget is self.slider else 0)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.waveform)
        column.addWidget(self.notice)
        column.addLayout(controls)

        self.path: str | None = None
        self._pieces: deque = deque()
        self.piece_files = PieceFiles()
        self._piece_on = False       # a piece was handed to the player and has not ended yet
        self.streaming = False       # pieces of a job still in progress are being played
        self.pieces_played = 0
        self._job_over = False       # the job ended (made, failed or cancelled): no more pieces come
        self._final: str | None = None
        self._queued_s = 0.0         # seconds of audio waiting in self._pieces
        self._kept_s = 0.0           # seconds of the pieces taken so far: where the file goes on
        self._resume_s: float | None = None   # set once pieces were left out
        self._seek_on_load: int | None = None
        self._ticket = 0

        self.play_button.clicked.connect(self.toggle)
        self.slider.sliderMoved.connect(self._seek)
        self.waveform.seek_requested.connect(lambda s: self._seek(int(s * 1000)))
        self.loop.toggled.connect(self._set_loop)

    @property
    def can_play(self) -> bool:
        """Asked on first use rather than at start-up: by then the warm-up has usually made
        the slow import off the GUI thread. The answer, when no, is shown once, here."""
        problem = playback.problem()
        if problem is not None and self.notice.text() != problem:
            self.notice.setText(problem)
            self.notice.show()
            self.play_button.setToolTip(problem)
        return problem is None

    def _can_hear(self) -> bool:
        """An output device is there; if not, the notice says so (and goes once one is back)."""
        hear = playback.has_output_device()
        if not hear:
            self.notice.setText(playback.NO_OUTPUT)
        self.notice.setVisible(not hear)
        self.play_button.setToolTip("" if hear else playback.NO_OUTPUT)
        return hear

    @property
    def player(self):
        """The QMediaPlayer, made on first use (QtMultimedia is warmed up off the GUI thread
        after start-up, see services.WARM_UP_TASKS)."""
        if self._player is None:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

            self._player = QMediaPlayer(self)
            self.output = QAudioOutput(self)
            self._player.setAudioOutput(self.output)
            self._player.positionChanged.connect(self._on_position)
            self._player.durationChanged.connect(self._on_duration)
            self._player.playbackStateChanged.connect(self._on_state)
            self._player.mediaStatusChanged.connect(self._on_status)
            self._player.errorOccurred.connect(self._on_error)
            self._set_loop(self.loop.isChecked())
        return self._player

    def _set_loop(self, on: bool) -> None:
        if self._player is not None:
            self._player.setLoops(-1 if on else 1)  # QMediaPlayer.Infinite is -1

    # -- a finished file --------------------------------------------------------------------

    def load(self, path: str, autoplay: bool = False, start_s: float = 0.0) -> None:
        self._end_stream_now()
        self.path, self._seek_on_load = path, None
        self._ticket += 1
        ticket = self._ticket
        playable = self.can_play
        if playable:
            self._can_hear()
            self.player.setSource(QUrl.fromLocalFile(path))
        self.piece_files.release()
        self.play_button.setEnabled(playable)
        self.slider.setEnabled(playable)
        self.waveform.set_message("Reading…")
        self._background.run(lambda: _load_waveform(path), lambda result: self._show_waveform(ticket, result),
                             lambda exc: self.waveform.set_message(f"Cannot read this audio: {exc}"))
        if playable and start_s > 0:
            self._seek_on_load = int(start_s * 1000)  # applied once the media is loaded
        elif autoplay and playable:
            self.player.play()

    def _show_waveform(self, ticket: int, result) -> None:
        if ticket == self._ticket:
            peaks, duration = result
            self.waveform.set_waveform(peaks, duration)
            if self._player is not None:
                self.waveform.set_position(self._player.position() / 1000)

    def toggle(self) -> None:
        if self.playing:
            self.player.pause()
        elif self.can_play:
            self.player.play()

    def _seek(self, ms: int) -> None:
        if self._player is not None:
            self._player.setPosition(ms)

    @property
    def playing(self) -> bool:
        if self._player is None:  # never made where QtMultimedia cannot load
            return False
        return self._player.playbackState() == type(self._player).PlaybackState.PlayingState

    @property
    def _idle(self) -> bool:
        """Nothing playing, paused or about to play. A piece just handed over still reports
        Stopped until its media has loaded; a new source then deadlocks the FFmpeg backend."""
        if self._player is None:
            return True
        return not self._piece_on and self._player.playbackState() == type(self._player).PlaybackState.StoppedState

    # -- pieces of a job in progress ----------------------------------------------------------

    def start_stream(self) -> None:
        self._end_stream_now()
        if not self.can_play:
            return
        if not self._can_hear():
            self.waveform.set_message(playback.NO_OUTPUT)
            return
        if self._player is not None:
            self._player.stop()
        self.streaming, self.pieces_played, self._final, self._job_over = True, 0, None, False
        self._queued_s, self._kept_s, self._resume_s = 0.0, 0.0, None
        self.waveform.set_message("Waiting for the first sentence…")

    def add_piece(self, piece) -> None:
        if not self.streaming:
            return
        if self._resume_s is not None or (self._pieces and self._queued_s + piece.duration_s > MAX_QUEUED_S):
            # Made faster than it plays: keep no more; the file goes on from here.
            self._resume_s = self._kept_s
            return
        self._pieces.append(piece)
        self._queued_s += piece.duration_s
        self._kept_s += piece.duration_s
        if self._idle:  # not while a piece plays, nor while the person has paused
            self._play_next_piece()

    def finish_stream(self, final_path: str | None) -> None:
        """The job ended: the file takes over once the queued pieces have played."""
        if not self.streaming:
            if final_path:
                self.load(final_path)
            return
        self._final, self._job_over = final_path, True
        if self._idle and not self._pieces:
            self._stream_done()

    def _play_next_piece(self) -> None:
        piece = self._pieces.popleft()
        self._queued_s -= piece.duration_s
        try:
            path = self.piece_files.write(piece.wav)  # a file, not a QBuffer: see the module's note
        except OSError as exc:  # e.g. no room left in the temporary folder: the file goes on from here
            self._resume_s = self._kept_s - self._queued_s - piece.duration_s
            self._pieces.clear()
            self._queued_s = 0.0
            self.waveform.set_message(f"Cannot play sentences early ({exc.strerror or exc}): "
                                      "the finished file plays from here")
            if self._job_over:
                self._stream_done()
            return
        self.player.setSource(QUrl.fromLocalFile(str(path)))
        self.piece_files.release(keep=path)
        self.pieces_played += 1
        self._piece_on = True
        rest = "" if self._job_over else " while the rest is made…"
        self.waveform.set_message(f"Playing sentence {piece.index + 1} of {piece.total}{rest}")
        self.play_button.setEnabled(True)
        self.player.play()

    def _stream_done(self) -> None:
        final, resume = self._final, self._resume_s
        self.streaming, self._final, self._job_over = False, None, False
        if final:
            self.load(final, start_s=resume or 0.0)  # where pieces were left out, the file goes on
        self.stream_finished.emit()

    def _end_stream_now(self) -> None:
        self._pieces.clear()
        self.streaming, self._final, self._resume_s, self._queued_s = False, None, None, 0.0
        self._piece_on, self._job_over = False, False

    # -- player signals ---------------------------------------------------------------------

    def _on_status(self, status) -> None:
        # The enums from the player's own class, no import in a slot: a late signal must not
        # depend on the import machinery (tests take QtMultimedia away while one may arrive).
        QMediaPlayer = type(self._player)
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._seek_on_load is not None:
            start, self._seek_on_load = self._seek_on_load, None
            QTimer.singleShot(0, lambda: self._play_from(start))  # not inside the player's own signal
        if status != QMediaPlayer.MediaStatus.EndOfMedia or not self.streaming:
            return
        # Not from inside the player's own signal: changing the source there deadlocks
        # the FFmpeg backend, which is still finishing the previous piece.
        QTimer.singleShot(0, self._after_piece)

    def _on_error(self, _error, text: str) -> None:
        self.waveform.set_message(f"Cannot play: {text}")
        if self.streaming:  # go on with the next piece, or the file
            QTimer.singleShot(0, self._after_piece)

    def _after_piece(self) -> None:
        self._piece_on = False
        if not self.streaming or not self._idle:
            return
        if self._pieces:
            self._play_next_piece()
        elif self._job_over:  # with or without a file: a failed or cancelled job ends the stream too
            self._stream_done()
        elif self._resume_s is not None:
            self.waveform.set_message("The rest plays from the file once it is finished…")

    def _play_from(self, ms: int) -> None:
        self._seek(ms)
        self.player.play()

    def _on_position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(ms)
        self.time.setText(f"{_clock(ms)} / {_clock(self.player.duration())}")
        if not self.streaming:
            self.waveform.set_position(ms / 1000)

    def _on_duration(self, ms: int) -> None:
        self.slider.setRange(0, max(0, ms))
        self.time.setText(f"{_clock(self.player.position())} / {_clock(ms)}")

    def _on_state(self, _state) -> None:
        self.play_button.setText("Pause" if self.playing else "Play")
