"""The Video studio's "Get a model" card against the fake hub on 127.0.0.1: an AnimateDiff motion
adapter is no model on its own, so its Download brings the SD 1.5 base its catalog entry names
(unless a copy is here), the row says both sizes before the click, pauses and cancels both, and
once both land the studio holds the pair, chosen, and makes a clip with it."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))

from catalog_helpers import ADAPTER_FILE, ADAPTER_REPO, BASE_REPO, adapter_entry, base_entry  # noqa: E402

pytest.importorskip("diffusers")
pytestmark = pytest.mark.usefixtures("fake_hub")


@pytest.fixture(scope="module")
def tiny_pair(tmp_path_factory):
    """The tiny SD of tests/tiny_models.py (the base) and a motion adapter file made for it."""
    from tiny_models import write_tiny_sd
    from tiny_video_models import write_tiny_motion_adapter_file

    folder = tmp_path_factory.mktemp("tiny-pair")
    base = write_tiny_sd(folder / "sd")
    adapter = write_tiny_motion_adapter_file(folder / ADAPTER_FILE)
    return {p.relative_to(base).as_posix(): p for p in base.rglob("*") if p.is_file()}, adapter


@pytest.fixture
def pair_catalog(tmp_path, monkeypatch, fake_hub, tiny_pair):
    """Both repositories on the fake hub, and a catalog naming the adapter and its base."""
    from desktop.core.models import catalog
    from desktop.core.video import video_registry

    base_files, adapter = tiny_pair
    fake_hub.add_repo(BASE_REPO, base_files, lfs={k for k in base_files if k.endswith(".safetensors")})
    fake_hub.add_repo(ADAPTER_REPO, {ADAPTER_FILE: adapter}, lfs={ADAPTER_FILE})
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"schema": 1, "updated": "2026-12-01",
                                "models": [base_entry(base_files), adapter_entry(adapter)]}), encoding="utf-8")
    monkeypatch.setattr(catalog, "default_path", lambda: path)
    catalog._shipped.cache_clear()
    # The registry lists an AnimateDiff base only with SD 1.5's 768-wide cross-attention; the tiny
    # SD's is 32 wide, so it is listed as the base it stands in for (as tests/video do).
    listed_kind = video_registry._folder_kind
    monkeypatch.setattr(video_registry, "_folder_kind", lambda folder: video_registry.ANIMATEDIFF_BASE
                        if folder.name == BASE_REPO.split("/")[1] else listed_kind(folder))
    yield base_files, adapter
    catalog._shipped.cache_clear()


@pytest.fixture
def video(qtbot, data_dir, fake_hub, pair_catalog):
    """The real window on the Video studio, with no model at all."""
    from app_window import open_window
    from desktop.settings import Settings

    window, services = open_window(qtbot, data_dir, Settings(hub_endpoint=fake_hub.url, cpu_threads=2,
                                                             image_precision="fp32"), panel="video")
    services.rescan_models()
    yield window.panel("video")
    services.shutdown()


def human(n: int) -> str:
    from desktop.core.model_registry import human_size

    return human_size(n)


def test_download_brings_the_base_and_the_studio_makes_a_clip_with_the_pair(qtbot, video, data_dir, fake_hub,
                                                                            pair_catalog):
    base_files, adapter = pair_catalog
    card = video.offer_card
    qtbot.waitUntil(lambda: card.isVisible() and len(card.rows) == 1, timeout=20000)
    row = card.rows[0]
    base_bytes = sum(p.stat().st_size for k, p in base_files.items() if k.endswith(".safetensors"))
    facts = row.facts.text()
    assert "Tiny Lightning 2-step" in row.title.text()
    assert f"{human(adapter.stat().st_size)} + Tiny SD 1.5 base {human(base_bytes)}" in facts  # before the click
    assert "adapter and base together: needs about 0.3 GB of" in facts  # the pair's figure: 300 MiB
    paired = []
    card.pair_ready.connect(lambda entry, base, motion: paired.append((entry.id, base, motion)))
    texts = []
    card.services.downloads.progress.connect(lambda _task: texts.append(row.status.text()))

    row.download_button.click()
    queue = card.services.downloads
    assert [t.plan.repo for t in queue.tasks()] == [ADAPTER_REPO, BASE_REPO]  # both queued, in turn
    base_folder, adapter_file = data_dir / "models" / BASE_REPO, data_dir / "models" / ADAPTER_REPO / ADAPTER_FILE
    qtbot.waitUntil(lambda: bool(paired), timeout=60000)
    assert paired == [("tiny-lightning-2step", str(base_folder), str(adapter_file))]
    assert any(t.startswith("1 of 2, the adapter: ") and t.endswith("then the Tiny SD 1.5 base") for t in texts)
    assert any(t.startswith("2 of 2, the Tiny SD 1.5 base: ") for t in texts)
    assert adapter_file.read_bytes() == adapter.read_bytes()
    assert (base_folder / "unet" / "diffusion_pytorch_model.safetensors").is_file()
    assert all(len(fake_hub.gets_of(BASE_REPO, k)) == 1 for k in base_files if k.endswith(".safetensors"))

    # The studio holds the pair, chosen, with the adapter's preset (Lightning: 2 steps, guidance 1).
    qtbot.waitUntil(lambda: video.models.current() is not None and video.models.current_adapter() is not None,
                    timeout=10000)
    assert video.models.current().path == str(base_folder.resolve())
    assert video.models.current_adapter().path == str(adapter_file.resolve())
    assert (video.form.steps.value(), video.form.guidance.value()) == (2, 1.0)
    qtbot.waitUntil(lambda: not card.isVisible(), timeout=10000)
    assert video.services.settings.get("last_video_model") == str(base_folder.resolve())

    video.form.apply({"frames": 4, "width": 64, "height": 64, "seed": 3})
    video.form.prompt.setPlainText("a red cube turning")
    with qtbot.waitSignal(video.session.finished, timeout=120000):
        video.generate()
    conn = sqlite3.connect(video.services.layout.database)
    try:
        done = conn.execute("SELECT status, model_path, params FROM generations").fetchone()
    finally:
        conn.close()
    assert done[:2] == ("done", str(base_folder.resolve()))
    assert json.loads(done[2])["motion_adapter"] == str(adapter_file.resolve())


def test_pause_and_cancel_act_on_the_adapter_and_its_base(qtbot, video, data_dir, fake_hub, pair_catalog):
    card = video.offer_card
    qtbot.waitUntil(lambda: card.isVisible() and len(card.rows) == 1, timeout=20000)
    row = card.rows[0]
    fake_hub.stall(ADAPTER_FILE, after=2048, seconds=3.0)  # a slow link: time to pause mid-file
    row.download_button.click()
    queue = card.services.downloads
    adapter_task, base_task = queue.tasks()
    qtbot.waitUntil(lambda: adapter_task.progress is not None and adapter_task.progress.done_bytes > 0,
                    timeout=10000)
    assert row.bar.isVisible() and not row.download_button.isVisible()
    row.pause_button.click()
    assert base_task.state == "paused"  # at once: the queue does not start it when the adapter stops
    qtbot.waitUntil(lambda: adapter_task.state == "paused", timeout=20000)
    assert row.status.text() == "Paused: what was downloaded is kept."
    assert row.download_button.text() == "Resume" and row.cancel_button.isVisible()
    assert fake_hub.gets_of(BASE_REPO, "unet/diffusion_pytorch_model.safetensors") == []

    row.cancel_button.click()
    qtbot.waitUntil(lambda: queue.tasks() == [], timeout=10000)
    assert row.download_button.text() == "Download" and not row.bar.isVisible()
    assert not (data_dir / "models" / ADAPTER_REPO / ADAPTER_FILE).exists()


def test_a_base_already_here_is_not_fetched_again(qtbot, tmp_path, fake_hub, pair_catalog):
    """Atelier downloaded the base earlier (the Image studio's card, say): the adapter's offer
    names it as here, and Download fetches the adapter alone."""
    from download_helpers import downloader

    from desktop.core.models import catalog
    from desktop.viewmodels.model_offers import offers_for

    models = tmp_path / "models"
    downloader(models, fake_hub).download(BASE_REPO, patterns=list(catalog.by_id("tiny-sd15").source.patterns)).run()
    before = len(fake_hub.requests)
    offer, = offers_for(("video",), models)
    assert offer.base.copy is not None and offer.base.copy.path == models / BASE_REPO
    assert [p.repo for p in offer.missing_plans] == [ADAPTER_REPO]
    assert offer.size_text.endswith("(runs on the Tiny SD 1.5 base already here)")
    assert len(fake_hub.requests) == before  # deciding asks nothing of the hub


def test_the_rows_bar_and_line_follow_both_downloads(pair_catalog):
    """offer_progress over the queue's tasks: the bytes of both parts once their sizes are known,
    the part on its way named, a failure or a part left behind said as such."""
    from dataclasses import replace

    from desktop.core.models import catalog, fetch_plan
    from desktop.core.models.download_progress import DownloadProgress
    from desktop.viewmodels.model_offers import BaseModel, Offer, offer_progress
    from desktop.workers.download_queue import DownloadTask

    adapter, base = catalog.by_id("tiny-lightning-2step"), catalog.by_id("tiny-sd15")
    adapter_plan = replace(fetch_plan.plan(adapter), approx_bytes=100)
    base_plan = replace(fetch_plan.plan(base), approx_bytes=None)  # the hub says its size when it starts
    offer = Offer(adapter, adapter_plan, None, None, base=BaseModel(base, base_plan, None))

    class Listed:  # what the card asks the window's queue: the latest task of these files
        def __init__(self, *tasks):
            self.tasks = tasks

        def find(self, repo, patterns):
            return next((t for t in self.tasks if (t.plan.repo, t.plan.patterns) == (repo, patterns)), None)

    def progress(done, total):
        return DownloadProgress("downloading", done, total, 10.0, None, None)

    first = DownloadTask(adapter_plan, state="downloading", progress=progress(40, 100))
    shown = offer_progress(offer, Listed(first, DownloadTask(base_plan)))
    assert (shown.state, shown.fraction) == ("downloading", 0.4)  # the base's size not known yet: the adapter's
    assert shown.text.startswith("1 of 2, the adapter: 40 bytes of 100 bytes") and shown.text.endswith(
        "; then the Tiny SD 1.5 base")

    done = DownloadTask(adapter_plan, state="done", progress=progress(100, 100))
    shown = offer_progress(offer, Listed(done, DownloadTask(base_plan, state="downloading",
                                                            progress=progress(150, 300))))
    assert (shown.state, shown.fraction) == ("downloading", 250 / 400)  # both parts' bytes
    assert shown.text.startswith("2 of 2, the Tiny SD 1.5 base: 150 bytes of 300 bytes")

    failed = DownloadTask(base_plan, state="failed", error="The hub refused: 403.")
    shown = offer_progress(offer, Listed(done, failed))
    assert (shown.state, shown.text) == ("failed", "The Tiny SD 1.5 base: The hub refused: 403.")
    assert offer_progress(offer, Listed(done)).text == "The adapter downloaded; Download fetches the Tiny SD 1.5 base."
    assert offer_progress(offer, Listed(done, DownloadTask(base_plan, state="done"))).state == "done"


def test_with_the_base_here_the_card_fetches_the_adapter_and_pairs_it_with_that_base(qtbot, data_dir, fake_hub,
                                                                                   pair_catalog):
    """SD 1.5 came first (the Image studio's card): the Video card, shown while no base has an
    adapter, offers the adapter alone and hands over the pair with the base already here."""
    from app_window import open_window
    from download_helpers import downloader

    from desktop.core.models import catalog
    from desktop.settings import Settings
    from desktop.ui.widgets.model_offer_card import ModelOfferCard

    models = data_dir / "models"
    downloader(models, fake_hub).download(BASE_REPO, patterns=list(catalog.by_id("tiny-sd15").source.patterns)).run()
    base_gets = len([r for r in fake_hub.requests if BASE_REPO in r.path])
    window, services = open_window(qtbot, data_dir, Settings(hub_endpoint=fake_hub.url, cpu_threads=2))
    try:
        card = ModelOfferCard(services, "video", services.video_models,
                              lambda listed: {"AnimateDiff base", "motion adapter"} <= {m.kind for m in listed})
        qtbot.addWidget(card)
        paired = []
        card.pair_ready.connect(lambda _entry, base, adapter: paired.append((base, adapter)))
        services.rescan_models()
        qtbot.waitUntil(lambda: len(card.rows) == 1, timeout=20000)
        row = card.rows[0]
        assert "(runs on the Tiny SD 1.5 base already here)" in row.facts.text()
        row.download_button.click()
        assert [t.plan.repo for t in services.downloads.tasks()] == [ADAPTER_REPO]
        qtbot.waitUntil(lambda: bool(paired), timeout=30000)
        assert paired == [(str(models / BASE_REPO), str(models / ADAPTER_REPO / ADAPTER_FILE))]
        assert len([r for r in fake_hub.requests if BASE_REPO in r.path]) == base_gets  # never asked again
    finally:
        services.shutdown()


def test_the_models_windows_download_of_an_adapter_brings_its_base_too(qtbot, video, data_dir, pair_catalog):
    window = video.window()
    window.open_models("catalog")
    catalog_tab = window.models_window.catalog
    qtbot.waitUntil(lambda: any(o.entry.id == "tiny-lightning-2step" for o in catalog_tab.shown), timeout=20000)
    row = next(i for i, o in enumerate(catalog_tab.shown) if o.entry.id == "tiny-lightning-2step")
    catalog_tab.download(row)
    assert [t.plan.repo for t in video.services.downloads.tasks()] == [ADAPTER_REPO, BASE_REPO]
    assert "and" in catalog_tab.detail.text() and "queued" in catalog_tab.detail.text()
    qtbot.waitUntil(lambda: all(t.state == "done" for t in video.services.downloads.tasks()), timeout=60000)
    # the pair, and which adapter went with the base, are remembered for the next start
    qtbot.waitUntil(lambda: video.models.current_adapter() is not None, timeout=10000)
    assert video.services.settings.get("last_video_adapter") == video.models.current_adapter().path
