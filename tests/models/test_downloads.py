"""Downloads against the fake hub: one progress for many files, resume after a restart and after
kill -9 without fetching a byte twice, pause, cancel, checksums, servers that ignore Range."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop.core.errors import Cancelled
from desktop.core.models import download_errors as errors
from desktop.core.models.download_control import RetryPolicy
from desktop.core.models.download_manifest import read_manifest
from desktop.core.models.downloads import read_manifests
from download_helpers import diffusers_folder, downloader, part_file, partial_files, sha256

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = "unet/diffusion_pytorch_model.safetensors"


def test_a_folder_of_several_files_is_one_download_with_one_progress(tmp_path, fake_hub):
    files = diffusers_folder()
    fake_hub.add_repo("acme/tiny-sd", files)
    reports = []
    result = downloader(tmp_path, fake_hub).download("acme/tiny-sd").run(progress=reports.append)

    total = sum(len(b) for b in files.values())
    assert result.state == "done" and {f.path for f in result.files} == set(files)
    for path, data in files.items():  # plain publisher/name/path folders, byte for byte
        assert (tmp_path / "acme" / "tiny-sd" / path).read_bytes() == data
    assert {r.total_bytes for r in reports[1:]} == {total}  # one bar for the whole folder
    done = [r.done_bytes for r in reports]
    assert done == sorted(done) and done[-1] == total and reports[-1].state == "done"
    assert {"starting", "downloading", "verifying", "done"} <= {r.state for r in reports}
    assert {r.current_file for r in reports if r.state == "downloading"} == set(files)
    verified = {f.path: f.verified_by for f in result.files}
    assert verified[WEIGHTS] == "sha256" and verified["unet/config.json"] == "git-sha1"
    assert result.verified_by_size_only == []
    assert partial_files(tmp_path) == []

    [manifest] = read_manifests(tmp_path)  # the app knows which files it may delete
    assert manifest.repo == "acme/tiny-sd" and manifest.complete
    assert manifest.commit == fake_hub.repos["acme/tiny-sd"].commit
    assert {f.path: f.sha256 for f in manifest.files} == {p: sha256(b) for p, b in files.items()}
    assert set(manifest.paths()) == {tmp_path / "acme" / "tiny-sd" / p for p in files}


def test_any_repository_file_can_be_picked_by_pattern(tmp_path, fake_hub):
    quants = {f"model-{q}.gguf": os.urandom(3000) for q in ("Q4_K_M", "Q5_K_M", "Q8_0")}
    fake_hub.add_repo("someone/model-GGUF", {**quants, "README.md": b"# model"})
    result = downloader(tmp_path, fake_hub).download("someone/model-GGUF", patterns=["*q5_k_m.gguf"]).run()
    assert [f.path for f in result.files] == ["model-Q5_K_M.gguf"]
    assert sorted(p.name for p in (tmp_path / "someone" / "model-GGUF").iterdir()) == [
        "atelier-download.json", "model-Q5_K_M.gguf"]
    with pytest.raises(errors.HubNotFoundError, match=r"No file of someone/model-GGUF.*Q3_K_S.*model-Q4_K_M"):
        downloader(tmp_path, fake_hub).download("someone/model-GGUF", patterns=["*Q3_K_S*"]).run()


def test_a_transfer_cut_mid_file_continues_after_a_restart_without_fetching_bytes_twice(tmp_path, fake_hub):
    files = diffusers_folder()
    fake_hub.add_repo("acme/tiny-sd", files)
    fake_hub.cut(WEIGHTS, after=70_000)
    first = downloader(tmp_path, fake_hub, retry=RetryPolicy(attempts=1))
    with pytest.raises(errors.HubUnavailableError, match="kept"):
        first.download("acme/tiny-sd").run()
    assert part_file(tmp_path).stat().st_size == 70_000
    assert not (tmp_path / "acme" / "tiny-sd" / WEIGHTS).exists()

    reports = []
    again = downloader(tmp_path, fake_hub)  # a new Downloader: as after closing the app
    result = again.download("acme/tiny-sd").run(progress=reports.append)
    assert result.state == "done"
    assert (tmp_path / "acme" / "tiny-sd" / WEIGHTS).read_bytes() == files[WEIGHTS]
    gets = fake_hub.gets_of("acme/tiny-sd", WEIGHTS)
    assert [g.range for g in gets] == [None, "bytes=70000-"]
    assert fake_hub.served[f"acme/tiny-sd/{WEIGHTS}"] == len(files[WEIGHTS])
    # the files finished in the first run were not fetched again either
    assert len(fake_hub.gets_of("acme/tiny-sd", "vae/diffusion_pytorch_model.safetensors")) == 1
    first = next(r for r in reports if r.state == "downloading")
    assert first.done_bytes >= 70_000  # the progress starts where the bytes on disk end


KILLED_CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from desktop.core.models.downloads import Downloader
from desktop.core.models.hub import Hub
Downloader(Path({models!r}), Hub(endpoint={url!r})).download("acme/big").run()
"""


