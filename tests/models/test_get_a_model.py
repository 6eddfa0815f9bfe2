"""A new person's first hour, against the fake hub on 127.0.0.1: the Text studio has only a base
model, so its "Get a model" card offers the catalog's chat model that fits; one click downloads
it (progress in place), the studio chooses it in Chat mode, and a message gets a reply from it.
The Models window lists, downloads, pauses and resumes the same way."""

from __future__ import annotations

import json
import sqlite3

import pytest
from PySide6.QtWidgets import QApplication

from catalog_helpers import GGUF_REPO, Q4, Q8, gguf_entry

pytestmark = pytest.mark.usefixtures("fake_hub")


@pytest.fixture
def test_catalog(tmp_path, monkeypatch, tiny_chat_gguf, fake_hub):
    """The catalog names one tiny chat model, served by the fake hub (its sizes and hashes known)."""
    from desktop.core.models import catalog

    files = {Q4: tiny_chat_gguf.read_bytes(), Q8: tiny_chat_gguf.read_bytes() + b"\0" * 64, "README.md": b"# tiny\n"}
    fake_hub.add_repo(GGUF_REPO, files, lfs={Q4, Q8})
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"schema": 1, "updated": "2026-12-01",
                                "models": [gguf_entry(files, known=True)]}), encoding="utf-8")
    monkeypatch.setattr(catalog, "default_path", lambda: path)
    catalog._shipped.cache_clear()
    yield files
    catalog._shipped.cache_clear()


@pytest.fixture
def window(qtbot, data_dir, fake_hub, test_catalog, tiny_gguf):
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme
    from desktop.viewmodels.settings_model import SettingsModel

    settings = SettingsModel(Settings(model_files=[str(tiny_gguf)], hub_endpoint=fake_hub.url, cpu_threads=2,
                                      context_length=512))
    services = Services(settings, data_dir)
    win = MainWindow(settings, Theme(QApplication.instance(), "light"), services)
    qtbot.addWidget(win)
    win.show()
    services.rescan_models()
    yield win
    services.shutdown()


def test_the_text_studios_card_downloads_a_chat_model_that_then_answers(qtbot, window, data_dir, fake_hub):
    panel = window.panel("text")
    card = panel.offer_card
    qtbot.waitUntil(lambda: card.isVisible() and len(card.rows) == 1, timeout=20000)  # only a base model here
    row = card.rows[0]
    assert "Tiny Chat" in row.title.text() and "fits" in row.facts.text()
    row.download_button.click()
    qtbot.waitUntil(lambda: panel.picker.current() is not None and panel.picker.current().name != ""
                    and panel.picker.current().path.endswith(Q4), timeout=30000)
    downloaded = data_dir / "models" / GGUF_REPO / Q4
    assert downloaded.is_file() and panel.picker.current().path == str(downloaded)
    assert [g.path for g in fake_hub.gets_of(GGUF_REPO, Q8)] == []  # only the chosen quantization
    assert panel.current_mode() == "chat"
    qtbot.waitUntil(lambda: panel.services.settings.get("context_length") == 2048, timeout=10000)  # its card's
    qtbot.waitUntil(lambda: not card.isVisible(), timeout=10000)  # the studio can chat now

    panel.sampling.max_tokens.setValue(8)
    panel.input.setPlainText("hello there")
    with qtbot.waitSignal(panel.session.finished, timeout=30000):
        panel.send_button.click()
    conn = sqlite3.connect(data_dir / "library.sqlite3")
    try:
        row = conn.execute("SELECT status, model_path, kind FROM generations").fetchone()
    finally:
        conn.close()
    assert row == ("done", str(downloaded), "text")


