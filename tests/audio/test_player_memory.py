"""What the audio player keeps while sentences play as they are made, whatever their number:
no QIODevice source (QtMultimedia's FFmpeg backend keeps ~33 KB of every one it opened, for
the life of the process), no QBuffer, at most the file of the sentence now playing on disk;
a stream whose job failed or was cancelled still ends; the waveform holds a fixed number of
peaks. Structural checks only: the RSS numbers are in bench/soak_memory.py."""

import errno

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QBuffer

from desktop.core.audio.audio_files import wav_bytes
from desktop.core.audio.audio_request import AudioPiece
from desktop.ui.widgets import audio_player
from desktop.ui.widgets.waveform_view import PEAK_COLUMNS

RATE = 16000


def tones(count: int, seconds: float) -> list[np.ndarray]:
    length = int(RATE * seconds)
    return [(np.sin(np.arange(length) * (0.03 + 0.002 * i)) * 0.3).astype(np.float32) for i in range(count)]


def pieces(samples: list[np.ndarray]) -> list[AudioPiece]:
    """As the pipeline sends them: WAV bytes, no samples."""
    return [AudioPiece(i, len(samples), None, RATE, wav_bytes(tone, RATE), frames=len(tone))
            for i, tone in enumerate(samples)]


@pytest.fixture
def player(qtbot):
    from desktop.workers.background import Background

    player = audio_player.AudioPlayer(Background())
    qtbot.addWidget(player)
    yield player
    if player._player is not None:
        player._player.stop()  # nothing left playing into the next test


def files_on_disk(player) -> int:
    folder = player.piece_files.folder
    return len(list(folder.glob("*.wav"))) if folder is not None else 0


def test_many_sentences_leave_at_most_the_playing_ones_file_and_never_a_device_source(qtbot, player, tmp_path):
    count = 30
    samples = tones(count, 0.08)
    sources, on_disk = [], []
    media = player.player
    media.sourceChanged.connect(lambda url: sources.append((url, media.sourceDevice())))
    media.mediaStatusChanged.connect(  # as each sentence ends
        lambda status: on_disk.append(files_on_disk(player)) if status == type(media).MediaStatus.EndOfMedia else None)
    player.start_stream()
    for piece in pieces(samples):
        player.add_piece(piece)
    final = tmp_path / "final.wav"
    soundfile.write(final, np.concatenate(samples), RATE)
    player.finish_stream(str(final))
    qtbot.waitUntil(lambda: not player.streaming and player.path == str(final), timeout=60000)

    assert player.pieces_played == count
    played = [(url, device) for url, device in sources if url.isLocalFile() and url.toLocalFile() != str(final)]
    assert len(played) == count
    assert all(device is None for _url, device in sources)  # what the backend would keep 33 KB of
    assert len(on_disk) >= count and max(on_disk) == 1  # the sentence playing, whatever the count
    assert files_on_disk(player) == 0 and player.piece_files.kept == []  # the finished file took over
    assert not player.findChildren(QBuffer) and not player._pieces


def test_a_stream_whose_job_failed_ends_after_its_sentences_and_the_next_one_drops_the_last_file(qtbot, player):
    player.start_stream()
    for piece in pieces(tones(3, 0.08)):
        player.add_piece(piece)
    with qtbot.waitSignal(player.stream_finished, timeout=30000):
        player.finish_stream(None)  # failed or cancelled: no file comes
    assert not player.streaming and player.pieces_played == 3
    assert files_on_disk(player) <= 1  # the last sentence: still the player's source
    last = list(player.piece_files.kept)

    player.start_stream()
    player.add_piece(pieces(tones(1, 0.08))[0])
    qtbot.waitUntil(lambda: player.pieces_played == 1, timeout=10000)
    assert files_on_disk(player) == 1 and not any(path.exists() for path in last)
    with qtbot.waitSignal(player.stream_finished, timeout=30000):
        player.finish_stream(None)


def test_a_file_the_backend_still_holds_is_deleted_at_a_later_release(monkeypatch):
    files = audio_player.PieceFiles()
    first = files.write(b"RIFF first")
    real_unlink = type(first).unlink
    refused = []

    def unlink(path, missing_ok=False):
        if path == first and not refused:
            refused.append(path)
            raise PermissionError(errno.EACCES, "in use by another process")  # as Windows says
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(type(first), "unlink", unlink)
    second = files.write(b"RIFF second")
    files.release(keep=second)
    assert files.kept == [first, second] and first.exists()
    third = files.write(b"RIFF third")
    files.release(keep=third)
    assert files.kept == [third] and not first.exists() and not second.exists()


def test_when_a_sentence_cannot_be_written_the_finished_file_plays_from_there(qtbot, player, tmp_path, monkeypatch):
    samples = tones(4, 0.2)
    real_write = player.piece_files.write
    writes = []

    def write(wav):
        writes.append(wav)
        if len(writes) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(wav)

    monkeypatch.setattr(player.piece_files, "write", write)
    loads = []
    real_load = player.load
    monkeypatch.setattr(player, "load", lambda path, autoplay=False, start_s=0.0: (
        loads.append(start_s), real_load(path, autoplay, start_s)))
    player.start_stream()
    for piece in pieces(samples):
        player.add_piece(piece)
    qtbot.waitUntil(lambda: "No space left" in player.waveform.message, timeout=10000)
    final = tmp_path / "final.wav"
    soundfile.write(final, np.concatenate(samples), RATE)
    player.finish_stream(str(final))
    qtbot.waitUntil(lambda: not player.streaming and player.path == str(final), timeout=20000)
    assert player.pieces_played == 1 and loads == [pytest.approx(0.2)]  # on from the sentence not heard


def test_the_waveform_holds_a_fixed_number_of_peaks_whatever_the_length(tmp_path):
    long_audio = tmp_path / "long.wav"
    soundfile.write(long_audio, np.zeros(8000 * 180, dtype=np.float32), 8000)  # three minutes
    peaks, duration = audio_player._load_waveform(str(long_audio))
    assert len(peaks) == PEAK_COLUMNS and duration == pytest.approx(180.0)
    short_audio = tmp_path / "short.wav"
    soundfile.write(short_audio, np.zeros(800, dtype=np.float32), 8000)
    assert len(audio_player._load_waveform(str(short_audio))[0]) <= PEAK_COLUMNS
