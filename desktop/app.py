"""GUI start-up: the window is shown and painted first; models are scanned and torch /
llama.cpp are imported later, on other threads, when a job needs them."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
import traceback
from pathlib import Path

from desktop import APP_NAME, __version__
from desktop import settings as settings_io
from desktop.paths import DataLayout

log = logging.getLogger(__name__)
HEAVY_MODULES = ("torch", "diffusers", "transformers", "llama_cpp")
GIL_SWITCH_INTERVAL_S = 0.001
WARM_UP_DELAY_MS = 800  # after the window is up and the model scan has started
INTEGRITY_CHECK_DELAY_MS = 2500  # after the warm-up, so the first seconds stay quick
# After the window is gone, how long a job still inside a model load may keep the process.
SHUTDOWN_WAIT_S = 30.0


def run(data_dir: Path | None = None, startup_report: bool = False) -> int:
    started = time.perf_counter()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.viewmodels.settings_model import SettingsModel
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme

    # Worker threads run Python between native calls; a short switch interval bounds how
    # long the GUI thread waits for the GIL each time Qt calls into Python (default 5 ms).
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    settings = SettingsModel(settings_io.load(), settings_io.settings_path())
    data = Path(data_dir) if data_dir else settings.snapshot().resolved_data_dir()
    log_path = DataLayout(data).logs / "atelier.log"

    started_services = []  # for the exit, after the event loop
    theme = Theme(app, settings.get("theme"))
    window = MainWindow(settings, theme)  # the shell: painted before the studios are built
    _install_excepthooks(window, log_path)

    def after_first_paint() -> None:
        if startup_report:
            _report("first_paint", started)
        # Everything below waits for the first paint: log file, library, studios.
        from desktop import logging_setup
        from desktop.services import Services

        try:
            logging_setup.setup(DataLayout(data).logs)
            services = Services(settings, data)
        except OSError as exc:
            _refuse_data_folder(window, data, exc)
            return
        log.info("Atelier %s starting; data in %s", __version__, data)
        app.aboutToQuit.connect(services.begin_shutdown)  # never waits: the window closes at once
        started_services.append(services)
        window.attach(services)
        if startup_report:
            QTimer.singleShot(0, lambda: (_report("ready", started), window.close()))
            return
        services.rescan_models()  # scanning runs on the thread pool
        QTimer.singleShot(WARM_UP_DELAY_MS, services.warm_up)
        QTimer.singleShot(INTEGRITY_CHECK_DELAY_MS, window.integrity.start)

    window.first_painted.connect(after_first_paint)
    window.show()
    code = app.exec()
    app.processEvents()  # the closed window's unmap reaches the window system before any wait
    return finish(started_services[0] if started_services else None, code)


def finish(services, code: int, wait_s: float = SHUTDOWN_WAIT_S) -> int:
    """The rest of quitting, with no window left. The worker may be inside a model load that C
    code will not interrupt: waiting for it (bounded) lets the cancelled job record itself and
    the library close normally. A load that outlasts the wait is left behind with os._exit,
    since Python's own exit would destroy the running QThread and Qt would abort; the next
    start's recovery settles what a dead process leaves (a 'running' row, its lease)."""
    if services is None or services.wait_stopped(wait_s):
        return code
    log.error("A job was still busy %.0f s after the window closed; exiting without it", wait_s)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _refuse_data_folder(window, data: Path, exc: OSError) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    QMessageBox.critical(window, "Data folder unavailable",
                         f"Atelier cannot use its data folder {data}:\n{exc.strerror or exc}.\n\n"
                         "Start it with --data-dir pointing to a folder you can write to, "
                         "or change data_dir in settings.json.")
    QApplication.exit(1)


def _report(event: str, started: float) -> None:
    """One JSON line per start-up milestone, for tests and bench/startup_time.py."""
    print(json.dumps({"event": event, "seconds": round(time.perf_counter() - started, 4),
                      "heavy_modules_loaded": [m for m in HEAVY_MODULES if m in sys.modules]}), flush=True)


def _install_excepthooks(window, log_path: Path) -> None:
    """An exception that reaches the event loop is logged and shown; the app stays up."""
    from PySide6.QtWidgets import QMessageBox

    def on_exception(exc_type, exc, tb) -> None:
        log.error("Unhandled exception", exc_info=(exc_type, exc, tb))
        if threading.current_thread() is threading.main_thread():
            text = "".join(traceback.format_exception_only(exc_type, exc)).strip()
            QMessageBox.critical(window, "Something went wrong",
                                 f"{text}\n\nAtelier keeps running. Details are in {log_path}.")

    sys.excepthook = on_exception
    threading.excepthook = lambda args: log.error(
        "Unhandled exception in %s", args.thread, exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
