"""Image generation through the app's full path (job queue -> inference thread -> engine
-> PNG with metadata -> library commit) against a plain diffusers pipeline call with the
same components, steps, size, seed and threads, interleaved. Also: the cost of per-step
previews, and how long a cancel takes to land.

    python bench/image_speed.py --model DIFFUSERS_FOLDER [--steps 8] [--size 256] [--rounds 3]

Without --model a tiny random-weight SD pipeline is built (noise, but the same work).
Targets: app/plain <= 1.05, previews <= 1.10, cancel <= one step + 100 ms.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, median, run_and_wait, verdict


def plain_call(pipe, args, seed):
    import torch

    started = time.perf_counter()
    pipe(args.prompt, num_inference_steps=args.steps, guidance_scale=args.guidance, width=args.size,
         height=args.size, generator=torch.Generator("cpu").manual_seed(seed))
    return time.perf_counter() - started


def app_call(app, services, model, args, seed, previews=True):
    from desktop.core.image.image_request import ImageRequest
    from desktop.core.jobs import Job, JobKind, JobOrigin, Studio

    request = ImageRequest(prompt=args.prompt, steps=args.steps, guidance=args.guidance, width=args.size,
                           height=args.size, seed=seed, previews=previews)
    return run_and_wait(app, services, Job(JobKind.IMAGE, request, str(model),
                                           JobOrigin(Studio.IMAGE), services.engine_options()))[0]


def cancel_latency(engine, args) -> tuple[float, float]:
    """Seconds from setting the cancel event to the engine returning, and the step time."""
    from desktop.core.errors import Cancelled
    from desktop.core.image.image_request import ImageRequest

    cancel, marks = threading.Event(), []

    def progress(p):
        marks.append(time.perf_counter())
        if p.done == 3:
            threading.Timer(0.5 * (marks[-1] - marks[-2]), cancel.set).start()  # mid-step
    request = ImageRequest(prompt=args.prompt, steps=max(args.steps, 8), guidance=args.guidance,
                           width=args.size, height=args.size, previews=False)
    try:
        engine.generate(request, progress, cancel, seed=1)
    except Cancelled:
        pass
    returned = time.perf_counter()
    step = marks[2] - marks[1]
    return returned - (marks[2] + 0.5 * step), step


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path)
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--guidance", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompt", default="a lighthouse on a cliff at sunset, oil painting")
    args = parser.parse_args()

    import torch
    from diffusers import AutoPipelineForText2Image
    from PySide6.QtCore import QCoreApplication

    from desktop.core import hardware
    from desktop.core.image.diffusion_engine import DiffusionEngine
    from desktop.viewmodels.settings_model import SettingsModel
    from desktop.services import Services
    from desktop.settings import Settings

    model = args.model
    if model is None:
        sys.path.insert(0, str(ROOT / "tests"))
        from tiny_models import write_tiny_sd

        model = write_tiny_sd(Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "tiny-sd")
        print("no --model: using a tiny random-weight SD 1.x pipeline")
    threads = hardware.physical_cores()
    torch.set_num_threads(threads)
    plain = AutoPipelineForText2Image.from_pretrained(model, dtype=torch.float32, use_safetensors=True)
    plain.set_progress_bar_config(disable=True)
    app = QCoreApplication.instance() or QCoreApplication([])
    services = Services(SettingsModel(Settings(cpu_threads=threads)), Path(tempfile.mkdtemp(prefix="atelier-bench-")))
    print(f"model {Path(model).name}, {args.size}x{args.size}, {args.steps} steps, {threads} threads, "
          f"{args.rounds} interleaved rounds")
    try:
        app_call(app, services, model, args, 0)  # load once, outside the timing
        plain_call(plain, args, 0)
        plain_s, app_s, no_preview_s = [], [], []
        for round_ in range(args.rounds):
            seed = 100 + round_
            plain_s.append(plain_call(plain, args, seed))
            app_s.append(app_call(app, services, model, args, seed, previews=True))
            no_preview_s.append(app_call(app, services, model, args, seed, previews=False))
        ratio = median(app_s) / median(plain_s)
        preview_ratio = median(app_s) / median(no_preview_s)
        print(f"plain diffusers {median(plain_s):.3f} s/image, app {median(app_s):.3f} s/image: "
              f"ratio {ratio:.3f} (target <= 1.05) {verdict(ratio <= 1.05)}")
        print(f"previews at every step: {median(app_s):.3f} vs {median(no_preview_s):.3f} s: "
              f"ratio {preview_ratio:.3f} (target <= 1.10) {verdict(preview_ratio <= 1.10)}")
        engine = DiffusionEngine(model, n_threads=threads)
        latency, step = cancel_latency(engine, args)
        print(f"cancel landed {latency * 1000:.0f} ms after the request (one step is {step * 1000:.0f} ms; "
              f"target <= step + 100 ms) {verdict(latency <= step + 0.1)}")
    finally:
        services.shutdown()


if __name__ == "__main__":
    main()
