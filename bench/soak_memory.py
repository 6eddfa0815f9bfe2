"""Memory under sustained use: one real window (offscreen) with real models — the built-in
Gemma GGUF in the Text studio, a tiny random-weight diffusers pipeline in the Image studio,
the built-in Piper voice in the Audio studio with "Play sentences as they are made" on, as
a person has it — runs N texts, M images and K speeches, a burst of queued jobs that are
all cancelled, and Library scrolling and searching. Resident memory (psutil) is sampled
from the first loaded-and-idle point (every model loaded and used once, then idle) to the
end; printed: the growth per phase in MB and %, the speech phase's slope per speech, and
the whole run against the budget. Budget: growth < 10 % of the loaded-and-idle RSS.

    python bench/soak_memory.py [--texts 60] [--images 30] [--speeches 20] [--burst 200]
                                [--library-rounds 5] [--no-playback] [--quick]

The event loop is spun with QEventLoop.exec(), as the app runs inside app.exec(): objects
the app deletes with deleteLater are then deleted as they are in use, not kept by the probe.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import bench_setup_for_voice, default_model, verdict

BUDGET = 0.10
MB = 2**20
SPEECH = ("Speech number {n} begins with a short sentence. The lighthouse keeper climbs the stairs at dusk, "
          "lights the lamp and watches the ships go by. The sea is calm tonight.")
SEARCHES = ["l", "li", "lig", "ligh", "light", "lighthouse", "sea", "number 1", "harbour", ""]


class RssSampler:
    """Resident memory every `interval_s` on a thread, plus checkpoints taken by name."""

    def __init__(self, interval_s: float = 0.2):
        import psutil

        self.process, self.interval_s = psutil.Process(), interval_s
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def now(self) -> int:
        return self.process.memory_info().rss

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak = max(self.peak, self.now())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class Soak:
    def __init__(self, args, app, window, services):
        self.args, self.app, self.window, self.services = args, app, window, services
        self.ended = {"finished": 0, "failed": 0, "cancelled": 0}
        queue = services.queue
        queue.job_finished.connect(lambda _job, _outcome: self._count("finished"))
        queue.job_failed.connect(lambda _job, message: self._count("failed", message))
        queue.job_cancelled.connect(lambda _job, _kept: self._count("cancelled"))

    def _count(self, how: str, message: str = "") -> None:
        self.ended[how] += 1
        if message:
            print(f"  a job failed: {message}", flush=True)

    # -- the event loop, as app.exec() runs it --------------------------------------------

    def spin(self, condition=lambda: False, timeout_s: float = 300.0) -> bool:
        from PySide6.QtCore import QEventLoop, QTimer

        end = time.monotonic() + timeout_s
        loop, poll = QEventLoop(), QTimer()
        poll.setInterval(5)
        poll.timeout.connect(lambda: loop.quit() if condition() or time.monotonic() > end else None)
        poll.start()
        loop.exec()
        poll.stop()
        return condition()

    def settle(self, idle_s: float = 1.5) -> None:
        """Idle as a person reading would be: background work lands, Python's garbage goes."""
        self.spin(timeout_s=idle_s)
        gc.collect()
        self.spin(timeout_s=0.3)

    def idle(self) -> bool:
        return self.services.queue.is_idle()

    def ready(self, panel) -> bool:
        session = getattr(panel, "session", None)
        return self.idle() and (session is None or not session.busy)

    def run(self, panel, start, heard=lambda: True, timeout_s: float = 300.0) -> None:
        """Start a job as the person does (the panel's own action) and wait until it is over;
        a start the panel refuses for the moment (its last result still being kept) is tried
        again, so every count in the report is jobs that ran."""
        self.spin(lambda: self.ready(panel), timeout_s)
        for _ in range(100):
            start()
            if not self.idle():
                break
            self.spin(timeout_s=0.1)
        self.spin(lambda: self.ready(panel) and heard(), timeout_s)

    # -- what a person does ---------------------------------------------------------------

    def text(self, n: int) -> None:
        panel = self.window.panel("text")
        if n % 10 == 0:
            panel.new_conversation()  # a new topic now and then, as a person does
        panel.input.setPlainText(f"Note {n}: once upon a time, in a lighthouse by the sea,")
        self.run(panel, panel.send)

    def image(self, n: int) -> None:
        panel = self.window.panel("image")
        panel.form.prompt.setPlainText(f"a lighthouse on a cliff at sunset, study {n}")
        self.run(panel, panel.generate)

    def speech(self, n: int) -> None:
        panel = self.window.panel("audio")
        panel.text.setPlainText(SPEECH.format(n=n))
        # The sentences are heard as they come; the finished file takes over after the last.
        self.run(panel, panel.generate, lambda: not panel.player.streaming)

    def burst(self, count: int) -> None:
        """Jobs queued faster than they run (as the CLI or several studios can), then all cancelled."""
        from desktop.core.jobs import Job, JobKind, JobOrigin, Studio
        from desktop.core.text.text_request import COMPLETION, TextRequest

        model = str(self.args.model)
        for n in range(count):
            self.services.queue.submit(Job(JobKind.TEXT, TextRequest(mode=COMPLETION, prompt=f"Queued {n}:"), model,
                                           JobOrigin(Studio.TEXT), self.services.engine_options(), f"Queued {n}"))
        self.spin(timeout_s=0.2)
        self.services.queue.cancel_all()
        self.spin(self.idle)

    def library(self, rounds: int) -> None:
        self.window.show_panel("library")
        panel = self.window.panel("library")
        for _ in range(rounds):
            bar = panel.grid.verticalScrollBar()
            for step in range(400):  # down to the end, a wheel notch every ~16 ms
                bar.setValue(bar.value() + 40)
                self.spin(timeout_s=0.016)
                if bar.value() >= bar.maximum() and not panel.model.canFetchMore() and not panel.model.loading:
                    break
            bar.setValue(0)
            for text in SEARCHES:  # a quick typist, then the search cleared
                panel.filters.search.setText(text)
                self.spin(timeout_s=0.09)
            self.spin(lambda: not panel.model.loading, timeout_s=10)


