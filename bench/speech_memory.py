"""Speech of a long run-on text in bounded memory: the app's audio job (engine, pieces,
file written piece by piece, row recorded) with the built-in Piper voice speaks N
characters of unpunctuated text; printed: the peak growth of resident memory over the
process after the voice is loaded and has spoken once, the time, and the audio made.
Target: under 500 MB for 100,000 characters (before: 2,000 characters took 3.1 GB;
100,000 failed asking ONNX Runtime for 238 GB).

    python bench/speech_memory.py [--chars 100000] [--format wav]
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from common import bench_setup_for_voice, verdict

LIMIT_MB = 500


class PeakRss:
    def __init__(self, interval_s: float = 0.02):
        import psutil

        self.process, self.interval_s = psutil.Process(), interval_s
        self.start = self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return (self.peak - self.start) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=100_000)
    parser.add_argument("--format", default="wav", choices=("wav", "flac", "ogg"))
    parser.add_argument("--threads", type=int, default=0, help="default: physical cores")
    args = parser.parse_args()
    voice = bench_setup_for_voice()
    from desktop.core import hardware
    from desktop.core.audio.audio_request import SpeechRequest
    from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
    from desktop.core.model_cache import ModelCache
    from desktop.pipeline.audio_job import load_audio_engine, run_audio_job
    from desktop.pipeline.store_access import DirectStore
    from desktop.store.library import Library

    threads = args.threads or hardware.physical_cores()
    text = ("word " * (args.chars // 5 + 1))[:args.chars]  # no punctuation at all
    cache = ModelCache(2**33)
    library = Library(Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "data")
    store = DirectStore(library)
    warm = Job(JobKind.AUDIO, SpeechRequest("Warm up, the voice speaks once."), str(voice),
               JobOrigin(Studio.AUDIO), EngineOptions(n_threads=threads))
    run_audio_job(warm, cache, store, lambda p: None)
    load_audio_engine(cache, str(voice), threads)
    pieces = []

    def progress(update) -> None:
        if update.pieces:
            pieces.append(update.done)
            if update.done % 25 == 0:
                print(f"  {update.message} · {time.perf_counter() - started:.0f} s", flush=True)

    peak = PeakRss()
    started = time.perf_counter()
    job = Job(JobKind.AUDIO, SpeechRequest(text, file_format=args.format), str(voice),
              JobOrigin(Studio.AUDIO), EngineOptions(n_threads=threads))
    outcome = run_audio_job(job, cache, store, progress)
    elapsed = time.perf_counter() - started
    growth = peak.stop()
    made = outcome.audio
    print(f"text: {len(text):,} characters of unpunctuated text, {threads} threads, {args.format}")
    print(f"spoken: {made.duration_s / 60:.1f} min of audio in {elapsed:.1f} s (real-time factor "
          f"{elapsed / made.duration_s:.3f}), {made.pieces} pieces, file {outcome.path.stat().st_size / 2**20:.0f} MB")
    print(f"peak RSS growth: {growth:.0f} MB over {peak.start / 2**20:.0f} MB after loading "
          f"(target < {LIMIT_MB} MB) {verdict(growth < LIMIT_MB)}")
    library.close()
    cache.clear()


if __name__ == "__main__":
    main()