def test_the_models_window_lists_the_catalog_and_pauses_and_resumes_a_download(qtbot, window, data_dir, fake_hub,
                                                                             monkeypatch):
    from desktop.core.models.download_control import RetryPolicy

    # The stalled connection is retried after 10 s, not 1 s: the pause below lands in the stall or
    # the wait even when a loaded machine's GUI thread sees the first bytes late.
    monkeypatch.setattr(RetryPolicy, "delay", lambda self, failures: 10.0)
    window.open_models("catalog")
    models = window.models_window
    qtbot.waitUntil(lambda: models.catalog.table.rowCount() >= 1, timeout=20000)
    assert models.catalog.table.item(0, 0).text() == "Tiny Chat"
    fake_hub.stall(Q4, after=2048, seconds=3.0)  # a slow link: time to pause mid-file
    models.catalog.table.cellWidget(0, 2).setCurrentText("Q4_K_M")
    models.catalog.download(0)
    queue = window.services.downloads
    qtbot.waitUntil(lambda: bool(queue.tasks()), timeout=10000)
    task = queue.tasks()[0]
    # Pause once bytes have arrived (the link then stalls): the part already here is kept.
    qtbot.waitUntil(lambda: task.progress is not None and task.progress.done_bytes > 0, timeout=10000)
    row = models.downloads.rows[task.id]
    row.pause_button.click()
    qtbot.waitUntil(lambda: task.state == "paused", timeout=20000)
    assert window.services.settings.get("pending_downloads")  # remembered for the next start
    row.resume_button.click()
    qtbot.waitUntil(lambda: task.state == "done", timeout=30000)
    assert (data_dir / "models" / GGUF_REPO / Q4).is_file()
    assert window.services.settings.get("pending_downloads") == []
    gets = fake_hub.gets_of(GGUF_REPO, Q4)
    assert len(gets) == 2 and gets[0].range is None and gets[1].range.startswith("bytes=")  # went on, not over
    assert gets[1].range != "bytes=0-"

    models.open_on("installed")
    qtbot.waitUntil(lambda: any(r.downloaded_to for r in models.installed.model.rows), timeout=20000)
    own = next(r for r in models.installed.model.rows if r.downloaded_to)
    assert own.source == "Downloaded by Atelier"


def test_the_image_studios_card_gets_a_few_step_model_with_its_settings_and_it_draws(qtbot, tmp_path, data_dir,
                                                                                      fake_hub, monkeypatch):
    """A diffusers folder (many files, one download, one progress): chosen with its card's
    recommended steps and guidance, then an image is made with it."""
    from catalog_helpers import FOLDER_REPO, UNET, folder_entry
    from tiny_models import write_tiny_sd

    from desktop.core.models import catalog
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme
    from desktop.viewmodels.settings_model import SettingsModel

    source = write_tiny_sd(tmp_path / "tiny-sd")
    files = {p.relative_to(source).as_posix(): p for p in source.rglob("*") if p.is_file()}
    fake_hub.add_repo(FOLDER_REPO, files, lfs={k for k in files if k.endswith(".safetensors")})
    entry = folder_entry({UNET: files[UNET].read_bytes()}, known=True,
                         recommended={"steps": 2, "guidance": 0.0, "width": 64, "height": 64,
                                      "scheduler": "EulerAncestralDiscreteScheduler"})
    entry["source"]["patterns"] = ["*.json", "*/*.json", "*/*.txt", "*/*.safetensors"]
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"schema": 1, "updated": "2026-12-01", "models": [entry]}), encoding="utf-8")
    monkeypatch.setattr(catalog, "default_path", lambda: path)
    catalog._shipped.cache_clear()
    settings = SettingsModel(Settings(hub_endpoint=fake_hub.url, cpu_threads=2, image_precision="fp32"))
    services = Services(settings, data_dir)
    try:
        win = MainWindow(settings, Theme(QApplication.instance(), "light"), services)
        qtbot.addWidget(win)
        win.show()
        services.rescan_models()
        win.show_panel("image")
        panel = win.panel("image")
        qtbot.waitUntil(lambda: panel.offer_card.isVisible() and len(panel.offer_card.rows) == 1, timeout=20000)
        panel.offer_card.rows[0].download_button.click()
        folder = data_dir / "models" / FOLDER_REPO
        qtbot.waitUntil(lambda: panel.picker.current() is not None and panel.picker.current().path == str(folder),
                        timeout=60000)
        qtbot.waitUntil(lambda: panel.form.steps.value() == 2, timeout=10000)
        assert (panel.form.guidance.value(), panel.form.width_box.value(), panel.form.scheduler.currentText()) == \
            (0.0, 64, "Euler a")
        assert not (folder / "unet" / "diffusion_pytorch_model.bin").exists()
        panel.form.prompt.setPlainText("a red cube")
        with qtbot.waitSignal(panel.session.finished, timeout=60000):
            panel.generate()
        qtbot.waitUntil(lambda: not panel.offer_card.isVisible(), timeout=10000)
    finally:
        services.shutdown()
        catalog._shipped.cache_clear()
