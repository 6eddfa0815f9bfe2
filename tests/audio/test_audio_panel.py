"""The Audio panel driven as a person would: speak with the built-in voice (sentences play
while the rest is made), compose with a tiny MusicGen, play/pause/seek/loop with the
waveform, cancel, bad text, and the results in the Library."""

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QPoint, Qt

from app_window import open_window, searched, tile_drawn, view_only_library_item
from desktop.settings import Settings

TWO_SENTENCES = "Good morning. The coffee is ready."
LONG = " ".join(f"This is sentence number {n}." for n in range(1, 13))


@pytest.fixture
def window(qtbot, tmp_path, tiny_vits, tiny_musicgen, builtin_voice):
    window, services = open_window(qtbot, tmp_path / "data",
                                   Settings(model_dirs=[str(tiny_vits.parent), str(tiny_musicgen.parent)]))
    services.rescan_models()
    qtbot.waitUntil(lambda: len(services.audio_models.models()) == 3, timeout=20000)
    window.show_panel("audio")
    yield window
    services.shutdown()


def finished(panel):
    return not panel.session.busy and panel.results.count() > 0


def test_speaking_plays_sentences_as_they_come_then_the_kept_file(qtbot, window, builtin_voice):
    panel = window.panel("audio")
    assert panel.picker.current().path == str(builtin_voice.resolve())  # the built-in voice is the default
    assert panel.generate_button.text() == "Speak"
    panel.text.setPlainText(TWO_SENTENCES)
    panel.file_format.setCurrentIndex(panel.file_format.findData("flac"))
    panel.generate_button.click()
    qtbot.waitUntil(lambda: panel.player.pieces_played >= 1, timeout=30000)
    assert panel.player.streaming  # playing the first sentence before the job is over
    qtbot.waitUntil(lambda: finished(panel), timeout=30000)
    assert "s of audio" in panel.status.text()
    path = panel.results.item(0).data(Qt.UserRole)
    assert path.endswith(".flac")
    qtbot.waitUntil(lambda: not panel.player.streaming and panel.player.path == path, timeout=30000)
    qtbot.waitUntil(lambda: panel.player.waveform.peaks is not None, timeout=10000)
    assert panel.player.waveform.duration_s == pytest.approx(soundfile.info(path).duration, abs=0.01)
    row = window.services.store.call(lambda lib: lib.generations.recent(1)[0])
    assert row.modality == "audio" and row.kind == "speech" and row.prompt == TWO_SENTENCES and row.status == "done"


