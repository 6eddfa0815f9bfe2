"""The inference worker thread and the job queue. A fake runner tests queue mechanics
only; the text modality itself is tested with the real engine on a tiny GGUF."""

import sqlite3
import time

import pytest

from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.jobs import Job, JobKind, JobOrigin, Progress, Studio
from desktop.core.model_cache import ModelCache
from desktop.core.text.text_request import CHAT, COMPLETION, ChatMessage, Sampling, TextRequest
from desktop.viewmodels.settings_model import SettingsModel
from desktop.services import Services
from desktop.settings import Settings


def fake_runner(job, cache, store, progress):
    """Counts to job.request['steps'], checking cancel at every step like an engine."""
    for step in range(1, job.request["steps"] + 1):
        if job.cancel.is_set():
            raise Cancelled(f"stopped at {step - 1}")
        if job.request.get("fail_at") == step:
            raise UserFacingError("The model ran out of patience. Try a smaller one.")
        if job.request.get("crash_at") == step:
            raise ZeroDivisionError("boom")
        time.sleep(job.request.get("delay", 0.0))
        progress(Progress(done=step, total=job.request["steps"], text="x"))
    return {"steps": job.request["steps"]}


@pytest.fixture
def fake_services(qtbot, tmp_path):
    svc = Services(SettingsModel(Settings()), tmp_path / "data", runners={JobKind.TEXT: fake_runner})
    yield svc
    svc.shutdown()
    assert not svc.inference.thread.isRunning()


def fake_job(steps=5, **extra):
    return Job(JobKind.TEXT, {"steps": steps, **extra}, "", JobOrigin(Studio.TEXT), title=f"fake {steps}")


def test_jobs_run_in_order_on_the_worker_thread(qtbot, fake_services):
    finished = []
    fake_services.queue.job_finished.connect(lambda job, outcome: finished.append((job.id, outcome)))
    jobs = [fake_services.queue.submit(fake_job(steps)) for steps in (3, 4, 5)]
    qtbot.waitUntil(lambda: len(finished) == 3, timeout=5000)
    assert [j for j, _ in finished] == [j.id for j in jobs]
    assert [o["steps"] for _, o in finished] == [3, 4, 5]
    assert fake_services.queue.is_idle()


def test_queued_jobs_can_be_removed_before_they_start(qtbot, fake_services):
    started, cancelled = [], []
    queue = fake_services.queue
    queue.job_started.connect(lambda job: started.append(job.id))
    queue.job_cancelled.connect(lambda job, partial: cancelled.append(job.id))
    first = fake_services.queue.submit(fake_job(20, delay=0.01))
    second = fake_services.queue.submit(fake_job(3))
    third = fake_services.queue.submit(fake_job(3))
    assert [j.id for j in queue.pending] == [second.id, third.id]
    assert queue.remove(second.id)
    qtbot.waitUntil(queue.is_idle, timeout=5000)
    assert second.id not in started and second.id in cancelled
    assert started == [first.id, third.id]


def test_cancel_stops_the_running_job_within_one_step(qtbot, fake_services):
    queue = fake_services.queue
    job = fake_services.queue.submit(fake_job(10_000, delay=0.002))
    seen, cancelled = [], []
    queue.job_cancelled.connect(lambda j, partial: cancelled.append(partial))

    def on_progress(j, progress):
        seen.append(progress.done)
        if progress.done >= 20 and not job.cancel.is_set():
            queue.cancel(job.id)

    queue.job_progress.connect(on_progress)
    qtbot.waitUntil(lambda: bool(cancelled), timeout=5000)
    stopped_at = int(cancelled[0].split()[-1])
    # The worker stops at the first check after the event is set.
    assert stopped_at <= seen[-1] + 1


def test_progress_is_throttled_not_one_signal_per_token(qtbot, fake_services):
    updates = []
    fake_services.queue.job_progress.connect(lambda j, p: updates.append(p))
    done = []
    fake_services.queue.job_finished.connect(lambda j, o: done.append(o))
    fake_services.queue.submit(fake_job(300, delay=0.001))
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    assert len(updates) < 100  # 300 steps over ~0.4 s at <= 20 Hz
    assert "".join(p.text for p in updates) == "x" * 300  # nothing lost by batching
    assert updates[-1].done == 300


def test_errors_reach_the_ui_as_messages_and_the_app_stays_usable(qtbot, fake_services):
    failed, finished = [], []
    fake_services.queue.job_failed.connect(lambda j, message: failed.append(message))
    fake_services.queue.job_finished.connect(lambda j, o: finished.append(o))
    fake_services.queue.submit(fake_job(5, fail_at=2))
    fake_services.queue.submit(fake_job(5, crash_at=3))
    fake_services.queue.submit(fake_job(2))
    qtbot.waitUntil(lambda: bool(len(failed) == 2 and finished), timeout=5000)
    assert failed[0] == "The model ran out of patience. Try a smaller one."
    assert "ZeroDivisionError: boom" in failed[1] and "log" in failed[1]
    assert finished == [{"steps": 2}]


def test_shutdown_cancels_the_running_job_and_stops_the_thread(qtbot, tmp_path):
    svc = Services(SettingsModel(Settings()), tmp_path / "data", runners={JobKind.TEXT: fake_runner})
    job = svc.queue.submit(fake_job(1_000_000, delay=0.001))
    qtbot.waitUntil(lambda: svc.queue.running is not None, timeout=2000)
    time.sleep(0.05)
    started = time.monotonic()
    svc.shutdown()
    assert time.monotonic() - started < 5
    assert job.cancel.is_set()
    assert svc.inference.thread.isFinished()


