"""Music is a mode of the Audio studio even with no music model (it offers MusicGen then), and
without an output device nothing claims to be playing."""

import pytest
import soundfile
from PySide6.QtCore import Qt

from app_window import open_window
from desktop import playback
from desktop.settings import Settings


@pytest.fixture
def voice_only(qtbot, tmp_path, builtin_voice):
    window, services = open_window(qtbot, tmp_path / "data", panel="audio")
    services.rescan_models()
    panel = window.panel("audio")
    qtbot.waitUntil(lambda: panel.picker.current() is not None, timeout=20000)
    yield panel
    services.shutdown()


def choose_mode(panel, mode: str) -> None:
    panel.mode.setCurrentIndex(panel.mode.findData(mode))
    panel.mode.activated.emit(panel.mode.currentIndex())


def test_music_is_a_mode_without_a_music_model_and_offers_one(qtbot, voice_only):
    panel = voice_only
    assert [panel.mode.itemText(i) for i in range(panel.mode.count())] == ["Speech", "Music"]
    choose_mode(panel, "music")
    assert panel.picker.current() is None  # no voice left chosen while composing
    assert panel.generate_button.text() == "Compose" and not panel.generate_button.isEnabled()
    assert "MusicGen" in panel.generate_button.toolTip()
    card = panel.music_card
    qtbot.waitUntil(lambda: card.isVisible() and bool(card.rows), timeout=20000)
    assert [row.offer.entry.id for row in card.rows] == ["musicgen-small"]
    assert "Music mode" in card.heading.text()
    choose_mode(panel, "speech")
    assert panel.picker.current() is not None and panel.picker.current().is_speech
    assert panel.generate_button.isEnabled() and not panel.music_offer.isVisible()


def test_the_mode_follows_the_model_and_the_model_follows_the_mode(qtbot, tmp_path, tiny_musicgen, builtin_voice):
    window, services = open_window(qtbot, tmp_path / "data", Settings(model_dirs=[str(tiny_musicgen.parent)]),
                                   panel="audio")
    try:
        services.rescan_models()
        panel = window.panel("audio")
        qtbot.waitUntil(lambda: len(services.audio_models.models()) == 2, timeout=20000)
        choose_mode(panel, "music")
        assert not panel.picker.current().is_speech and panel.generate_button.isEnabled()
        assert not panel.music_card.isVisible()  # a music model is here: nothing to offer
        panel.picker.choose(str(builtin_voice.resolve()))
        assert panel.mode.currentData() == "speech" and panel.generate_button.text() == "Speak"
    finally:
        services.shutdown()


def test_without_an_output_device_it_says_so_instead_of_playing(qtbot, voice_only, monkeypatch):
    monkeypatch.setattr(playback, "has_output_device", lambda: False)
    panel = voice_only
    panel.text.setPlainText("Good morning. The coffee is ready. The train is late.")
    panel.generate_button.click()
    qtbot.waitUntil(lambda: not panel.session.busy and panel.results.count() == 1, timeout=60000)
    player = panel.player
    assert player.pieces_played == 0 and not player.streaming
    assert player.notice.isVisible() and "No audio output device" in player.notice.text()
    assert "Playing sentence" not in (player.waveform.message or "")
    assert soundfile.info(panel.results.item(0).data(Qt.UserRole)).duration > 1  # made and kept all the same