def test_player_controls_play_pause_seek_and_loop(qtbot, window, tmp_path):
    player = window.panel("audio").player
    path = tmp_path / "tone.wav"
    soundfile.write(path, (np.sin(np.linspace(0, 2000, 3 * 16000)) * 0.3).astype(np.float32), 16000)
    player.load(str(path))
    qtbot.waitUntil(lambda: player.waveform.peaks is not None and player.player.duration() > 2900, timeout=10000)
    assert player.slider.maximum() == player.player.duration()
    player.play_button.click()
    qtbot.waitUntil(lambda: player.playing and player.play_button.text() == "Pause", timeout=10000)
    player.play_button.click()
    qtbot.waitUntil(lambda: not player.playing, timeout=10000)
    view = player.waveform
    qtbot.mouseClick(view, Qt.LeftButton, pos=QPoint(view.width() // 2, view.height() // 2))
    qtbot.waitUntil(lambda: abs(player.player.position() - 1500) < 200, timeout=10000)
    assert "0:01 / 0:03" in player.time.text()
    player.loop.setChecked(True)
    assert player.player.loops() == -1
    player.loop.setChecked(False)
    assert player.player.loops() == 1


def test_music_mode_composes_with_musicgen(qtbot, window, tiny_musicgen):
    panel = window.panel("audio")
    panel.picker.choose(str(tiny_musicgen.resolve()))
    assert panel.generate_button.text() == "Compose" and panel.forms.currentWidget() is panel.music_form
    panel.text.setPlainText("calm piano")
    panel.music_form.duration.setValue(1.0)
    panel.music_form.seed.setValue(5)
    panel.generate_button.click()
    qtbot.waitUntil(lambda: finished(panel), timeout=30000)
    path = panel.results.item(0).data(Qt.UserRole)
    assert soundfile.info(path).duration == pytest.approx(1.0, abs=0.05) and "seed 5" in panel.status.text()
    qtbot.waitUntil(lambda: panel.player.path == path and panel.player.waveform.peaks is not None, timeout=10000)


def test_bad_text_and_cancel_get_clear_messages_and_keep_nothing(qtbot, window):
    panel = window.panel("audio")
    panel.text.setPlainText("   ")
    panel.generate_button.click()
    assert "no text to speak" in panel.error.text() and not panel.session.busy
    panel.text.setPlainText("你好")
    panel.generate_button.click()
    qtbot.waitUntil(lambda: not panel.session.busy and panel.error.isVisible() and "你" in panel.error.text(),
                    timeout=30000)
    panel.text.setPlainText(LONG)
    panel.play_early.setChecked(False)
    panel.generate_button.click()
    qtbot.waitUntil(lambda: "Sentence" in panel.status.text(), timeout=30000)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.session.busy, timeout=30000)
    assert panel.status.text() == "Cancelled: nothing was kept." and panel.results.count() == 0
    root = window.services.layout.root
    assert not list((root / "assets").rglob("*.wav"))


def test_audio_lands_in_the_library_with_a_waveform_tile_and_comes_back_with_its_settings(qtbot, window):
    panel = window.panel("audio")
    panel.text.setPlainText("The lighthouse keeper waves.")
    panel.speech_form.length_scale.setValue(1.3)
    panel.generate_button.click()
    qtbot.waitUntil(lambda: finished(panel), timeout=30000)
    window.show_panel("library")
    library = window.panel("library")
    searched(qtbot, library, "lighthouse keep")
    assert library.model.rowCount() == 1
    item = library.model.item(0)
    assert item.modality == "audio" and item.mime == "audio/wav"
    placeholder = library.model._placeholder("audio").toImage()
    qtbot.waitUntil(lambda: tile_drawn(library.model, 0, placeholder), timeout=10000)
    panel.text.setPlainText("")
    panel.speech_form.length_scale.setValue(1.0)
    library.grid.setCurrentIndex(library.model.index(0))
    qtbot.waitUntil(lambda: library.details is not None, timeout=10000)
    library.reuse_button.click()
    assert window.stack.currentWidget() is panel
    assert panel.text.toPlainText() == "The lighthouse keeper waves."
    assert panel.speech_form.length_scale.value() == pytest.approx(1.3)


def test_every_sentence_plays_in_turn_then_the_file_takes_over(qtbot, window):
    panel = window.panel("audio")
    panel.text.setPlainText("One. Two. Three. Four.")
    panel.generate_button.click()
    qtbot.waitUntil(lambda: finished(panel), timeout=30000)
    path = panel.results.item(0).data(Qt.UserRole)
    qtbot.waitUntil(lambda: not panel.player.streaming, timeout=30000)
    assert panel.player.pieces_played == 4 and panel.player.path == path


def test_the_library_viewer_plays_an_audio_item(qtbot, window, tmp_path):
    panel = window.panel("audio")
    panel.text.setPlainText("A short line.")
    panel.generate_button.click()
    qtbot.waitUntil(lambda: finished(panel), timeout=30000)
    viewer = view_only_library_item(qtbot, window)
    assert viewer.pane.stack.currentWidget() is viewer.pane.audio
    assert viewer.pane.audio.path == panel.results.item(0).data(Qt.UserRole)
    viewer.close()


def test_a_long_stream_keeps_few_pieces_waiting_and_the_file_goes_on_where_they_stop(qtbot, tmp_path, monkeypatch):
    """Speech is made ~10x faster than it plays: the player keeps at most MAX_QUEUED_S of it
    waiting (not the whole text), and the finished file plays on from the first piece left out."""
    from desktop.core.audio.audio_files import wav_bytes
    from desktop.core.audio.audio_request import AudioPiece
    from desktop.ui.widgets import audio_player
    from desktop.workers.background import Background

    monkeypatch.setattr(audio_player, "MAX_QUEUED_S", 1.0)
    player = audio_player.AudioPlayer(Background())
    qtbot.addWidget(player)
    rate = 16000
    tones = [(np.sin(np.arange(rate // 2) * (0.05 + 0.01 * i)) * 0.3).astype(np.float32) for i in range(8)]
    player.start_stream()
    for index, tone in enumerate(tones):  # as the pipeline sends them: WAV bytes, no samples
        player.add_piece(AudioPiece(index, 8, None, rate, wav_bytes(tone, rate), frames=len(tone)))
    assert len(player._pieces) == 2 and player._queued_s <= 1.0  # the first plays, two wait, five are left out
    final = tmp_path / "final.wav"
    soundfile.write(final, np.concatenate(tones), rate)
    player.finish_stream(str(final))
    qtbot.waitUntil(lambda: not player.streaming and player.path == str(final), timeout=20000)
    assert player.pieces_played == 3
    qtbot.waitUntil(lambda: player.playing and player.player.position() >= 1400, timeout=10000)  # from 1.5 s on