def open_window(args):
    from PySide6.QtWidgets import QApplication

    from desktop.app import GIL_SWITCH_INTERVAL_S
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme
    from desktop.viewmodels.settings_model import SettingsModel

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)  # as the app sets it at start-up
    app = QApplication.instance() or QApplication([])
    settings = Settings(model_files=[str(args.model)], model_dirs=[str(args.image_model.parent)])
    services = Services(SettingsModel(settings), Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "data")
    window = MainWindow(services.settings, Theme(app, "light"), services)
    window.resize(1200, 800)
    window.show()
    return app, window, services


def prepare(soak: Soak, args) -> None:
    """As the app after its first paint: warm up, find the models, choose them in the studios."""
    services, window = soak.services, soak.window
    warmed = []
    services.inference.worker.warmed_up.connect(lambda: warmed.append(True))
    services.warm_up()
    soak.spin(lambda: bool(warmed), timeout_s=120)
    services.rescan_models()
    soak.spin(lambda: all(m.rowCount() for m in (services.models, services.image_models, services.audio_models)),
              timeout_s=120)
    text = window.panel("text")
    text.picker.choose(str(args.model))
    text.sampling.max_tokens.setValue(args.tokens)
    text.sampling.temperature.setValue(0.7)
    image = window.panel("image")
    image.picker.choose(str(args.image_model.resolve()))
    image.form.width_box.setValue(128)
    image.form.height_box.setValue(128)
    image.form.steps.setValue(4)
    audio = window.panel("audio")
    audio.picker.choose(str(args.voice.resolve()))
    audio.play_early.setChecked(not args.no_playback)


def report(name: str, rss: int, before: int, baseline: int, extra: str = "") -> None:
    print(f"{name:<40} RSS {rss / MB:7.0f} MB   phase {(rss - before) / MB:+7.1f} MB   "
          f"since idle {(rss - baseline) / MB:+7.1f} MB ({(rss - baseline) / baseline:+6.1%}){extra}", flush=True)


