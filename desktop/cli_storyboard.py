"""`python main.py storyboard "PREMISE" --scenes N --image-model M [--video-model V
[--motion-adapter A]] [--voice V] [--music-model M] [--seed S] [--data-dir DIR]`: the Story
studio headless. The built-in model writes the scenes (and the music prompt), the storyboard
runs as in the window (desktop/pipeline/storyboard_run.py), each piece is reported on stderr as
it is committed, and stdout gets the final video's path. Ctrl+C stops at the next step, keeps
the finished pieces (the storyboard is saved: the Story studio opens it to finish it) and says
what is missing.

desktop/cli.py registers it: `add_parser(commands, below)` and "storyboard": storyboard_command."""

from __future__ import annotations

import argparse
import random
import signal
import sys
import threading
from pathlib import Path

from desktop.core.jobs import JobKind, Studio


def add_parser(commands, parents: list) -> argparse.ArgumentParser:
    from desktop.core.precision import PRECISIONS

    story = commands.add_parser("storyboard", help="a narrated illustrated story from a premise: scenes written by "
                                "the built-in model, an image (and clip) and narration per scene, one final video",
                                parents=parents)
    story.add_argument("premise", help="what the story is about, in a sentence")
    story.add_argument("--scenes", type=int, default=4, help="how many scenes (1–12; default 4)")
    story.add_argument("--image-model", type=Path, required=True,
                       help="diffusers model folder, or a single-file .safetensors checkpoint")
    story.add_argument("--video-model", type=Path, default=None,
                       help="optional: animate each scene's image (a Stable Diffusion 1.5 folder with "
                            "--motion-adapter, or a Stable Video Diffusion folder)")
    story.add_argument("--motion-adapter", type=Path, default=None, help="AnimateDiff motion adapter for --video-model")
    story.add_argument("--voice", default="", help="narrator: a voice name or path (default: the built-in "
                       "en_US-joe-medium)")
    story.add_argument("--music-model", type=Path, default=None, help="optional: a MusicGen folder for a music bed")
    story.add_argument("--seed", type=int, default=-1, help="-1 for random (the seed used is printed)")
    story.add_argument("--width", type=int, default=512)
    story.add_argument("--height", type=int, default=512)
    story.add_argument("--steps", type=int, default=20, help="image steps")
    story.add_argument("--guidance", type=float, default=7.0, help="image guidance")
    story.add_argument("--clip-frames", type=int, default=16)
    story.add_argument("--clip-steps", type=int, default=20)
    story.add_argument("--fps", type=int, default=8)
    story.add_argument("--threads", type=int, default=0, help="CPU threads (default: physical cores)")
    story.add_argument("--precision", choices=PRECISIONS, default=None,
                       help="auto, fp32, bf16 or fp16 (CUDA); default: from settings")
    return story


def storyboard_command(args) -> int:
    from desktop import settings as settings_io
    from desktop.cli_generate import _find_voice, _job, _run_job
    from desktop.cli_library import open_library
    from desktop.core.errors import Cancelled, UserFacingError
    from desktop.pipeline.storyboard import StoryModels, StoryScene, Storyboard
    from desktop.pipeline.storyboard_run import StoryboardRequest, run_storyboard

    settings = settings_io.load()
    voice = _find_voice(args.voice, [args.data_dir or settings.resolved_data_dir(), *settings.model_dirs], settings)
    if voice is None:
        print(f"No voice named “{args.voice}” was found; give a path to a Piper .onnx voice or a VITS folder.",
              file=sys.stderr)
        return 1
    seed = args.seed if args.seed >= 0 else random.randrange(2**31 - 1000)
    try:
        scenes, music_prompt = _write(args.premise, args.scenes, seed, bool(args.music_model), args.threads)
    except Cancelled:
        print("[cancelled]", file=sys.stderr)
        return 130
    except UserFacingError as exc:
        print(exc, file=sys.stderr)
        return 1
    for number, scene in enumerate(scenes, 1):
        print(f"[scene {number}: {scene.title} | {scene.image_prompt} | {scene.narration}]", file=sys.stderr)
    if music_prompt:
        print(f"[music: {music_prompt}]", file=sys.stderr)
    models = StoryModels(image=str(args.image_model), voice=str(voice),
                         video=str(args.video_model) if args.video_model else "",
                         motion_adapter=str(args.motion_adapter) if args.motion_adapter else "",
                         music=str(args.music_model) if args.music_model else "")
    board = Storyboard(args.premise, [StoryScene(s.title, s.image_prompt, s.narration) for s in scenes], models,
                       seed=seed, width=args.width, height=args.height, steps=args.steps, guidance=args.guidance,
                       clip_frames=args.clip_frames, clip_steps=args.clip_steps, fps=args.fps,
                       music_prompt=music_prompt)
    library = open_library(args.data_dir)
    if library is None:
        return 1
    job = _job(JobKind.STORYBOARD, StoryboardRequest(board), "", Studio.STORY, settings, library,
               threads=args.threads, precision=args.precision or "")
    stopped: dict = {}

    def runner(job, cache, store, progress):
        try:
            return run_storyboard(job, cache, store, progress)
        except Cancelled as cancelled:
            stopped["kept"] = cancelled.kept
            raise

    outcome, code = _run_job(runner, job, library, settings, _report)
    if outcome is None:
        kept = stopped.get("kept")
        if kept is not None:
            print(f"[storyboard {kept.board.id} kept {len(kept.made)} finished pieces; missing: "
                  f"{', '.join(kept.missing)}. Open it in the Story studio to finish it]", file=sys.stderr)
        return code
    print(outcome.path)
    print(f"[storyboard {outcome.board.id} · generation {outcome.final.generation_id} · {len(scenes)} scenes · "
          f"{outcome.final.duration_s:.1f} s · seed {seed}]", file=sys.stderr)
    return 0


def _write(premise: str, n: int, seed: int, music: bool, threads: int):
    """The scenes (and a music prompt when there is music), written by the built-in model the
    way the window's prompt writer does; Ctrl+C stops it. UserFacingError when it is missing."""
    from desktop.core import hardware
    from desktop.core.errors import UserFacingError
    from desktop.core.text import builtin_models, prompt_writing
    from desktop.core.text.llama_engine import LlamaTextEngine
    from desktop.core.text.prompt_completer import N_CTX, NOT_INSTALLED, EngineCompleter

    path = builtin_models.gemma_path()
    if path is None:
        raise UserFacingError(NOT_INSTALLED)
    cancel = threading.Event()
    previous = signal.signal(signal.SIGINT, lambda *_: cancel.set())
    engine = LlamaTextEngine(path, n_ctx=N_CTX, n_threads=hardware.threads_from_setting(threads))
    try:
        complete = EngineCompleter(engine, cancel)
        scenes = prompt_writing.write_scenes(complete, premise, n, seed)
        music_prompt = prompt_writing.prompt_from_text(complete, premise, prompt_writing.MUSIC, seed) if music else ""
        return scenes, music_prompt
    finally:
        engine.close()
        signal.signal(signal.SIGINT, previous)


def _report(progress) -> None:
    """Each piece on stderr as it is committed (its path), and any wait for the library."""
    from desktop.cli_generate import _say_waiting

    _say_waiting(progress)
    for made in progress.pieces:
        where = f"scene {made.scene + 1} {made.piece}" if made.scene is not None else made.piece
        print(f"[{progress.done}/{progress.total} {where}: {made.path}]", file=sys.stderr, flush=True)