def test_a_download_killed_with_sigkill_resumes_from_its_partial_file(tmp_path, fake_hub):
    data = os.urandom(300_000)
    fake_hub.add_repo("acme/big", {"model.gguf": data})
    fake_hub.stall("model.gguf", after=123_456, seconds=60)  # holds the child mid-file
    code = KILLED_CHILD.format(root=str(ROOT), models=str(tmp_path), url=fake_hub.url)
    child = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "HF_HUB_OFFLINE": "0"},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (part_file(tmp_path) and part_file(tmp_path).stat().st_size == 123_456):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the child never wrote its partial file"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()

    result = downloader(tmp_path, fake_hub).download("acme/big").run()
    assert (tmp_path / "acme" / "big" / "model.gguf").read_bytes() == data
    assert result.files[0].sha256 == sha256(data)
    assert [g.range for g in fake_hub.gets_of("acme/big", "model.gguf")] == [None, "bytes=123456-"]
    assert fake_hub.served["acme/big/model.gguf"] == len(data)


def test_pause_keeps_the_partial_and_running_again_resumes(tmp_path, fake_hub):
    data = os.urandom(100_000)
    fake_hub.add_repo("acme/one", {"model.gguf": data})
    download = downloader(tmp_path, fake_hub).download("acme/one")
    states = []

    def pause_midway(progress):
        states.append(progress.state)
        if progress.done_bytes >= 40_000 and progress.state == "downloading":
            download.pause()

    paused = download.run(progress=pause_midway)
    served_before = fake_hub.served["acme/one/model.gguf"]  # into the socket, not all of it read
    assert paused.state == "paused" and states[-1] == "paused" and paused.files == ()
    kept = part_file(tmp_path).stat().st_size
    assert 40_000 <= kept < len(data)
    assert not (tmp_path / "acme" / "one" / "model.gguf").exists()

    done = download.run()
    assert done.state == "done" and (tmp_path / "acme" / "one" / "model.gguf").read_bytes() == data
    assert [g.range for g in fake_hub.gets_of("acme/one", "model.gguf")] == [None, f"bytes={kept}-"]
    assert fake_hub.served["acme/one/model.gguf"] - served_before == len(data) - kept


def test_pause_from_another_thread_ends_a_backoff_wait_at_once(tmp_path, fake_hub):
    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(5000)})
    fake_hub.fail("model.gguf", status=503, times=10)
    download = downloader(tmp_path, fake_hub, retry=RetryPolicy(attempts=5, first_delay=30)).download("acme/one")
    waiting = threading.Event()
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(download.run(
        progress=lambda p: waiting.set() if p.state == "retrying" else None)))
    worker.start()
    assert waiting.wait(10)
    started = time.monotonic()
    download.pause()
    worker.join(10)
    assert time.monotonic() - started < 2 and outcome[0].state == "paused"


def test_cancel_deletes_the_partial_files(tmp_path, fake_hub):
    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(100_000)})
    download = downloader(tmp_path, fake_hub).download("acme/one")
    seen = []

    def cancel_midway(progress):
        seen.append(progress.done_bytes)
        if progress.done_bytes >= 30_000:
            download.cancel()

    with pytest.raises(Cancelled):
        download.run(progress=cancel_midway)
    assert partial_files(tmp_path) == [] and max(seen) < 100_000
    assert not (tmp_path / "acme" / "one" / "model.gguf").exists()