def slope_mb(values: list[int]) -> float:
    """Least-squares MB per step over the second half of a phase: the lasting trend, not the ramp."""
    tail = values[len(values) // 2:]
    if len(tail) < 2:
        return float("nan")
    import numpy as np

    return float(np.polyfit(np.arange(len(tail)), np.asarray(tail, dtype=np.float64) / MB, 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=60)
    parser.add_argument("--images", type=int, default=30)
    parser.add_argument("--speeches", type=int, default=20)
    parser.add_argument("--burst", type=int, default=200, help="jobs queued then cancelled")
    parser.add_argument("--library-rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=64, help="per text")
    parser.add_argument("--no-playback", action="store_true", help="sentence playback off (the finding's control)")
    parser.add_argument("--quick", action="store_true", help="a short run: 6 texts, 3 images, 4 speeches, "
                                                             "a burst of 50, one Library round")
    parser.add_argument("--model", type=Path, help="a GGUF (default: the built-in Gemma)")
    parser.add_argument("--image-model", type=Path, help="a diffusers folder (default: a tiny random one)")
    args = parser.parse_args()
    if args.quick:
        args.texts, args.images, args.speeches, args.burst, args.library_rounds = 6, 3, 4, 50, 1
    args.voice = bench_setup_for_voice()  # also a throwaway config folder
    args.model = args.model or default_model()
    if args.image_model is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from tiny_models import write_tiny_sd

        args.image_model = write_tiny_sd(Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "tiny-sd")

    app, window, services = open_window(args)
    soak = Soak(args, app, window, services)
    prepare(soak, args)
    sampler = RssSampler()
    soak.settle()
    warm_up = [("window open, models found", sampler.now())]
    # The first loaded-and-idle point: every model loaded and used once, then idle.
    for studio, first_use in (("text", soak.text), ("image", soak.image), ("audio", soak.speech)):
        window.show_panel(studio)
        first_use(0)
        soak.settle()
        warm_up.append((f"first {studio} job (model loaded)", sampler.now()))
    soak.settle(3.0)
    baseline = sampler.now()
    for name, rss in warm_up:
        print(f"{'(warm-up) ' + name:<40} RSS {rss / MB:7.0f} MB")
    print(f"sentence playback {'off' if args.no_playback else 'on'}; {args.texts} texts of {args.tokens} tokens, "
          f"{args.images} images, {args.speeches} speeches, burst of {args.burst}, "
          f"{args.library_rounds} Library rounds")
    report("loaded and idle (baseline)", baseline, baseline, baseline)
    started = time.perf_counter()
    before = baseline

    def phase(name: str, action, count: int, extra=lambda per_step: "") -> None:
        nonlocal before
        if count <= 0:
            return
        per_step, ended, clock = [], dict(soak.ended), time.perf_counter()
        for n in range(1, count + 1):
            action(n)
            per_step.append(sampler.now())
        soak.settle()
        rss = sampler.now()
        jobs = ", ".join(f"{soak.ended[k] - ended[k]} {k}" for k in soak.ended if soak.ended[k] > ended[k])
        report(name, rss, before, baseline, extra(per_step))
        print(f"{'':<40} {time.perf_counter() - clock:.0f} s; jobs: {jobs or 'none'}", flush=True)
        before = rss

    window.show_panel("text")
    phase(f"{args.texts} texts", soak.text, args.texts)
    window.show_panel("image")
    phase(f"{args.images} images", soak.image, args.images)
    window.show_panel("audio")
    player = window.panel("audio").player
    played_before = []
    player.stream_finished.connect(lambda: played_before.append(player.pieces_played))
    phase(f"{args.speeches} speeches", soak.speech, args.speeches,
          lambda per_step: f"   slope {slope_mb(per_step):+.2f} MB/speech, {sum(played_before)} sentences played")
    phase(f"burst of {args.burst} cancelled", lambda _n: soak.burst(args.burst), 1 if args.burst else 0)
    phase(f"Library x{args.library_rounds}", lambda _n: soak.library(1), args.library_rounds)
    sampler.stop()
    end = sampler.now()
    growth = (end - baseline) / baseline
    print(f"jobs: {soak.ended['finished']} finished, {soak.ended['failed']} failed, "
          f"{soak.ended['cancelled']} cancelled; {time.perf_counter() - started:.0f} s")
    print(f"peak RSS {sampler.peak / MB:.0f} MB; end {end / MB:.0f} MB")
    print(f"growth from loaded-and-idle to the end: {(end - baseline) / MB:+.1f} MB ({growth:+.1%}) "
          f"(budget < {BUDGET:.0%}) {verdict(growth < BUDGET)}")
    window.close()
    services.shutdown()


if __name__ == "__main__":
    main()
