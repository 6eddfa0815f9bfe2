"""`python main.py generate video "PROMPT" --model PATH ...`: the Video studio's pipeline,
headless, recording into the same library as the window; prints the path of the clip it wrote.

desktop/cli.py registers it: `add_video_parser(modalities, below)` beside the other
modalities, and "video": cli_video.generate_video in its dispatch table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli_generate import _job, _run_job, _say_waiting, open_image_and_library
from desktop.core.jobs import JobKind, Studio

FORMATS = ("mp4", "webm", "gif", "webp")


def add_video_parser(modalities, parents: list) -> argparse.ArgumentParser:
    """The `generate video` options (defaults: a CPU-sized clip, 16 frames at 512², MP4)."""
    from desktop.core.precision import PRECISIONS

    video = modalities.add_parser("video", help="make a short clip: AnimateDiff, Stable Video Diffusion or LTX-Video",
                                  parents=parents)
    video.add_argument("prompt", nargs="?", default="",
                       help="what happens (may be empty with --init-image for Stable Video Diffusion)")
    video.add_argument("--model", type=Path, required=True,
                       help="a Stable Diffusion 1.5 folder (with --motion-adapter), or a Stable Video Diffusion "
                            "or LTX-Video folder")
    video.add_argument("--motion-adapter", type=Path, default=None,
                       help="AnimateDiff motion adapter: a MotionAdapter folder or a .safetensors file "
                            "(AnimateDiff-Lightning's get their scheduler and want --guidance 1)")
    video.add_argument("--init-image", type=Path, help="animate this image (image-to-video)")
    video.add_argument("--negative", default="")
    video.add_argument("--frames", type=int, default=16)
    video.add_argument("--fps", type=int, default=8)
    video.add_argument("--width", type=int, default=512)
    video.add_argument("--height", type=int, default=512)
    video.add_argument("--steps", type=int, default=20)
    video.add_argument("--guidance", type=float, default=7.5)
    video.add_argument("--strength", type=float, default=0.8, help="AnimateDiff from an image: how far it may move")
    video.add_argument("--seed", type=int, default=-1, help="-1 for random (the seed used is printed)")
    video.add_argument("--scheduler", default="", help="default: the model's own (Lightning's for Lightning); "
                       "'Euler', 'Euler a', 'DDIM', 'DPM++ 2M', 'LCM', 'Lightning'")
    video.add_argument("--format", choices=FORMATS, default="mp4")
    video.add_argument("--threads", type=int, default=0, help="CPU threads (default: physical cores)")
    video.add_argument("--precision", choices=PRECISIONS, default=None,
                       help="auto, fp32, bf16 or fp16 (CUDA); default: from settings")
    return video


def generate_video(args) -> int:
    from desktop import settings as settings_io
    from desktop.core.video.video_request import VideoRequest
    from desktop.pipeline.video_job import run_video_job

    settings = settings_io.load()
    opened = open_image_and_library(args)
    if opened is None:
        return 1
    init, library = opened
    request = VideoRequest(prompt=args.prompt, negative=args.negative, frames=args.frames, fps=args.fps,
                           width=args.width, height=args.height, steps=args.steps, guidance=args.guidance,
                           seed=args.seed, init_image=init, strength=args.strength, scheduler=args.scheduler,
                           file_format=args.format, previews=False,
                           motion_adapter=str(args.motion_adapter) if args.motion_adapter else "")
    job = _job(JobKind.VIDEO, request, args.model, Studio.VIDEO, settings, library, threads=args.threads,
               precision=args.precision or "")

    def report(progress) -> None:
        _say_waiting(progress)
        if progress.unit == "steps" and progress.done == progress.total:
            print(f"[{progress.total} steps done; decoding and encoding]", file=sys.stderr, flush=True)

    _say_estimate(args.model, request, job.options.precision)
    outcome, code = _run_job(run_video_job, job, library, settings, report)
    if outcome is None:
        return code
    print(outcome.path)
    print(f"[generation {outcome.generation_id} · {outcome.frames} frames at {outcome.fps} fps "
          f"({outcome.duration_s:.1f} s) · seed {outcome.seed} · {outcome.precision} · made in {outcome.seconds:.1f} s]",
          file=sys.stderr)
    for note in outcome.notes:
        print(f"[{note}]", file=sys.stderr)
    return 0


def _say_estimate(model: str, request, precision: str) -> None:
    """What the Video panel shows before a clip starts, on stderr; nothing when it cannot be
    worked out (the job itself then says what is wrong with the model or the request)."""
    from desktop.core.errors import UserFacingError
    from desktop.pipeline.video_estimate import estimate_clip

    try:
        request.validate()
        found = estimate_clip(model, request, precision)
    except (UserFacingError, OSError, ValueError):
        return
    print(f"[{found.text()}]", file=sys.stderr, flush=True)