def test_a_damaged_file_is_downloaded_once_more_then_reported(tmp_path, fake_hub):
    files = diffusers_folder()
    fake_hub.add_repo("acme/tiny-sd", files)
    fake_hub.corrupt(WEIGHTS, times=1)
    reports = []
    result = downloader(tmp_path, fake_hub).download("acme/tiny-sd").run(progress=reports.append)
    assert result.state == "done" and (tmp_path / "acme" / "tiny-sd" / WEIGHTS).read_bytes() == files[WEIGHTS]
    assert [g.range for g in fake_hub.gets_of("acme/tiny-sd", WEIGHTS)] == [None, None]  # again from zero
    assert any(r.state == "retrying" and "damaged" in r.reason for r in reports)

    fake_hub.add_repo("acme/broken", {"model.gguf": os.urandom(20_000), "config.json": b"{}"})
    fake_hub.corrupt("model.gguf", times=2)
    with pytest.raises(errors.ChecksumError, match=r"model\.gguf of acme/broken failed its integrity check twice"):
        downloader(tmp_path, fake_hub).download("acme/broken").run()
    assert not (tmp_path / "acme" / "broken" / "model.gguf").exists() and partial_files(tmp_path) == []
    assert not read_manifest(tmp_path / "acme" / "broken").complete


def test_a_damaged_small_file_is_caught_by_its_git_object_id(tmp_path, fake_hub):
    fake_hub.add_repo("acme/cfg", {"config.json": b'{"hidden_size": 8}'})
    fake_hub.corrupt("config.json", times=2)
    with pytest.raises(errors.ChecksumError, match="config.json of acme/cfg"):
        downloader(tmp_path, fake_hub).download("acme/cfg").run()


def test_a_server_that_ignores_range_starts_the_file_over(tmp_path, fake_hub):
    data = os.urandom(60_000)
    fake_hub.add_repo("acme/one", {"model.gguf": data})
    fake_hub.cut("model.gguf", after=25_000)
    with pytest.raises(errors.HubUnavailableError):
        downloader(tmp_path, fake_hub, retry=RetryPolicy(attempts=1)).download("acme/one").run()
    fake_hub.ignore_range = True
    downloader(tmp_path, fake_hub).download("acme/one").run()
    assert (tmp_path / "acme" / "one" / "model.gguf").read_bytes() == data
    assert [g.range for g in fake_hub.gets_of("acme/one", "model.gguf")] == [None, "bytes=25000-"]
    assert fake_hub.served["acme/one/model.gguf"] == 25_000 + len(data)  # the 200 was used from byte 0


def test_a_partial_of_a_file_that_changed_on_the_hub_is_not_continued(tmp_path, fake_hub):
    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(60_000)}, commit="1" * 40)
    fake_hub.cut("model.gguf", after=25_000)
    with pytest.raises(errors.HubUnavailableError):
        downloader(tmp_path, fake_hub, retry=RetryPolicy(attempts=1)).download("acme/one").run()
    newer = os.urandom(60_000)
    fake_hub.add_repo("acme/one", {"model.gguf": newer}, commit="2" * 40)  # main moved on
    result = downloader(tmp_path, fake_hub).download("acme/one").run()
    assert (tmp_path / "acme" / "one" / "model.gguf").read_bytes() == newer and result.commit == "2" * 40
    assert fake_hub.requests[-1].range is None  # no Range on bytes of another file


