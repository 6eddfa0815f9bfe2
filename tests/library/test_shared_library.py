"""One library, several processes: a commit waits for a database another process holds, a
process killed while waiting has its result recorded at the next start, and a window opened
beside a running CLI job leaves that job alone."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache
from desktop.core.text.text_request import COMPLETION, Sampling, TextRequest
from desktop.pipeline.recording import WAITING
from desktop.pipeline.store_access import DirectStore
from desktop.pipeline.text_job import run_text_job
from desktop.store import integrity
from desktop.store.library import Library

ROOT = Path(__file__).resolve().parents[2]
HOLDER = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")  # what another Atelier process's long write looks like
    print("locked", flush=True)
    sys.stdin.readline()
    conn.execute("COMMIT")
""")


def hold_database(path: Path) -> subprocess.Popen:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def release(holder: subprocess.Popen) -> None:
    holder.stdin.write("\n")
    holder.stdin.flush()
    holder.wait(timeout=30)


def statuses(data: Path) -> list[tuple]:
    try:  # read-only: never create the file before the process under test does
        conn = sqlite3.connect(f"file:{data / 'library.sqlite3'}?mode=ro", uri=True)
    except sqlite3.OperationalError:
        return []
    try:
        return conn.execute("SELECT status, output_text, error FROM generations ORDER BY id").fetchall()
    except sqlite3.OperationalError:  # the database is still being created
        return []
    finally:
        conn.close()


def test_a_finished_reply_waits_for_a_database_another_process_holds(tmp_path, tiny_chat_gguf, monkeypatch):
    from desktop.store import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 0.2)  # quicker attempts; the waiting is the same
    library = Library(tmp_path / "lib")
    request = TextRequest(mode=COMPLETION, prompt="the cat", sampling=Sampling(max_tokens=24, seed=1))
    job = Job(JobKind.TEXT, request, str(tiny_chat_gguf),
              JobOrigin(Studio.TEXT), EngineOptions(n_threads=1, n_ctx=512))
    seen, holder = [], []

    def progress(update) -> None:
        seen.append(update)
        if update.text and not holder:  # the generation has started: now another process takes the lock
            holder.append(hold_database(library.layout.database))
        if update.unit == "waiting":
            release(holder[0])  # ...and lets go once this process has said it waits

    cache = ModelCache(1 << 30)
    try:
        outcome = run_text_job(job, cache, DirectStore(library), progress)
    finally:
        cache.clear()
        library.close()
    assert [u.message for u in seen if u.unit == "waiting"] == [WAITING]
    assert statuses(tmp_path / "lib") == [("done", outcome.result.text, "")]
    assert not list((tmp_path / "lib" / "pending").glob("*.json"))


def cli(*args, data: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, "ATELIER_CONFIG_DIR": str(data.parent / "cfg")}
    return subprocess.Popen([sys.executable, "main.py", *args, "--data-dir", str(data)], cwd=ROOT, env=env,
                            text=True, **popen)


def test_a_cli_killed_while_waiting_for_the_database_has_its_reply_recorded_at_the_next_start(
        tmp_path, tiny_chat_gguf):
    data = tmp_path / "lib"
    Library(data).close()
    process = cli("generate", "text", "the cat", "--model", str(tiny_chat_gguf), "--max-tokens", "3000",
                  "--seed", "3", "--temperature", "0", data=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not statuses(data) and time.time() < deadline:
        time.sleep(0.05)
    assert statuses(data) and statuses(data)[0][0] == "running"
    holder = hold_database(data / "library.sqlite3")
    try:
        # The CLI finishes its tokens, then waits for the lock and says so.
        line = ""
        while WAITING not in line:
            line = process.stderr.readline()
            assert line or process.poll() is None, "the CLI ended without waiting"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        reply = process.stdout.read()
    finally:
        release(holder)
    assert statuses(data)[0][0] == "running"  # nothing recorded yet: the commit never ran
    check = subprocess.run([sys.executable, "main.py", "check", "--data-dir", str(data)], cwd=ROOT,
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "ATELIER_CONFIG_DIR": str(tmp_path / "cfg")})
    assert "1 finished item(s) recorded" in check.stderr  # the start-up recovery of this command
    assert check.stdout.startswith("The library is intact."), check.stdout
    status, text, error = statuses(data)[0]
    assert status == "done" and error == "" and text
    assert reply.startswith(text.replace("\r\n", "\n").replace("\r", "\n"))  # stdout was read as text


def test_a_window_opened_beside_a_running_cli_job_leaves_it_alone(qtbot, tmp_path, tiny_chat_gguf):
    from app_window import open_window

    data = tmp_path / "lib"
    process = cli("generate", "text", "the cat", "--model", str(tiny_chat_gguf), "--max-tokens", "30000",
                  "--ctx", "32768", "--seed", "5", data=data, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not statuses(data):
        assert time.time() < deadline and process.poll() is None
        time.sleep(0.05)
    window, services = open_window(qtbot, data)
    try:
        recovered = services.store.opened.result(timeout=30)  # the window's start-up recovery ran
        assert not recovered
        report = integrity.check(services.store)
        assert not report.leftovers.running_rows  # the CLI's row is a live process's, not debris
        assert statuses(data)[0][0] == "running"
    finally:
        services.shutdown()
    process.send_signal(signal.SIGINT)  # Ctrl+C: the CLI stops its reply and records it
    assert process.wait(timeout=60) == 130, process.stderr.read()
    assert statuses(data)[0][0] == "cancelled" and statuses(data)[0][2] == "Cancelled by you."


def test_a_commit_that_fails_keeps_the_result_and_the_next_start_records_it(tmp_path, tiny_chat_gguf, monkeypatch):
    from desktop.core.errors import UserFacingError
    from desktop.store import pending_commits

    def broken(library, work):
        raise sqlite3.OperationalError("disk I/O error")

    library = Library(tmp_path / "lib")
    request = TextRequest(mode=COMPLETION, prompt="the cat", sampling=Sampling(max_tokens=12, seed=1))
    job = Job(JobKind.TEXT, request, str(tiny_chat_gguf),
              JobOrigin(Studio.TEXT), EngineOptions(n_threads=1, n_ctx=512))
    cache = ModelCache(1 << 30)
    with monkeypatch.context() as patch:
        patch.setattr(pending_commits, "apply", broken)
        try:
            run_text_job(job, cache, DirectStore(library), lambda update: None)
        except UserFacingError as exc:
            assert "Atelier adds it to the library the next time it starts" in str(exc)
        else:
            raise AssertionError("the broken commit was not reported")
        finally:
            cache.clear()
            library.close()
    assert statuses(tmp_path / "lib")[0][0] == "running"  # not claimed done, not lost either
    again = Library(tmp_path / "lib")
    assert again.recover_after_crash().finished == 1
    again.close()
    status, text, error = statuses(tmp_path / "lib")[0]
    assert status == "done" and text and error == ""
