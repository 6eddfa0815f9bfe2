"""A library in a broken environment: a damaged database is set aside (with the person's
agreement) and the files come back from their embedded settings; a read-only folder opens
for browsing; a data folder that is a file, a full disk and a full database get messages
that say what to do; the window never hangs on any of them."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from desktop.cli import main
from desktop.core.audio.audio_files import AudioTags, encode_audio
from desktop.core.error_text import describe
from desktop.core.image.image_metadata import encode_image
from desktop.core.image.image_settings import ImageSettings
from desktop.store import library as library_module
from desktop.store.generations import NewGeneration
from desktop.store.library import Library
from desktop.store.rebuild import DamagedLibraryError

ROOT = Path(__file__).resolve().parents[2]


def library_with_files(data: Path) -> None:
    """A library whose database is then destroyed: an image and a speech file stay in assets/."""
    Library(data).close()
    folder = data / "assets" / "2026" / "11" / "30"
    folder.mkdir(parents=True)
    settings = ImageSettings(prompt="a lighthouse at dusk", negative="blurry", steps=4, guidance=1.5, seed=77,
                             width=64, height=48, model_name="tiny-sd")
    (folder / "00000001-77.png").write_bytes(encode_image(Image.new("RGB", (64, 48), "navy"), "PNG", settings,
                                                                 {"settings": settings.as_dict()}))
    tags = AudioTags("Good morning.", "joe", None, {"length_scale": 1.0})
    (folder / "00000002-speech.wav").write_bytes(encode_audio(np.zeros(2205, dtype=np.float32), 22050, "wav", tags))
    (data / "library.sqlite3").write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{data / 'library.sqlite3'}{suffix}").unlink(missing_ok=True)


def test_a_damaged_database_is_named_and_kept_until_the_person_agrees(tmp_path, capsys):
    data = tmp_path / "lib"
    library_with_files(data)
    with pytest.raises(DamagedLibraryError):
        Library(data)
    assert main(["generate", "text", "hi", "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert str(data / "library.sqlite3") in err and "check --repair" in err and "unexpectedly" not in err
    assert main(["check", "--data-dir", str(data)]) == 1  # asking is not agreeing
    assert (data / "library.sqlite3").read_bytes().startswith(b"this is not")


def test_check_repair_sets_a_damaged_database_aside_and_adopts_the_files(tmp_path, capsys):
    data = tmp_path / "lib"
    library_with_files(data)
    assert main(["check", "--repair", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "2 file(s) were brought back" in out and "The library is intact." in out
    aside = list(data.glob("library.sqlite3.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")
    library = Library(data)
    items = {g.modality: library.generations.get(g.id) for g in library.generations.recent(10)}
    library.close()
    image, speech = items["image"], items["audio"]
    assert (image.prompt, image.negative, image.seed, image.model_name) == ("a lighthouse at dusk", "blurry", 77, "tiny-sd")
    assert image.status == "done" and image.assets[0]["path"] == "assets/2026/11/30/00000001-77.png"
    assert speech.prompt == "Good morning." and speech.model_name == "joe" and speech.status == "done"


def test_the_window_offers_to_set_a_damaged_database_aside(qtbot, tmp_path):
    from app_window import open_window

    data = tmp_path / "lib"
    library_with_files(data)
    window, services = open_window(qtbot, data)
    try:
        prompt = window.library_state
        qtbot.waitUntil(lambda: prompt.rebuild_button is not None and prompt.box.isVisible(), timeout=10000)
        assert "library.sqlite3" in prompt.box.text()
        with qtbot.waitSignal(prompt.rebuilt, timeout=20000) as rebuilt:
            prompt.rebuild_button.click()
        assert rebuilt.args[0].adopted == 2
        found = services.store.call(lambda lib: [g.prompt for g in lib.generations.recent(10)])
        assert "a lighthouse at dusk" in found
    finally:
        services.shutdown()


def test_startup_report_on_a_garbage_database_does_not_hang(tmp_path):
    data = tmp_path / "lib"
    data.mkdir()
    (data / "library.sqlite3").write_bytes(os.urandom(4096))
    done = subprocess.run([sys.executable, "main.py", "--startup-report", "--data-dir", str(data)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "ATELIER_CONFIG_DIR": str(tmp_path)})
    assert done.returncode == 0 and '"event": "ready"' in done.stdout


def test_a_read_only_library_opens_for_browsing_and_refuses_new_work_with_a_message(
        tmp_path, tiny_gguf, monkeypatch, capsys):
    data = tmp_path / "lib"
    assert main(["generate", "text", "the cat", "--model", str(tiny_gguf), "--max-tokens", "3",
                 "--data-dir", str(data)]) == 0
    # Tests run as root, whom permissions do not stop: the folder is declared unwritable,
    # and SQLite itself then refuses every write (the connection is opened read-only).
    monkeypatch.setattr(library_module, "_writable", lambda root: False)
    library = Library(data)
    assert library.read_only and [g.prompt for g in library.generations.recent(5)] == ["the cat"]
    assert library.generations.search("cat")
    with pytest.raises(sqlite3.OperationalError) as refused:
        library.generations.start(NewGeneration(modality="text", kind="x", prompt="p", params={}))
    assert "read-only" in describe(refused.value)
    library.close()
    capsys.readouterr()
    assert main(["generate", "text", "again", "--model", str(tiny_gguf), "--max-tokens", "3",
                 "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "read-only" in err and "unexpectedly" not in err
    assert main(["check", "--data-dir", str(data)]) == 0


def test_the_window_says_once_that_a_library_is_read_only(qtbot, tmp_path, monkeypatch):
    from app_window import open_window

    data = tmp_path / "lib"
    Library(data).close()
    monkeypatch.setattr(library_module, "_writable", lambda root: False)
    window, services = open_window(qtbot, data)
    try:
        prompt = window.library_state
        qtbot.waitUntil(lambda: prompt.box is not None and prompt.box.isVisible(), timeout=10000)
        assert "read-only" in prompt.box.text() and str(data) in prompt.box.text()
        assert services.store.read_only
    finally:
        services.shutdown()


def test_a_data_folder_that_is_a_file_is_named(tmp_path, capsys):
    afile = tmp_path / "notes.txt"
    afile.write_text("x")
    assert main(["check", "--data-dir", str(afile)]) == 1
    err = capsys.readouterr().err
    assert f"{afile} is a file, not a folder" in err


@pytest.mark.parametrize("exc, expected", [
    (OSError(errno.ENOSPC, "No space left on device", "/lib/assets/x.png"), "The disk is full (writing /lib/assets/x.png)"),
    (sqlite3.OperationalError("database or disk is full"), "The library's database is full"),
    (sqlite3.OperationalError("attempt to write a readonly database"), "The library is read-only"),
    (OSError(errno.EROFS, "Read-only file system", "/media/cd"), "/media/cd is on a read-only disk"),
])
def test_environment_failures_get_messages_that_say_what_to_do(exc, expected):
    assert describe(exc).startswith(expected)


def test_a_full_disk_at_the_end_of_a_generation_says_so_and_leaves_nothing(tmp_path, tiny_gguf, monkeypatch, capsys):
    from desktop.store import asset_files

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "lib" / "pending" / "1.json"))

    monkeypatch.setattr(asset_files.tempfile, "mkstemp", full)  # every atomic write in the library
    data = tmp_path / "lib"
    assert main(["generate", "text", "the cat", "--model", str(tiny_gguf), "--max-tokens", "3",
                 "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "The disk is full" in err and "Free some space" in err and "unexpectedly" not in err
    conn = sqlite3.connect(data / "library.sqlite3")
    assert conn.execute("SELECT status, error FROM generations").fetchone()[0] == "failed"
    conn.close()
    assert not (data / "pending").exists() or not any((data / "pending").iterdir())
