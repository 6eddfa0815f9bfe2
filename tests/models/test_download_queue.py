"""The window's download queue against the fake hub: one at a time, a finished download stays
listed, and the same model asked for again after it was deleted downloads anew."""

from __future__ import annotations

import pytest

from desktop.core.models.fetch_plan import FetchPlan
from desktop.core.models.removal import remove_download


@pytest.fixture
def services(qtbot, data_dir, fake_hub):
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.viewmodels.settings_model import SettingsModel

    svc = Services(SettingsModel(Settings(hub_endpoint=fake_hub.url)), data_dir)
    yield svc
    svc.shutdown()


def test_downloads_run_in_turn_and_a_deleted_model_downloads_again(qtbot, services, fake_hub):
    fake_hub.add_repo("acme/one", {"a.txt": b"a" * 5000}, lfs=set())
    fake_hub.add_repo("acme/two", {"b.txt": b"b" * 7000}, lfs=set())
    queue = services.downloads
    first = queue.start(FetchPlan("", "acme/one", None, ("a.txt",), 5000, "one"))
    second = queue.start(FetchPlan("", "acme/two", None, ("b.txt",), 7000, "two"))
    assert [t.state for t in queue.tasks()] == ["downloading", "queued"]
    qtbot.waitUntil(lambda: second.state == "done", timeout=20000)
    assert first.state == "done" and services.settings.get("pending_downloads") == []
    assert queue.find("acme/one", ("a.txt",)) is first  # listed as history

    remove_download(first.result.folder, services.models_folder())
    again = queue.start(first.plan)
    assert again is not first
    qtbot.waitUntil(lambda: again.state == "done", timeout=20000)
    assert (services.models_folder() / "acme" / "one" / "a.txt").read_bytes() == b"a" * 5000
