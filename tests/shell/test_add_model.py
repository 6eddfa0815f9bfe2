"""File › Add model file… / Add model folder… and drops on the window take every kind Atelier
loads, each to its studio's list and picker, said in the status bar and remembered across a
restart; pickles, damaged files and a voice without its settings are refused with a dialog
that names the file and says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QComboBox, QFileDialog, QMessageBox

from app_window import open_window
from desktop.services import Services
from desktop.settings import Settings
from desktop.viewmodels.settings_model import SettingsModel
from model_kinds import KINDS

# model_routing's list key -> (the Services attribute, the panel whose pickers show it, where the message says)
LISTS = {"text": ("models", "text", "the Text and Code studios"),
         "image": ("image_models", "image", "the Image studio"),
         "upscaler": ("upscalers", "image", "the Image studio's upscalers"),
         "audio": ("audio_models", "audio", "the Audio studio"), "video": ("video_models", "video", "the Video studio")}


@pytest.fixture
def window(qtbot, data_dir):
    window, services = open_window(qtbot, data_dir)
    wait_scanned(qtbot, services)
    yield window
    services.shutdown()


@pytest.fixture
def warnings(monkeypatch) -> list[tuple[str, str]]:
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))
    return shown


def wait_scanned(qtbot, services) -> None:
    qtbot.waitUntil(lambda: not any(models.scanning for models in services.model_lists().values()), timeout=20000)


def menu_action(window, text: str):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    return next(a for a in file_menu.actions() if a.text().replace("&", "") == text)


def urls(paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def drop_event(paths) -> QDropEvent:
    mime = urls(paths)
    event = QDropEvent(QPointF(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    event.kept_mime = mime  # the event does not own its mime data: freed with the last reference
    return event


def drag_accepted(window, paths) -> bool:
    mime = urls(paths)
    event = QDragEnterEvent(QPoint(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    event.setAccepted(False)
    window.dragEnterEvent(event)
    return event.isAccepted()


def add_through_dialog(qtbot, window, monkeypatch, path: Path) -> None:
    """Choose `path` in the dialog its menu item opens (a file or a folder)."""
    if path.is_dir():
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(path))
        action = menu_action(window, "Add model folder…")
    else:
        monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *args, **kwargs: ([str(path)], ""))
        action = menu_action(window, "Add model file…")
    action.trigger()


def combo_labels(panel) -> set[str]:
    return {box.itemText(i) for box in panel.findChildren(QComboBox) for i in range(box.count())}


@pytest.mark.parametrize("how", ["dialog", "drop"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_lands_in_its_studio(qtbot, window, kinds, monkeypatch, warnings, kind, how):
    name, studio = KINDS[kind]
    path = kinds / name
    attribute, panel_key, where = LISTS[studio]
    models = getattr(window.services, attribute)
    assert models.find(str(path)) is None
    with qtbot.waitSignal(window.model_adding.adder.added, timeout=20000) as added:
        if how == "dialog":
            add_through_dialog(qtbot, window, monkeypatch, path)
        else:
            assert drag_accepted(window, [path])
            window.dropEvent(drop_event([path]))
    assert added.args[0] == studio
    info = added.args[1]
    assert models.find(str(path)) == info
    assert window.statusBar().currentMessage() == f"Added {info.name} to {where}"
    remembered = "model_dirs" if path.is_dir() else "model_files"
    assert window.services.settings.get(remembered) == [str(path)]
    # The change scans every list again: the model is listed by the scan too (as after a restart),
    # and its studio's picker offers it.
    wait_scanned(qtbot, window.services)
    listed = models.find(str(path))
    assert listed is not None and listed.name == info.name
    qtbot.waitUntil(lambda: listed.label in combo_labels(window.panel(panel_key)), timeout=5000)
    assert warnings == []


def test_the_added_models_are_there_after_a_restart(qtbot, window, kinds, data_dir):
    paths = [kinds / KINDS[kind][0] for kind in ("checkpoint", "esrgan", "motion-file", "piper", "vits", "diffusers")]
    adder = window.model_adding.adder
    for path in paths:
        with qtbot.waitSignal(adder.added, timeout=20000):
            adder.add([str(path)])
    saved = window.services.settings.snapshot()
    restarted = Services(SettingsModel(Settings(model_files=saved.model_files, model_dirs=saved.model_dirs)),
                         data_dir.parent / "other-data")
    try:
        restarted.rescan_models()
        wait_scanned(qtbot, restarted)
        for kind in ("checkpoint", "esrgan", "motion-file", "piper", "vits", "diffusers"):
            name, studio = KINDS[kind]
            assert getattr(restarted, LISTS[studio][0]).find(str(kinds / name)) is not None, kind
        # Each remembered file is listed by its own studio only.
        assert restarted.image_models.find(str(kinds / KINDS["esrgan"][0])) is None
        assert restarted.upscalers.find(str(kinds / KINDS["checkpoint"][0])) is None
        assert restarted.video_models.find(str(kinds / KINDS["checkpoint"][0])) is None
        assert not any(Path(m.path).suffix == ".safetensors" for m in restarted.models.models())
    finally:
        restarted.shutdown()


def test_several_dropped_at_once_each_go_to_their_studio_and_the_rest_is_ignored(
        qtbot, window, kinds, tmp_path, warnings):
    picture, notes = tmp_path / "cat.png", tmp_path / "notes.txt"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    notes.write_text("not a model")
    chosen = [kinds / KINDS[kind][0] for kind in ("gguf", "checkpoint", "esrgan", "vits")]
    got = []
    window.model_adding.adder.added.connect(lambda studio, info: got.append(studio))
    window.dropEvent(drop_event([picture, *chosen, notes]))
    qtbot.waitUntil(lambda: len(got) == 4, timeout=20000)
    assert sorted(got) == ["audio", "image", "text", "upscaler"]
    message = window.statusBar().currentMessage()
    assert message.count("Added ") == 4 and "to the Image studio's upscalers" in message
    wait_scanned(qtbot, window.services)
    assert warnings == []  # the picture and the text file were not models: ignored, not refused
    settings = window.services.settings
    assert sorted(settings.get("model_files")) == sorted(str(p) for p in chosen if p.is_file())
    assert settings.get("model_dirs") == [str(kinds / KINDS["vits"][0])]


def test_drops_without_a_model_are_not_taken(qtbot, window, tmp_path, warnings):
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n")
    assert not drag_accepted(window, [picture])
    event = drop_event([picture])
    event.setAccepted(False)
    window.dropEvent(event)
    assert not event.isAccepted()
    qtbot.wait(200)
    assert warnings == [] and window.services.settings.get("model_files") == []


@pytest.mark.parametrize("how", ["dialog", "drop"])
@pytest.mark.parametrize("case, expected", [
    ("pickle", ["model.ckpt was not added", "pickle-based", "Convert it to .safetensors"]),
    ("noise", ["noise.safetensors was not added", "is not a safetensors file", "download or copy it again"]),
    ("lone-voice", ["en_US-lonely-medium.onnx was not added",
                    "has no en_US-lonely-medium.onnx.json beside it", "Piper voice comes as two files"]),
])
def test_what_cannot_be_added_is_refused_with_a_dialog_saying_why(
        qtbot, window, refused, monkeypatch, warnings, case, expected, how):
    path = refused[case]
    if how == "dialog":
        add_through_dialog(qtbot, window, monkeypatch, path)
    else:
        assert drag_accepted(window, [path])  # taken, to be told why not
        window.dropEvent(drop_event([path]))
    qtbot.waitUntil(lambda: bool(warnings), timeout=10000)
    title, text = warnings[0]
    assert title == "Model not added"
    assert all(part in text for part in expected), text
    assert window.services.settings.get("model_files") == [] and window.services.settings.get("model_dirs") == []


def test_refusals_that_come_while_the_dialog_is_open_are_shown_together_next(window, monkeypatch):
    """A drop of several bad files: one dialog at a time, never one on top of another."""
    adding, shown = window.model_adding, []

    def warning(parent, title, text):
        shown.append(text)
        if len(shown) == 1:  # while the first dialog is open, two more refusals arrive
            adding._on_refused("/m/b.ckpt", "pickle")
            adding._on_refused("/m/c.ckpt", "pickle")
            assert len(shown) == 1

    monkeypatch.setattr(QMessageBox, "warning", warning)
    adding._on_refused("/m/a.ckpt", "pickle")
    assert len(shown) == 2
    assert "a.ckpt" in shown[0] and "b.ckpt was not added" in shown[1] and "c.ckpt was not added" in shown[1]


def test_routing_and_header_reads_run_off_the_gui_thread(qtbot, window, kinds, monkeypatch):
    import threading

    from desktop import model_routing

    threads, real_add = [], model_routing.add

    def recording_add(path, inspectors):
        threads.append(threading.current_thread())
        return real_add(path, inspectors)

    monkeypatch.setattr(model_routing, "add", recording_add)
    with qtbot.waitSignal(window.model_adding.adder.added, timeout=20000):
        window.dropEvent(drop_event([kinds / KINDS["checkpoint"][0]]))
    assert threads and threading.main_thread() not in threads


def test_a_model_dropped_on_a_prompt_box_is_added_not_typed(qtbot, window, kinds):
    from PySide6.QtWidgets import QApplication

    gguf = kinds / KINDS["gguf"][0]
    box = window.panel("text").input
    box.setPlainText("")
    mime = urls([gguf])  # kept: the event does not own its mime data
    enter = QDragEnterEvent(QPoint(20, 20), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    enter.setAccepted(False)
    QApplication.sendEvent(box.viewport(), enter)  # a real drag's order: enter, then drop
    assert enter.isAccepted()
    drop = drop_event([gguf])
    QApplication.sendEvent(box.viewport(), drop)
    assert drop.isAccepted() and box.toPlainText() == ""  # added, not typed as a path
    services = window.services
    qtbot.waitUntil(lambda: services.models.find(str(gguf)) is not None, timeout=20000)
    words = QMimeData()
    words.setText("plain words")
    enter = QDragEnterEvent(QPoint(20, 20), Qt.CopyAction, words, Qt.LeftButton, Qt.NoModifier)
    enter.setAccepted(False)
    QApplication.sendEvent(box.viewport(), enter)
    assert enter.isAccepted()  # text is still the box's own to take
