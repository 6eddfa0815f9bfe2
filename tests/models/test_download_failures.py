"""What goes wrong on the way from a hub, and what Atelier says and keeps: 404, gated and private
repositories (the token never shown), stalls, 5xx, a full disk, offline, a mirror, hostile names."""

from __future__ import annotations

import errno
import logging
import os
import socket
import traceback

import pytest

from desktop.core.models import download_errors as errors
from desktop.core.models.download_control import RetryPolicy
from desktop.core.models.download_progress import ProgressMeter
from desktop.core.models.download_transfer import TransferSettings
from desktop.core.models.downloads import Downloader
from desktop.core.models.hub import Hub, default_endpoint
from desktop.core.models.partial_files import PartialFile
from download_helpers import TOKEN, downloader, fast_options, part_file, partial_files


def test_not_found_names_the_repository_the_revision_or_the_file(tmp_path, fake_hub):
    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(3000)})
    with pytest.raises(errors.HubNotFoundError, match=r"acme/nothing was not found on http://127\.0\.0\.1"):
        downloader(tmp_path, fake_hub, token=TOKEN).download("acme/nothing").run()
    with pytest.raises(errors.HubNotFoundError, match="Revision v9 of acme/one was not found"):
        downloader(tmp_path, fake_hub).download("acme/one", revision="v9").run()
    fake_hub.fail("model.gguf", status=404)  # gone between the listing and the download
    with pytest.raises(errors.HubNotFoundError, match=r"model\.gguf was not found in acme/one at revision main"):
        downloader(tmp_path, fake_hub).download("acme/one").run()
    with pytest.raises(errors.DownloadError, match="publisher/name"):
        downloader(tmp_path, fake_hub).download("no-slash-here").run()


def test_a_gated_repository_says_where_to_accept_the_licence_and_the_token_never_shows(
        tmp_path, fake_hub, caplog):
    caplog.set_level(logging.DEBUG)  # urllib3, huggingface_hub and Atelier at their most verbose
    fake_hub.add_repo("meta/gated", {"model.gguf": os.urandom(5000)}, gated=True)
    fake_hub.token = "the-one-that-opens-it"
    page = f"{fake_hub.url}/meta/gated"

    with pytest.raises(errors.HubAccessError) as without:
        downloader(tmp_path, fake_hub).download("meta/gated").run()
    assert "gated" in str(without.value) and page in str(without.value) and "Settings" in str(without.value)

    wrong = downloader(tmp_path, fake_hub, token=TOKEN)
    download = wrong.download("meta/gated")
    with pytest.raises(errors.HubAccessError) as refused:
        download.run()
    assert "does not give access to meta/gated" in str(refused.value) and page in str(refused.value)
    assert fake_hub.requests[-1].authorization == f"Bearer {TOKEN}"  # sent, as a bearer token

    shown = [str(without.value), repr(without.value), str(refused.value), repr(refused.value),
             "".join(traceback.format_exception(refused.value)), repr(wrong), repr(wrong.hub), repr(download),
             caplog.text]
    shown += [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert not [text for text in shown if TOKEN in text]

    fake_hub.token = TOKEN  # the licence accepted with the token's account
    result = downloader(tmp_path, fake_hub, token=TOKEN).download("meta/gated").run()
    assert result.state == "done" and TOKEN not in caplog.text
    resolve, cdn = fake_hub.requests[-2:]
    assert "/resolve/" in resolve.path and resolve.authorization == f"Bearer {TOKEN}"
    assert cdn.path.startswith("/_cdn/") and cdn.authorization is None  # the token stays on the hub


def test_a_private_repository_without_a_token_says_not_found_or_private(tmp_path, fake_hub):
    fake_hub.add_repo("acme/secret", {"model.gguf": os.urandom(5000)}, private=True)
    with pytest.raises(errors.HubAccessError, match=r"acme/secret was not found .*private.*access token"):
        downloader(tmp_path, fake_hub).download("acme/secret").run()


def test_a_stalled_transfer_is_dropped_and_continued(tmp_path, fake_hub):
    data = os.urandom(50_000)
    fake_hub.add_repo("acme/one", {"model.gguf": data})
    fake_hub.stall("model.gguf", after=20_000, seconds=30)
    reports = []
    settings = TransferSettings(chunk_size=4096, stall_timeout=0.3)
    downloader(tmp_path, fake_hub, transfer=settings).download("acme/one").run(progress=reports.append)
    assert (tmp_path / "acme" / "one" / "model.gguf").read_bytes() == data
    assert [g.range for g in fake_hub.gets_of("acme/one", "model.gguf")] == [None, "bytes=20000-"]
    assert any(r.state == "retrying" and "no data for 0.3 s" in r.reason for r in reports)


def test_server_errors_are_retried_with_growing_delays_then_reported(tmp_path, fake_hub):
    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(5000)})
    fake_hub.fail("api", status=502, times=1)
    fake_hub.fail("model.gguf", status=500, times=2)
    reports = []
    retry = RetryPolicy(attempts=4, first_delay=0.02, factor=2, max_delay=1)
    downloader(tmp_path, fake_hub, retry=retry).download("acme/one").run(progress=reports.append)
    waits = [r.retry_in for r in reports if r.state == "retrying"]
    assert waits == [0.02, 0.02, 0.04]  # the listing once, then the file twice, each backing off
    assert "Retrying in 0 s (the hub answered 500)" in [r.text() for r in reports if r.state == "retrying"][-1]

    fake_hub.add_repo("acme/down", {"model.gguf": os.urandom(5000)})
    fake_hub.fail("model.gguf", status=503, times=100)
    with pytest.raises(errors.HubUnavailableError, match=r"model\.gguf of acme/down .* after 4 attempts .*503"):
        downloader(tmp_path, fake_hub, retry=retry).download("acme/down").run()


