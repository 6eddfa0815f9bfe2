"""Without the system library QtMultimedia needs (libpulse0), audio is still spoken, saved
and drawn; the Audio panel and the Library viewer each say once, in the window, that it
cannot be played and which package provides it. The import is made to fail as it does on
such a machine (find_spec still finds the module there)."""

import builtins

import pytest
import soundfile
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app_window import open_window, view_only_library_item
from desktop import playback

MISSING = "libpulse.so.0: cannot open shared object file: No such file or directory"


@pytest.fixture
def no_libpulse(monkeypatch):
    real_import = builtins.__import__

    def refusing(name, globals=None, locals=None, fromlist=(), level=0):
        if name.startswith("PySide6.QtMultimedia") or (name == "PySide6" and "QtMultimedia" in (fromlist or ())):
            raise ImportError(MISSING)
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", refusing)
    monkeypatch.setattr(playback, "_decided", False)  # undecided, as at start-up; restored afterwards
    monkeypatch.setattr(playback, "_problem", None)


def notices(widget) -> list[QLabel]:
    return [label for label in widget.findChildren(QLabel) if label.isVisible() and "libpulse0" in label.text()]


def test_the_reason_names_the_package(no_libpulse):
    from desktop.services import _prepare_audio_playback

    _prepare_audio_playback()  # the warm-up decides, and does not raise
    assert not playback.can_play()
    assert "libpulse.so.0" in playback.problem() and "sudo apt install libpulse0" in playback.problem()
    addons = playback.explain(ImportError("cannot import name 'QtMultimedia' from 'PySide6'"))
    assert "PySide6-Addons" in addons and "libpulse0" not in addons


def test_speaking_without_libpulse_saves_draws_and_says_so_once(qtbot, tmp_path, no_libpulse, builtin_voice):
    window, services = open_window(qtbot, tmp_path / "data", panel="audio")
    try:
        with qtbot.waitSignal(services.inference.worker.warmed_up, timeout=60000):
            services.warm_up()  # as the app does after the first paint: decided off the GUI thread
        assert playback._decided and not playback.can_play()
        services.rescan_models()
        panel = window.panel("audio")
        qtbot.waitUntil(lambda: panel.picker.current() is not None, timeout=20000)
        assert panel.play_early.isChecked()  # the pieces would be played as they come, if one could
        panel.text.setPlainText("Good morning. The coffee is ready. " * 3)
        panel.generate_button.click()
        # pytest-qt fails the test on any exception raised in a slot of the event loop
        qtbot.waitUntil(lambda: not panel.session.busy and panel.results.count() == 1, timeout=60000)
        path = panel.results.item(0).data(Qt.UserRole)
        assert soundfile.info(path).duration > 3 and "s of audio" in panel.status.text()
        qtbot.waitUntil(lambda: panel.player.path == path and panel.player.waveform.peaks is not None, timeout=10000)
        assert not panel.player.play_button.isEnabled() and not panel.player.streaming
        panel.player.play_button.click()  # disabled: nothing happens, nothing raises
        panel.player.waveform.seek_requested.emit(1.0)
        assert len(notices(window)) == 1 and not panel.error.isVisible()

        viewer = view_only_library_item(qtbot, window)
        assert viewer.pane.audio.path == path and len(notices(viewer)) == 1
        viewer.close()
    finally:
        services.shutdown()
