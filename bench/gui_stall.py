"""GUI stall probe: a 5 ms heartbeat timer on the GUI thread while the real window scans
for models, loads one and streams a reply into the Text studio. Prints the worst and
p99 lateness per phase. Target: worst < 50 ms.

    python bench/gui_stall.py [--model FILE.gguf] [--tokens 256]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import default_model, verdict

INTERVAL_MS = 5


class Heartbeat:
    def __init__(self):
        from PySide6.QtCore import QTimer, Qt

        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.beat)
        self.last = None
        self.late: list[float] = []

    def beat(self) -> None:
        now = time.perf_counter()
        if self.last is not None:
            self.late.append(max(0.0, (now - self.last) * 1000 - INTERVAL_MS))
        self.last = now

    def phase(self) -> list[float]:
        values, self.late, self.last = self.late, [], None
        return values


class WatchedWindow:
    """The real window on `data` with `settings`, shown, and a heartbeat running: `spin(until)`
    runs the event loop as the app does; `beat.phase()` takes the lateness so far."""

    def __init__(self, settings, data: Path):
        from PySide6.QtWidgets import QApplication

        from desktop.app import GIL_SWITCH_INTERVAL_S
        from desktop.services import Services
        from desktop.ui.shell.main_window import MainWindow
        from desktop.ui.shell.theme import Theme
        from desktop.viewmodels.settings_model import SettingsModel

        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)  # as the app sets it at start-up
        self.app = QApplication.instance() or QApplication([])
        self.services = Services(SettingsModel(settings), data)
        self.window = MainWindow(self.services.settings, Theme(self.app, "light"), self.services)
        self.window.show()
        self.beat = Heartbeat()
        self.beat.timer.start()
        self.spin(lambda: False, timeout=1.0)  # the first paint and the start-up scans settle
        self.beat.phase()

    def spin(self, condition, timeout: float = 1800) -> None:
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.001)

    def close(self) -> None:
        self.beat.timer.stop()
        self.window.close()
        self.services.shutdown()


def report(name: str, late: list[float]) -> bool:
    if not late:
        print(f"{name:<28} no samples")
        return True
    ordered = sorted(late)
    worst, p99 = ordered[-1], ordered[int(len(ordered) * 0.99) - 1]
    ok = worst < 50
    print(f"{name:<28} {len(late):6d} beats  worst {worst:6.1f} ms  p99 {p99:5.1f} ms  (target < 50 ms) {verdict(ok)}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path)
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--image-model", type=Path,
                        help="also generate an image with this diffusers folder (default: a tiny one)")
    parser.add_argument("--no-image", action="store_true", help="skip the image phase")
    args = parser.parse_args()
    model = args.model or default_model()
    os.environ["ATELIER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="atelier-bench-cfg-")

    from PySide6.QtWidgets import QApplication

    from desktop.viewmodels.settings_model import SettingsModel
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme

    from desktop.app import GIL_SWITCH_INTERVAL_S

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)  # as the app sets it at start-up
    app = QApplication.instance() or QApplication([])
    services = Services(SettingsModel(Settings(model_files=[str(model)])),
                        Path(tempfile.mkdtemp(prefix="atelier-bench-")))
    window = MainWindow(services.settings, Theme(app, "light"), services)
    window.show()
    beat = Heartbeat()
    beat.timer.start()

    def spin(condition, timeout=600):
        end = time.monotonic() + timeout
        while not condition() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)

    spin(lambda: False, timeout=0.5)
    beat.phase()
    services.models.refresh()
    spin(lambda: not services.models.scanning)
    results = [report("model scan", beat.phase())]
    # As the app does after its first paint: import the engine library while idle.
    warmed = []
    services.inference.worker.warmed_up.connect(lambda: warmed.append(True))
    services.warm_up()
    spin(lambda: bool(warmed))
    print(f"{'(start-up warm-up import)':<28} worst {max(beat.phase() or [0]):6.1f} ms  (idle, before any job)")

    panel = window.panel("text")
    panel.picker.choose(str(model))
    panel.sampling.max_tokens.setValue(args.tokens)
    panel.sampling.temperature.setValue(0)
    events = []
    services.queue.job_progress.connect(lambda job, p: events.append("token") if p.unit == "tokens" else None)
    services.queue.job_finished.connect(lambda job, outcome: events.append("done"))
    services.queue.job_failed.connect(lambda job, message: events.append("failed: " + message))
    panel.input.setPlainText("Once upon a time, in a lighthouse by the sea,")
    panel.send()
    spin(lambda: bool(events))
    results.append(report("load model + read prompt", beat.phase()))
    spin(lambda: events[-1] != "token")
    results.append(report(f"stream {args.tokens} tokens", beat.phase()))
    print("generation:", panel.status.text() if events[-1] == "done" else events[-1])
    if not args.no_image:
        results += image_phase(args, window, services, beat, spin)
    beat.timer.stop()
    window.close()
    services.shutdown()
    print("overall:", verdict(all(results)))


def image_phase(args, window, services, beat, spin) -> list[bool]:
    """Load a diffusion model and make a 256x256 image in the Image studio, previews on."""
    model = args.image_model
    if model is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from tiny_models import write_tiny_sd

        model = write_tiny_sd(Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "tiny-sd")
    services.settings.set("model_dirs", [str(model.parent)])
    spin(lambda: services.image_models.rowCount() > 0, timeout=60)
    window.show_panel("image")
    panel = window.panel("image")
    panel.picker.choose(str(model.resolve()))
    panel.form.prompt.setPlainText("a lighthouse on a cliff at sunset")
    panel.form.width_box.setValue(256)
    panel.form.height_box.setValue(256)
    panel.form.steps.setValue(8)
    events = []
    services.queue.job_progress.connect(lambda job, p: events.append("step") if p.unit == "steps" else None)
    services.queue.job_finished.connect(lambda job, outcome: events.append("done"))
    services.queue.job_failed.connect(lambda job, message: events.append("failed: " + message))
    beat.phase()
    panel.generate()
    spin(lambda: bool(events))
    loaded = report("image: import + load model", beat.phase())
    spin(lambda: events[-1] != "step")
    generated = report("image: 8 steps with previews", beat.phase())
    print("image:", panel.status.text() if events[-1] == "done" else events[-1])
    return [loaded, generated]


if __name__ == "__main__":
    main()
