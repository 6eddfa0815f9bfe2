"""The optional runtime's converted models stay within a bound (least recently used go first,
never one in use), and the Models window frees them on request, off the GUI thread."""

from __future__ import annotations

import os
import threading

import pytest
from PySide6.QtWidgets import QApplication

from desktop.core.image import runtime_cache


def converted(root, key: str, ir_bytes: int, compiled_bytes: int, used_at: float) -> None:
    """An entry as the runtime leaves it: IR, compiled blobs for one precision, a used mark."""
    (root / "ir" / key).mkdir(parents=True)
    (root / "ir" / key / "model.bin").write_bytes(b"\0" * ir_bytes)
    (root / "compiled" / key / "bf16").mkdir(parents=True)
    (root / "compiled" / key / "bf16" / "blob.blob").write_bytes(b"\0" * compiled_bytes)
    runtime_cache.mark_used(root, key)
    os.utime(root / "ir" / key / runtime_cache.USED_MARK, (used_at, used_at))


def test_entries_count_ir_and_compiled_blobs_least_recently_used_first(tmp_path):
    converted(tmp_path, "unet-new", 300, 200, used_at=2000)
    converted(tmp_path, "unet-old", 100, 50, used_at=1000)
    (tmp_path / "ir" / ".unet-x-partial").mkdir()  # a conversion under way is no entry
    listed = runtime_cache.entries(tmp_path)
    assert [(e.key, e.size_bytes) for e in listed] == [("unet-old", 150), ("unet-new", 500)]


def test_pruning_drops_the_least_recently_used_until_within_the_bound_but_never_one_in_use(tmp_path):
    converted(tmp_path, "a", 400, 100, used_at=1000)  # the oldest, but in use now
    converted(tmp_path, "b", 400, 100, used_at=2000)
    converted(tmp_path, "c", 400, 100, used_at=3000)
    converted(tmp_path, "d", 400, 100, used_at=4000)
    dropped = runtime_cache.prune(tmp_path, keep={"a"}, limit=1200)
    assert dropped == ["b", "c"]
    assert sorted(e.key for e in runtime_cache.entries(tmp_path)) == ["a", "d"]
    assert not (tmp_path / "compiled" / "b").exists() and (tmp_path / "compiled" / "a" / "bf16").is_dir()


def test_pruning_drops_compiled_blobs_that_lost_their_ir(tmp_path):
    converted(tmp_path, "a", 10, 10, used_at=1000)
    (tmp_path / "compiled" / "bf16").mkdir()  # the layout before entries had their own folder
    (tmp_path / "compiled" / "bf16" / "old.blob").write_bytes(b"\0" * 10)
    assert runtime_cache.prune(tmp_path, keep=set()) == []
    assert sorted(p.name for p in (tmp_path / "compiled").iterdir()) == ["a"]


def test_loading_marks_an_entry_used(tmp_path):
    converted(tmp_path, "a", 10, 10, used_at=1000)
    converted(tmp_path, "b", 10, 10, used_at=2000)
    runtime_cache.mark_used(tmp_path, "a")
    assert [e.key for e in runtime_cache.entries(tmp_path)] == ["b", "a"]


def test_clear_frees_everything_and_says_how_much(tmp_path):
    folder = tmp_path / "image-runtime"
    converted(folder / "openvino", "a", 1000, 500, used_at=1000)
    assert runtime_cache.clear(folder) == 1500  # the used mark is empty
    assert runtime_cache.total_bytes(folder) == 0 and not folder.exists()


@pytest.fixture
def window(qtbot, data_dir):
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme
    from desktop.viewmodels.settings_model import SettingsModel

    services = Services(SettingsModel(Settings()), data_dir)
    win = MainWindow(services.settings, Theme(QApplication.instance(), "light"), services)
    qtbot.addWidget(win)
    win.show()
    yield win
    services.shutdown()


def test_the_models_window_shows_and_clears_the_converted_models_off_the_gui_thread(qtbot, window, monkeypatch):
    folder = runtime_cache.default_folder()
    converted(folder / "openvino", "unet-abc", 2_000_000, 1_000_000, used_at=1000)
    gui = threading.get_ident()
    measured_on, cleared_on = [], []
    total_bytes, clear = runtime_cache.total_bytes, runtime_cache.clear
    monkeypatch.setattr(runtime_cache, "total_bytes", lambda f: measured_on.append(threading.get_ident()) or total_bytes(f))
    monkeypatch.setattr(runtime_cache, "clear", lambda f: cleared_on.append(threading.get_ident()) or clear(f))
    window.open_models("installed")
    tab = window.models_window.installed
    qtbot.waitUntil(lambda: "3 MB" in tab.converted.text(), timeout=10000)
    assert tab.clear_converted_button.isEnabled()
    tab.clear_converted_button.click()
    qtbot.waitUntil(lambda: "Removed the converted models (3 MB)" in tab.status.text(), timeout=10000)
    qtbot.waitUntil(lambda: "No image model is converted" in tab.converted.text(), timeout=10000)  # measured again
    assert not tab.clear_converted_button.isEnabled()
    assert not folder.exists()
    assert measured_on and cleared_on and gui not in measured_on + cleared_on
