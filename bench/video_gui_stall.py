"""GUI heartbeat while a video is made: a 5 ms timer on the GUI thread of the real window, the
Video studio shown, while a clip is generated through the queue (the inference thread, per-step
preview strips to the panel's session) and encoded to MP4 with its poster. Prints the worst and
p99 lateness for generation and for encoding. Target: worst < 50 ms.

    python bench/video_gui_stall.py [--model SD15_FOLDER --adapter MOTION_ADAPTER] [--frames 16] [--size 128]

Without --model a tiny random-weight SD 1.x + MotionAdapter is built (noise, the same work).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, verdict
from gui_stall import WatchedWindow, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path)
    parser.add_argument("--adapter", type=Path)
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    os.environ["ATELIER_CONFIG_DIR"] = str(work / "config")
    model, adapter = args.model, args.adapter
    if model is None or adapter is None:
        sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "video")]
        from tiny_models import write_tiny_sd
        from tiny_video_models import write_tiny_motion_adapter

        model, adapter = write_tiny_sd(work / "tiny-sd"), write_tiny_motion_adapter(work / "tiny-motion")

    from desktop.core.jobs import JobKind
    from desktop.core.video.video_request import VideoRequest
    from desktop.settings import Settings

    watched = WatchedWindow(Settings(image_precision="fp32"), work / "data")
    beat, spin = watched.beat, watched.spin
    watched.window.show_panel("video")
    panel = watched.window.panel("video")
    events = []
    session = panel.session
    session.progress.connect(lambda _job, p: events.append(p.unit))
    session.finished.connect(lambda _job, _o: events.append("done"))
    session.failed.connect(lambda _job, message: events.append("failed: " + message))
    request = VideoRequest(prompt="a paper boat on a stream", frames=args.frames, fps=8, width=args.size,
                           height=args.size, steps=args.steps, guidance=1.0, seed=3, motion_adapter=str(adapter))
    started = time.perf_counter()
    session.submit(JobKind.VIDEO, request, str(model), "bench clip")
    spin(lambda: events and (events[-1] not in ("steps",) or events[-1].startswith("failed")))
    generating = beat.phase()
    spin(lambda: events and (events[-1] == "done" or events[-1].startswith("failed")))
    encoding = beat.phase()
    print(f"{args.frames} frames at {args.size}², {args.steps} steps: {events[-1]} in "
          f"{time.perf_counter() - started:.1f} s")
    results = [report("load, denoise, decode", generating), report("encode + commit", encoding)]
    watched.close()
    print("overall:", verdict(all(results)))


if __name__ == "__main__":
    main()
