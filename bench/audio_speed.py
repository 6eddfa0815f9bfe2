"""Speech with the built-in Piper voice, the app's path against the raw piper library in
the same run:

- real-time factor (synthesis seconds / audio seconds) of the app's job (engine, pieces,
  tags, file written, row recorded) vs raw `PiperVoice.synthesize_wav`; target <= 1.10x;
- time to first audio for a long text (the first sentence ready to play) vs the whole;
- GUI heartbeat while the Audio panel speaks a long text and plays sentences as they
  come; target: worst lateness < 50 ms.

    python bench/audio_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path

from common import bench_setup_for_voice, median, verdict

TEXT = ("The tide comes in twice a day, pulled by the moon and, a little, by the sun. "
        "When the sun and the moon line up, the tides are highest; sailors call them spring tides. "
        "Between them come the neap tides, when the pulls partly cancel out. "
        "Harbours keep tables of these times, because a ship that leaves too late may sit on the mud. ") * 3


def raw_seconds(voice_path: Path, threads: int, out: Path) -> tuple[float, float]:
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    voice = PiperVoice(config=PiperConfig.from_dict(json.loads(Path(f"{voice_path}.json").read_text())),
                       session=onnxruntime.InferenceSession(str(voice_path), sess_options=options,
                                                            providers=["CPUExecutionProvider"]))
    voice.synthesize_wav("Warm up.", wave.open(str(out), "wb"))
    started = time.perf_counter()
    with wave.open(str(out), "wb") as handle:
        voice.synthesize_wav(TEXT, handle)
    elapsed = time.perf_counter() - started
    with wave.open(str(out), "rb") as handle:
        return elapsed, handle.getnframes() / handle.getframerate()


def app_seconds(voice_path: Path, threads: int, data: Path) -> tuple[float, float, float]:
    from desktop.core.audio.audio_request import SpeechRequest
    from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
    from desktop.core.model_cache import ModelCache
    from desktop.pipeline.audio_job import load_audio_engine, run_audio_job
    from desktop.pipeline.store_access import DirectStore
    from desktop.store.library import Library

    cache = ModelCache(2**32)
    library = Library(data)
    engine = load_audio_engine(cache, str(voice_path), threads)
    engine.generate(SpeechRequest("Warm up."), lambda p: None, threading.Event())
    first = []
    started = time.perf_counter()
    job = Job(JobKind.AUDIO, SpeechRequest(TEXT), str(voice_path),
              JobOrigin(Studio.AUDIO), EngineOptions(n_threads=threads))
    outcome = run_audio_job(job, cache, DirectStore(library), lambda p: first or first.append(time.perf_counter()))
    elapsed = time.perf_counter() - started
    library.close()
    cache.clear()
    return elapsed, outcome.audio.duration_s, first[0] - started


def gui_phase(voice_path: Path) -> bool:
    from PySide6.QtWidgets import QApplication

    from desktop.app import GIL_SWITCH_INTERVAL_S
    from desktop.viewmodels.settings_model import SettingsModel
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme
    from gui_stall import Heartbeat, report

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication([])
    services = Services(SettingsModel(Settings()), Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "data")
    window = MainWindow(services.settings, Theme(app, "light"), services)
    window.show()
    services.rescan_models()
    services.warm_up()
    panel = window.panel("audio")
    window.show_panel("audio")
    settle = time.monotonic() + 4  # the model scan and the warm-up (imports) finish first
    while panel.picker.current() is None or time.monotonic() < settle:
        app.processEvents()
        time.sleep(0.002)
    beat = Heartbeat()
    beat.timer.start()
    panel.text.setPlainText(TEXT)
    panel.generate()
    while panel.job is not None or panel.player.streaming and panel.player.pieces_played < 4:
        app.processEvents()
        time.sleep(0.001)
    ok = report("speak + play sentences", beat.phase())
    print(f"pieces played while speaking: {panel.player.pieces_played}")
    beat.timer.stop()
    window.close()
    services.shutdown()
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="default: physical cores")
    args = parser.parse_args()
    voice = bench_setup_for_voice()
    from desktop.core import hardware

    threads = args.threads or hardware.physical_cores()
    work = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    raw_rtf, app_rtf, first_audio, whole = [], [], [], []
    for round_ in range(args.rounds):  # interleaved, so drift on a shared machine hits both
        seconds, audio = raw_seconds(voice, threads, work / f"raw{round_}.wav")
        raw_rtf.append(seconds / audio)
        seconds, audio, first = app_seconds(voice, threads, work / f"lib{round_}")
        app_rtf.append(seconds / audio)
        first_audio.append(first)
        whole.append(seconds)
    ratio = median(app_rtf) / median(raw_rtf)
    print(f"text: {len(TEXT)} characters, {audio:.1f} s of speech, {threads} threads, {args.rounds} rounds")
    print(f"real-time factor: app {median(app_rtf):.4f}, raw piper {median(raw_rtf):.4f} "
          f"-> app/raw {ratio:.3f} (target <= 1.10) {verdict(ratio <= 1.10)}")
    print(f"time to first audio: {median(first_audio) * 1000:.0f} ms vs {median(whole) * 1000:.0f} ms for "
          f"the whole text ({median(first_audio) / median(whole):.1%})")
    ok = gui_phase(voice)
    print("overall:", verdict(ratio <= 1.10 and ok))


if __name__ == "__main__":
    main()
