"""Nothing leaves the machine unless the person starts a download or a catalog check, and the
Offline switch turns even that off. The whole suite runs under tests/network_guard.py, which
refuses anything past loopback; here the app's own paths run and no connection at all is made
(not even to the fake hub on 127.0.0.1) until a download is asked for."""

from __future__ import annotations

import network_guard
import pytest
from PySide6.QtWidgets import QApplication


@pytest.fixture
def window(qtbot, data_dir, fake_hub, tiny_gguf):
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme
    from desktop.viewmodels.settings_model import SettingsModel

    settings = SettingsModel(Settings(model_files=[str(tiny_gguf)], hub_endpoint=fake_hub.url))
    services = Services(settings, data_dir)
    win = MainWindow(settings, Theme(QApplication.instance(), "light"), services)
    qtbot.addWidget(win)
    win.show()
    yield win
    services.shutdown()


def connections_to(hub) -> list[str]:
    port = str(hub.url.rsplit(":", 1)[1])
    return [c for c in network_guard.connections if port in c]


def test_starting_scanning_and_browsing_the_catalog_make_no_connection(qtbot, window, fake_hub):
    before = (len(network_guard.connections), len(network_guard.attempts))
    window.services.rescan_models()
    for key in window.panels:
        window.show_panel(key)
        qtbot.wait(50)
    window.open_models("catalog")
    qtbot.waitUntil(lambda: window.models_window.catalog.table.rowCount() > 0, timeout=20000)
    window.models_window.open_on("installed")
    window.models_window.open_on("downloads")
    qtbot.waitUntil(lambda: window.services.models.rowCount() > 0, timeout=20000)
    qtbot.wait(300)
    assert (len(network_guard.connections), len(network_guard.attempts)) == before
    assert fake_hub.requests == []


def test_offline_refuses_a_download_without_a_request(qtbot, window, fake_hub):
    from desktop.core.models import catalog, fetch_plan

    window.services.settings.set("offline", True)
    queue = window.services.downloads
    task = queue.start(fetch_plan.plan(catalog.for_studio("text")[0]))
    qtbot.waitUntil(lambda: task.state == "failed", timeout=10000)
    assert "offline" in task.error.lower() and "Settings" in task.error
    assert fake_hub.requests == [] and connections_to(fake_hub) == []