def test_too_little_free_space_is_refused_before_any_byte_is_fetched(tmp_path, fake_hub, monkeypatch):
    import shutil

    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(100_000)})
    monkeypatch.setattr(shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9 - 300_000, 300_000))
    # 100 kB to fetch + 5 % + 250 kB > 300 kB free
    tight = Downloader(tmp_path, Hub(endpoint=fake_hub.url),
                       fast_options(space_margin_fraction=0.05, space_margin_bytes=250_000))
    with pytest.raises(errors.NotEnoughSpaceError) as refused:
        tight.download("acme/one").run()
    message = str(refused.value)
    assert "acme/one" in message and "355.0 KB needed (100.0 KB to download plus 255.0 KB to spare)" in message
    assert "300.0 KB free" in message and str(tmp_path) in message
    assert fake_hub.gets_of("acme/one", "model.gguf") == []


def test_a_full_disk_stops_with_a_clear_message_and_keeps_the_partial(tmp_path, fake_hub, monkeypatch):
    data = os.urandom(80_000)
    fake_hub.add_repo("acme/one", {"model.gguf": data})
    original = PartialFile.open_for_append

    class FullAfter:
        def __init__(self, stream, room):
            self.stream, self.room = stream, room

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

        def write(self, data):
            if self.room <= 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            written = self.stream.write(data[:self.room])
            self.room -= written
            return written

    monkeypatch.setattr(PartialFile, "open_for_append", lambda self, start_over: FullAfter(
        original(self, start_over), 30_000))
    with pytest.raises(errors.DiskFullError, match=r"became full while downloading model\.gguf.*resumes"):
        downloader(tmp_path, fake_hub).download("acme/one").run()
    assert part_file(tmp_path).stat().st_size == 30_000

    monkeypatch.setattr(PartialFile, "open_for_append", original)  # space freed
    downloader(tmp_path, fake_hub).download("acme/one").run()
    assert (tmp_path / "acme" / "one" / "model.gguf").read_bytes() == data
    assert [g.range for g in fake_hub.gets_of("acme/one", "model.gguf")][-1] == "bytes=30000-"


def test_the_endpoint_defaults_to_HF_ENDPOINT_so_a_mirror_is_used(tmp_path, fake_hub, monkeypatch):
    assert default_endpoint({}) == "https://huggingface.co"
    assert default_endpoint({"HF_ENDPOINT": "https://hf-mirror.com/"}) == "https://hf-mirror.com"
    assert default_endpoint({"HF_ENDPOINT": "  "}) == "https://huggingface.co"
    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(3000)})
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    hub = Hub()
    assert hub.endpoint == fake_hub.url
    result = Downloader(tmp_path, hub, fast_options()).download("acme/one").run()
    assert result.state == "done" and fake_hub.gets_of("acme/one", "model.gguf")
    head = hub.head("acme/one", "main", "model.gguf")  # huggingface_hub's HEAD: size, sha256 (the etag)
    assert head.size == 3000 and head.sha256 == fake_hub.sha256("acme/one", "model.gguf")


def test_offline_refuses_before_opening_any_socket(tmp_path, fake_hub, monkeypatch):
    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(30_000)})
    fake_hub.cut("model.gguf", after=10_000)
    with pytest.raises(errors.HubUnavailableError):  # leaves a partial a resume would continue
        downloader(tmp_path, fake_hub, retry=RetryPolicy(attempts=1)).download("acme/one").run()
    connects = []

    def no_connect(self, address):
        connects.append(address)
        raise OSError("a socket was opened")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    for switch in (False, lambda: False):
        with pytest.raises(errors.OfflineError, match="Offline mode"):
            downloader(tmp_path, fake_hub, allow_network=switch).download("acme/one").run()
        with pytest.raises(errors.OfflineError):
            Hub(endpoint=fake_hub.url, allow_network=switch).head("acme/one", "main", "model.gguf")
    assert connects == [] and part_file(tmp_path).stat().st_size == 10_000


def test_file_names_that_would_leave_the_model_folder_are_refused(tmp_path, fake_hub):
    fake_hub.add_repo("evil/repo", {"../../escape.txt": b"x", "model.gguf": os.urandom(2000)})
    with pytest.raises(errors.DownloadError, match="would land outside the model's folder"):
        downloader(tmp_path, fake_hub).download("evil/repo").run()
    assert not list(tmp_path.rglob("escape.txt")) and partial_files(tmp_path) == []


def test_progress_has_a_smoothed_speed_and_the_time_left():
    now = [0.0]
    reports = []
    meter = ProgressMeter(reports.append, total=100_000_000, interval=0.125, smoothing_s=1.0, clock=lambda: now[0])
    meter.set_state("downloading", "model.gguf")
    for _ in range(40):  # 10 MB/s for 5 s
        now[0] += 0.125
        meter.advance(1_250_000)
    last = reports[-1]
    assert last.done_bytes == 50_000_000 and last.speed == pytest.approx(10e6)
    assert last.seconds_left == pytest.approx(5.0) and last.fraction == 0.5
    assert last.text() == "50.0 MB of 100.0 MB · 10.0 MB/s · 5 s left · model.gguf"
    now[0] += 0.125
    meter.advance(5_000_000)  # a burst moves the estimate, smoothed
    assert 10e6 < reports[-1].speed < 50e6
    meter.set_state("paused")
    assert reports[-1].seconds_left is None and reports[-1].text().startswith("Paused · 55.0 MB of 100.0 MB")
