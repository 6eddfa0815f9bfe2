"""A studio's job session: the state of its own job, observed through the queue, and the one
"library changed" broadcast that ended jobs and store writes send. A fake runner tests the
session and queue mechanics; the studios' own tests run real models through their sessions."""

import time

import pytest

from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, JobState, Progress, Studio
from desktop.job_options import engine_options
from desktop.services import Services
from desktop.settings import Settings
from desktop.store.changes import CONVERSATIONS, ITEMS, change
from desktop.viewmodels.settings_model import SettingsModel


class Made:
    """A runner's outcome naming the generation it recorded, as the pipelines' outcomes do."""

    def __init__(self, generation_id):
        self.generation_ids = (generation_id,)


def counting_runner(job, cache, store, progress):
    for step in range(1, job.request["steps"] + 1):
        if job.cancel.is_set():
            raise Cancelled("stopped")
        if job.request.get("fail_at") == step:
            raise UserFacingError("The model gave up. Try a smaller one.")
        time.sleep(job.request.get("delay", 0.0))
        progress(Progress(done=step, total=job.request["steps"]))
    return Made(1000 + job.id)


@pytest.fixture
def svc(qtbot, tmp_path):
    services = Services(SettingsModel(Settings(cpu_threads=3, context_length=2048)), tmp_path / "data",
                        runners={JobKind.TEXT: counting_runner})
    yield services
    services.shutdown()


def record_states(session):
    states = []
    session.state_changed.connect(states.append)
    return states


def test_a_session_follows_its_job_from_queued_to_finished(qtbot, svc):
    session = svc.job_session(Studio.TEXT)
    states, finished, busy = record_states(session), [], []
    session.finished.connect(lambda job, outcome: finished.append((job, outcome, session.busy)))
    session.busy_changed.connect(busy.append)
    job = session.submit(JobKind.TEXT, {"steps": 3}, "model.gguf", "three steps", conversation_id=7)
    assert session.busy and job.state in (JobState.QUEUED, JobState.RUNNING)
    assert session.submit(JobKind.TEXT, {"steps": 1}, "model.gguf", "second") is None  # one at a time
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    done, outcome, busy_then = finished[0]
    assert done is job and outcome.generation_ids == (1000 + job.id,)
    assert states == [JobState.QUEUED, JobState.RUNNING, JobState.FINISHED]
    assert job.state is JobState.FINISHED and session.state is JobState.FINISHED
    assert not busy_then and busy == [True, False]  # the panel hears "ended" with the session free
    assert session.last_progress.done == 3
    # What the submitter wants back travels apart from how the engine runs.
    assert job.origin == JobOrigin(Studio.TEXT, 7) and job.origin.record_kind == "text"
    assert job.options == engine_options(svc.settings.snapshot(), svc.layout.models)
    assert (job.options.n_threads, job.options.n_ctx) == (3, 2048)


def test_a_failure_and_a_cancel_are_states_with_their_message(qtbot, svc):
    session = svc.job_session(Studio.IMAGE)
    states, failed, cancelled = record_states(session), [], []
    session.failed.connect(lambda job, message: failed.append(message))
    session.cancelled.connect(lambda job, kept: cancelled.append(job))
    session.submit(JobKind.TEXT, {"steps": 5, "fail_at": 2}, "m", "fails")
    qtbot.waitUntil(lambda: bool(failed), timeout=5000)
    assert failed == ["The model gave up. Try a smaller one."] and session.error == failed[0]
    assert states[-1] is JobState.FAILED and not session.busy

    job = session.submit(JobKind.TEXT, {"steps": 10_000, "delay": 0.002}, "m", "long")
    qtbot.waitUntil(lambda: session.state is JobState.RUNNING, timeout=5000)
    assert session.cancel()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=5000)
    assert cancelled == [job] and job.state is JobState.CANCELLED and session.state is JobState.CANCELLED
    assert not session.cancel()  # nothing in hand


def test_a_session_hears_only_its_own_job(qtbot, svc):
    text, code = svc.job_session(Studio.TEXT), svc.job_session(Studio.CODE)
    heard = {"text": [], "code": []}
    text.finished.connect(lambda job, _o: heard["text"].append(job.title))
    code.finished.connect(lambda job, _o: heard["code"].append(job.title))
    text.submit(JobKind.TEXT, {"steps": 2}, "m", "for text")
    code.submit(JobKind.TEXT, {"steps": 2}, "m", "for code", record_as="code-completion")
    qtbot.waitUntil(lambda: bool(heard["text"] and heard["code"]), timeout=5000)
    assert heard == {"text": ["for text"], "code": ["for code"]}


def test_a_queued_job_removed_from_the_jobs_bar_ends_its_session_cancelled(qtbot, svc):
    first, second = svc.job_session(Studio.TEXT), svc.job_session(Studio.AUDIO)
    first.submit(JobKind.TEXT, {"steps": 10_000, "delay": 0.002}, "m", "running")
    queued = second.submit(JobKind.TEXT, {"steps": 1}, "m", "queued")
    assert svc.queue.remove(queued.id)
    assert second.state is JobState.CANCELLED and not second.busy and queued.state is JobState.CANCELLED
    first.cancel()
    qtbot.waitUntil(lambda: not first.busy, timeout=5000)


def test_every_ended_job_is_broadcast_once_as_a_library_change(qtbot, svc):
    changes = []
    svc.store.changed.connect(changes.append)
    session = svc.job_session(Studio.TEXT)
    job = session.submit(JobKind.TEXT, {"steps": 1}, "m", "reply", conversation_id=3)
    qtbot.waitUntil(lambda: bool(changes), timeout=5000)
    qtbot.wait(50)
    assert len(changes) == 1
    what = changes[0]
    assert ITEMS in what and CONVERSATIONS in what and what.conversation_id == 3
    assert what.ids == (1000 + job.id,) and what.source is job


def test_a_store_write_broadcasts_the_change_it_declared_only_when_it_succeeded(qtbot, svc):
    changes, done = [], []
    svc.store.changed.connect(changes.append)
    svc.store.submit(lambda lib: None, done.append, None, change(CONVERSATIONS, conversation_id=5))
    qtbot.waitUntil(lambda: bool(changes), timeout=5000)
    assert done == [None] and changes[0].conversation_id == 5

    def broken(_lib):
        raise RuntimeError("the disk said no")

    errors = []
    svc.store.submit(broken, None, errors.append, change(ITEMS))
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    qtbot.wait(50)
    assert len(changes) == 1  # a failed write changed nothing


def test_a_failed_write_nobody_handles_reaches_the_person(qtbot, svc):
    said = []
    svc.store.unhandled_error.connect(said.append)

    def broken(_lib):
        raise OSError(28, "No space left on device")

    svc.store.submit(broken)
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert said[0].startswith("A change to the library failed:") and "disk is full" in said[0]


def test_a_job_kind_is_typed_and_the_cli_builds_options_with_the_windows_function(tmp_path):
    with pytest.raises(ValueError):
        Job("cli", {}, "m", JobOrigin(Studio.TEXT))
    settings = Settings(cpu_threads=5, context_length=1024, model_dirs=["~/more-models"], image_precision="fp32")
    options = engine_options(settings, tmp_path / "models", threads=2, precision="bf16")
    assert options.n_threads == 2 and options.n_ctx == 1024 and options.precision == "bf16"
    assert options.model_dirs[0] == str(tmp_path / "models") and options.model_dirs[1].endswith("more-models")
    assert "~" not in options.model_dirs[1]
    assert EngineOptions().n_threads == 1