def test_files_in_place_are_not_fetched_again_and_others_files_are_never_overwritten(tmp_path, fake_hub):
    files = diffusers_folder()
    fake_hub.add_repo("acme/tiny-sd", files)
    downloader(tmp_path, fake_hub).download("acme/tiny-sd").run()
    before = len(fake_hub.requests)
    again = downloader(tmp_path, fake_hub).download("acme/tiny-sd").run()
    assert again.state == "done" and len(again.files) == len(files)
    assert [r.path for r in fake_hub.requests[before:]] == ["/api/models/acme/tiny-sd/revision/main"]

    fake_hub.add_repo("other/model", {"model.gguf": os.urandom(5000), "config.json": b"{}"})
    mine = tmp_path / "other" / "model" / "model.gguf"
    mine.parent.mkdir(parents=True)
    mine.write_bytes(b"a person's own file")
    with pytest.raises(errors.FileConflictError, match="model.gguf already exists"):
        downloader(tmp_path, fake_hub).download("other/model").run()
    assert mine.read_bytes() == b"a person's own file"

    mine.write_bytes(fake_hub.repos["other/model"].files["model.gguf"])  # the same bytes: used as they are
    before = len(fake_hub.requests)
    downloader(tmp_path, fake_hub).download("other/model").run()
    assert not [r for r in fake_hub.requests[before:] if "model.gguf" in r.path]


def test_a_resumed_file_is_checked_over_all_its_bytes(tmp_path, fake_hub):
    """The sha256 covers the bytes from the first run too: a partial damaged on disk between two
    runs is caught, deleted, and fetched again."""
    data = os.urandom(80_000)
    fake_hub.add_repo("acme/one", {"model.gguf": data})
    fake_hub.cut("model.gguf", after=30_000)
    with pytest.raises(errors.HubUnavailableError):
        downloader(tmp_path, fake_hub, retry=RetryPolicy(attempts=1)).download("acme/one").run()
    part = part_file(tmp_path)
    part.write_bytes(b"\0" * 30_000)
    downloader(tmp_path, fake_hub).download("acme/one").run()
    assert (tmp_path / "acme" / "one" / "model.gguf").read_bytes() == data
    assert [g.range for g in fake_hub.gets_of("acme/one", "model.gguf")] == [None, "bytes=30000-", None]


def test_a_small_file_changed_on_the_hub_is_fetched_from_zero_when_its_etag_differs(tmp_path, fake_hub):
    """No sha256 is published for a file kept in git: the hub's etag (its git id) tells."""
    fake_hub.add_repo("acme/cfg", {"tokenizer.json": b"a" * 900}, commit="1" * 40)
    fake_hub.cut("tokenizer.json", after=300)
    with pytest.raises(errors.HubUnavailableError):
        downloader(tmp_path, fake_hub, retry=RetryPolicy(attempts=1)).download("acme/cfg").run()
    fake_hub.add_repo("acme/cfg", {"tokenizer.json": b"b" * 900}, commit="2" * 40)  # same size
    result = downloader(tmp_path, fake_hub).download("acme/cfg").run()
    assert (tmp_path / "acme" / "cfg" / "tokenizer.json").read_bytes() == b"b" * 900
    assert result.files[0].verified_by == "git-sha1"
    # at the new commit: the Range answer carried another etag, so the whole file was asked for
    assert [g.range for g in fake_hub.gets_of("acme/cfg", "tokenizer.json")] == ["bytes=300-", None]


def test_without_published_checksums_the_size_is_checked_and_the_result_says_so(tmp_path, fake_hub):
    fake_hub.publish_blob_ids = False  # a mirror that lists sizes only
    fake_hub.add_repo("acme/cfg", {"config.json": b'{"a": 1}', "model.gguf": os.urandom(4000)})
    result = downloader(tmp_path, fake_hub).download("acme/cfg").run()
    assert result.verified_by_size_only == ["config.json"]
    assert read_manifest(tmp_path / "acme" / "cfg").file("config.json").verified_by == "size"


def test_a_jobs_cancel_event_set_from_another_thread_stops_the_download(tmp_path, fake_hub):
    fake_hub.add_repo("acme/one", {"model.gguf": os.urandom(5000)})
    fake_hub.fail("model.gguf", status=503, times=10)
    job_cancel = threading.Event()
    download = downloader(tmp_path, fake_hub, retry=RetryPolicy(attempts=5, first_delay=30)).download(
        "acme/one", cancel_event=job_cancel)
    waiting, outcome = threading.Event(), []

    def run():
        try:
            download.run(progress=lambda p: waiting.set() if p.state == "retrying" else None)
        except Cancelled as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert waiting.wait(10)
    job_cancel.set()
    worker.join(5)
    assert not worker.is_alive() and isinstance(outcome[0], Cancelled)
