"""Quitting while a model loads, and a lower memory budget, both handled on the worker thread.

A fake runner whose model load sleeps stands in for a load inside C code: like llama.cpp
or torch reading weights, it cannot see cancel until the load returns. The end to end
exit (window, event loop, process) runs in a subprocess: tests/shell/test_shutdown_app.py.
"""

import sqlite3
import threading
import time

from desktop.core.errors import Cancelled
from desktop.core.jobs import Job, JobKind, JobOrigin, Studio
from desktop.viewmodels.settings_model import SettingsModel
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.services import Services
from desktop.settings import Settings
from desktop.store.generations import NewGeneration
from desktop.store.pending_commits import FinishedWork

MIB = 1024 * 1024


class FakeEngine:
    def __init__(self, name, size=0):
        self.model_path, self.size = name, size
        self.closed_on: int | None = None  # the thread that unloaded it

    def memory_bytes(self):
        return self.size

    def close(self):
        self.closed_on = threading.get_ident()


def slow_runner(job, cache, store, progress):
    """Loads like an engine (sleeping through cancel), then records a row and works by steps."""
    def load():
        job.request["loading"].set()
        time.sleep(job.request["load_s"])
        return FakeEngine(job.model_path)

    cache.get(("slow", job.model_path), load)
    generation_id = call_patiently(store, lambda lib: lib.generations.start(
        NewGeneration(modality="text", kind="completion", prompt=job.title, params={})))

    def work():
        for step in range(job.request.get("steps", 500)):
            if job.cancel.is_set():
                raise Cancelled(f"stopped at {step}")
            time.sleep(0.01)
        return "made"

    text = run_recorded(store, generation_id, work)
    commit_finished(store, FinishedWork(generation_id, output_text=text))
    return text


def slow_job(load_s, **extra):
    return Job(JobKind.TEXT, {"load_s": load_s, "loading": threading.Event(), **extra}, "slow.gguf",
               JobOrigin(Studio.TEXT), title="slow")


def statuses(data_dir):
    conn = sqlite3.connect(data_dir / "library.sqlite3")
    try:
        return [row[0] for row in conn.execute("SELECT status FROM generations ORDER BY id")]
    finally:
        conn.close()


def test_quitting_during_a_load_returns_at_once_and_the_job_ends_cancelled(qtbot, tmp_path):
    svc = Services(SettingsModel(Settings()), tmp_path / "data", runners={JobKind.TEXT: slow_runner})
    job = svc.queue.submit(slow_job(load_s=3.0))
    assert job.request["loading"].wait(5)
    started = time.monotonic()
    svc.begin_shutdown()  # what aboutToQuit runs on the GUI thread
    blocked = time.monotonic() - started
    assert blocked < 0.25, f"the GUI thread blocked {blocked:.2f} s"
    assert job.cancel.is_set() and svc.inference.thread.isRunning()  # still loading, not awaited
    # With the window gone, the process waits for the load; the job then stops at its first step.
    assert svc.wait_stopped(10)
    assert svc.inference.thread.isFinished()
    assert statuses(tmp_path / "data") == ["cancelled"]
    assert svc.inference.worker.cache.keys() == []  # unloaded on the worker thread


def test_a_wait_that_runs_out_says_so_and_leaves_the_library_open(qtbot, tmp_path):
    svc = Services(SettingsModel(Settings()), tmp_path / "data", runners={JobKind.TEXT: slow_runner})
    job = svc.queue.submit(slow_job(load_s=2.0))
    assert job.request["loading"].wait(5)
    svc.begin_shutdown()
    started = time.monotonic()
    assert not svc.wait_stopped(0.2)
    assert time.monotonic() - started < 1.0
    # The job still runs: its row must still be writable when the load ends.
    assert svc.wait_stopped(10)
    assert statuses(tmp_path / "data") == ["cancelled"]


def test_jobs_submitted_after_shutdown_began_never_run(qtbot, tmp_path):
    svc = Services(SettingsModel(Settings()), tmp_path / "data", runners={JobKind.TEXT: slow_runner})
    cancelled = []
    svc.queue.job_cancelled.connect(lambda job, partial: cancelled.append(job.id))
    svc.begin_shutdown()
    late = svc.queue.submit(slow_job(load_s=0.0))
    assert late.id in cancelled and late.cancel.is_set() and svc.queue.is_idle()
    assert svc.wait_stopped(5)
    assert not late.request["loading"].is_set()


def test_lowering_the_memory_budget_evicts_on_the_worker_thread_at_once(qtbot, tmp_path):
    settings = SettingsModel(Settings(memory_budget_mib=100))
    engines, worker_thread = {}, []

    def hold(job, cache, store, progress):
        worker_thread.append(threading.get_ident())
        engines[job.model_path] = cache.get((job.model_path,), lambda: FakeEngine(job.model_path, 40 * MIB))
        return job.model_path

    svc = Services(settings, tmp_path / "data", runners={JobKind.TEXT: hold})
    try:
        done = []
        svc.queue.job_finished.connect(lambda job, outcome: done.append(outcome))
        for name in ("a", "b"):
            svc.queue.submit(Job(JobKind.TEXT, {}, name, JobOrigin(Studio.TEXT), title=name))
        qtbot.waitUntil(lambda: len(done) == 2, timeout=5000)
        assert svc.inference.worker.cache.keys() == [("a",), ("b",)]

        settings.set("memory_budget_mib", 50)  # a, the least recently used, no longer fits
        qtbot.waitUntil(lambda: engines["a"].closed_on is not None, timeout=2000)
        assert engines["a"].closed_on == worker_thread[0] != threading.get_ident()
        assert engines["b"].closed_on is None
        assert svc.inference.worker.cache.keys() == [("b",)]
        assert svc.inference.worker.cache.budget_bytes == 50 * MIB
        assert len(worker_thread) == 2  # no job ran to make it happen
    finally:
        svc.shutdown()
