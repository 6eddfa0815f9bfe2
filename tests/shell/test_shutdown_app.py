"""Closing the window while a model loads, end to end in a subprocess: the event loop ends at
once, then the process waits for the load (bounded) or leaves without it — and never dies
of a QThread destroyed while running. The app's exit path (desktop/app.py) is reproduced
around a plain window, with the slow fake runner of tests/shell/test_shutdown.py."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from test_shutdown import statuses

TESTS = Path(__file__).parent
SCRIPT = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
from test_shutdown import slow_job, slow_runner
from desktop import app as atelier_app
from desktop.viewmodels.settings_model import SettingsModel
from desktop.services import Services
from desktop.settings import Settings
from desktop.core.jobs import JobKind

app = QApplication([])
window = QWidget()
window.show()
services = Services(SettingsModel(Settings()), Path({data!r}), runners={{JobKind.TEXT: slow_runner}})
app.aboutToQuit.connect(services.begin_shutdown)  # as desktop/app.py does
job = services.queue.submit(slow_job({load_s}))
closed = []

def close_when_loading():
    if not job.request["loading"].is_set():
        QTimer.singleShot(10, close_when_loading)
        return
    closed.append(time.monotonic())
    window.close()  # the last window: the event loop ends

QTimer.singleShot(0, close_when_loading)
code = app.exec()
app.processEvents()
print(json.dumps({{"event_loop_after_close_s": time.monotonic() - closed[0], "closed_at": closed[0]}}), flush=True)
sys.exit(atelier_app.finish(services, code, wait_s={wait_s}))
"""


def run_app(tmp_path, load_s, wait_s):
    script = SCRIPT.format(tests=str(TESTS), data=str(tmp_path / "data"), load_s=load_s, wait_s=wait_s)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,
                          timeout=120, cwd=TESTS.parents[1])
    ended = time.monotonic()
    assert "Destroyed while thread" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"event loop ended {report['event_loop_after_close_s']:.3f} s after the close; process {ended - report['closed_at']:.2f} s")
    return report["event_loop_after_close_s"], ended - report["closed_at"]


def test_the_window_closes_at_once_and_the_process_waits_for_the_load(tmp_path):
    gui_blocked, exit_after_close = run_app(tmp_path, load_s=3.0, wait_s=30)
    assert gui_blocked < 0.5, f"the event loop took {gui_blocked:.2f} s to end after the close"
    assert 2.0 < exit_after_close < 15, exit_after_close  # waited for the load, not forever
    assert statuses(tmp_path / "data") == ["cancelled"]  # the job recorded its own end


def test_a_load_that_outlasts_the_wait_does_not_hold_the_process(tmp_path):
    gui_blocked, exit_after_close = run_app(tmp_path, load_s=60.0, wait_s=1)
    assert gui_blocked < 0.5
    assert exit_after_close < 10, exit_after_close  # not the 60 s load
    assert statuses(tmp_path / "data") == []  # the row comes after the load: nothing claims anything