# -- the real text modality through the worker ------------------------------------------

def text_job(model, prompt="the cat", mode=COMPLETION, conversation_id=None, **sampling):
    request = (TextRequest(mode=COMPLETION, prompt=prompt, sampling=Sampling(**sampling)) if mode == COMPLETION
               else TextRequest(mode=CHAT, messages=[ChatMessage("user", prompt)], sampling=Sampling(**sampling)))
    return Job(JobKind.TEXT, request, str(model), JobOrigin(Studio.TEXT, conversation_id), title=prompt)


def test_a_finished_generation_is_committed_before_the_ui_hears_of_it(qtbot, services, tiny_chat_gguf, data_dir):
    seen = []

    def on_finished(job, outcome):
        # Read the database from outside the writer, at the moment the UI is told.
        conn = sqlite3.connect(data_dir / "library.sqlite3")
        seen.append(conn.execute("SELECT status, output_text FROM generations WHERE id=?",
                                 (outcome.generation_id,)).fetchone())
        seen.append(conn.execute("SELECT content FROM messages WHERE id=?", (outcome.message.id,)).fetchone())
        conn.close()
        seen.append(outcome.result.text)

    services.queue.job_finished.connect(on_finished)
    conv = services.store.call(lambda lib: lib.conversations.create("text", "t"))
    services.store.call(lambda lib: lib.conversations.add_message(conv.id, "user", "the cat"))
    services.queue.submit(text_job(tiny_chat_gguf, mode=CHAT, conversation_id=conv.id, max_tokens=20))
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    (status, output), (content,), text = seen
    assert status == "done" and output == text == content


def test_cancelled_text_job_leaves_no_row_claiming_success(qtbot, services, tiny_chat_gguf, data_dir):
    queue = services.queue
    job = services.queue.submit(text_job(tiny_chat_gguf, max_tokens=3000, temperature=0))
    tokens_at_cancel, cancelled = [], []

    def on_progress(j, progress):
        if progress.unit == "tokens" and not job.cancel.is_set():
            tokens_at_cancel.append(progress.done)
            queue.cancel(job.id)

    queue.job_progress.connect(on_progress)
    queue.job_cancelled.connect(lambda j, partial: cancelled.append(partial))
    qtbot.waitUntil(lambda: bool(cancelled), timeout=10000)
    conn = sqlite3.connect(data_dir / "library.sqlite3")
    statuses = [r[0] for r in conn.execute("SELECT status FROM generations")]
    conn.close()
    assert statuses == ["cancelled"]


def test_a_bad_model_fails_with_a_message_and_the_next_job_runs(qtbot, services, tmp_path, tiny_chat_gguf):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(tiny_chat_gguf.read_bytes()[:20000])
    failed, finished = [], []
    services.queue.job_failed.connect(lambda j, m: failed.append(m))
    services.queue.job_finished.connect(lambda j, o: finished.append(o))
    services.queue.submit(text_job(bad))
    services.queue.submit(text_job(tiny_chat_gguf, max_tokens=5))
    qtbot.waitUntil(lambda: bool(failed and finished), timeout=10000)
    assert "incomplete" in failed[0]


class FakeEngine:
    def __init__(self, name, size):
        self.model_path, self.size, self.closed = name, size, False

    def memory_bytes(self):
        return self.size

    def close(self):
        self.closed = True


def test_model_cache_evicts_least_recently_used_under_budget():
    cache = ModelCache(budget_bytes=100)
    a = cache.get(("a",), lambda: FakeEngine("a", 40), 40)
    b = cache.get(("b",), lambda: FakeEngine("b", 40), 40)
    assert cache.get(("a",), lambda: pytest.fail("reloaded")) is a  # a is now most recent
    c = cache.get(("c",), lambda: FakeEngine("c", 40), 40)
    assert b.closed and not a.closed and not c.closed
    assert cache.keys() == [("a",), ("c",)]
    huge = cache.get(("huge",), lambda: FakeEngine("huge", 500), 500)
    assert a.closed and c.closed and not huge.closed  # a single big model still runs
    cache.clear()
    assert huge.closed and cache.keys() == []


def test_a_lower_budget_unloads_the_least_recently_used_models_at_once():
    cache = ModelCache(budget_bytes=100)
    a = cache.get(("a",), lambda: FakeEngine("a", 40), 40)
    b = cache.get(("b",), lambda: FakeEngine("b", 40), 40)
    cache.get(("a",), lambda: pytest.fail("reloaded"))  # b is now the oldest
    cache.set_budget(50)
    assert b.closed and not a.closed and cache.keys() == [("a",)]
    cache.set_budget(10)  # idle, so even the last one goes: nothing runs that needs it
    assert a.closed and cache.keys() == []


def test_a_model_loaded_with_other_settings_replaces_its_earlier_copy():
    cache = ModelCache(1 << 30)
    two = cache.get_only(("text", "/m.gguf"), (4096, 2), lambda: FakeEngine("m", 10), 10)
    other = cache.get_only(("text", "/other.gguf"), (4096, 2), lambda: FakeEngine("o", 10), 10)
    four = cache.get_only(("text", "/m.gguf"), (4096, 4), lambda: FakeEngine("m4", 10), 10)
    assert cache.keys() == [("text", "/other.gguf", 4096, 2), ("text", "/m.gguf", 4096, 4)]
    assert two.closed and not other.closed and not four.closed
    assert cache.get_only(("text", "/m.gguf"), (4096, 4), lambda: pytest.fail("reloaded")) is four
