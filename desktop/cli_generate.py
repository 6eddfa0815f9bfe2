"""The `generate` commands: the same pipelines as the window, headless, recording into the
same library (opened, with the same start-up recovery, by cli_library.open_library)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from desktop.cli_library import open_library
from desktop.core.jobs import JobKind, Studio


def generate_text(args) -> int:
    from desktop import settings as settings_io
    from desktop.core.text import builtin_models
    from desktop.core.text.text_request import CHAT, COMPLETION, ChatMessage, Sampling, TextRequest
    from desktop.pipeline.text_job import run_text_job

    settings = settings_io.load()
    model = args.model or builtin_models.gemma_path()
    if model is None:
        print("No model given and the built-in model package is not installed: pass --model FILE.gguf",
              file=sys.stderr)
        return 2
    library = open_library(args.data_dir)
    if library is None:
        return 1
    sampling = Sampling(temperature=args.temperature, top_p=args.top_p, top_k=args.top_k,
                        repeat_penalty=args.repeat_penalty, max_tokens=args.max_tokens,
                        seed=args.seed, stop=args.stop)
    if args.chat:
        messages = ([ChatMessage("system", args.system)] if args.system else []) + [ChatMessage("user", args.prompt)]
        request = TextRequest(mode=CHAT, messages=messages, sampling=sampling)
    else:
        request = TextRequest(mode=COMPLETION, prompt=args.prompt, sampling=sampling)
    job = _job(JobKind.TEXT, request, model, Studio.TEXT, settings, library, threads=args.threads, context=args.ctx)

    def stream(progress) -> None:
        _say_waiting(progress)
        if progress.text:
            sys.stdout.write(progress.text)
            sys.stdout.flush()

    outcome, code = _run_job(run_text_job, job, library, settings, stream, streamed=True)
    if outcome is None:
        return code
    sys.stdout.write("\n")
    result = outcome.result
    print(f"[generation {outcome.generation_id} · {result.completion_tokens} tokens · "
          f"{result.tokens_per_s:.1f} tok/s · seed {result.seed}]", file=sys.stderr)
    return 0


def generate_image(args) -> int:
    from desktop import settings as settings_io
    from desktop.core.image.image_request import ImageRequest
    from desktop.pipeline.image_job import run_image_job

    settings = settings_io.load()
    opened = open_image_and_library(args)
    if opened is None:
        return 1
    init, library = opened
    request = ImageRequest(prompt=args.prompt, negative=args.negative, steps=args.steps,
                           guidance=args.guidance, width=args.width, height=args.height, seed=args.seed,
                           batch=args.batch, scheduler=args.scheduler, init_image=init,
                           strength=args.strength, previews=False, decoder=getattr(args, "decoder", "auto"),
                           runtime=getattr(args, "runtime", "auto"))
    job = _job(JobKind.IMAGE, request, args.model, Studio.IMAGE, settings, library, threads=args.threads,
               precision=args.precision, found=_other_apps_for_image(args.model, settings))
    outcome, code = _run_job(run_image_job, job, library, settings, _say_converting)
    if outcome is None:
        return code
    for item in outcome.items:
        print(item.path)
        print(f"[generation {item.generation_id} · seed {item.seed} · {_made_with(item)} · {item.seconds:.1f} s]",
              file=sys.stderr)
    notes = [n for item in outcome.items for n in item.notes]
    if any(item.tiny_missing for item in outcome.items) and not any("TAESD" in n for n in notes):
        notes.append("A few-step image decodes several times faster with TAESD: "
                     "`atelier models download taesd` (or taesdxl for SDXL models)")
    for note in dict.fromkeys(notes):  # once, not per image
        print(f"[{note}]", file=sys.stderr)
    return 0


def _say_converting(progress) -> None:
    """A faster runtime's first conversion of a model takes a while: each stage on stderr."""
    _say_waiting(progress)
    if progress.unit == "conversion":
        print(f"[{progress.message}]", file=sys.stderr, flush=True)


def _made_with(item) -> str:
    """“bf16 · TAESD decoder · PyTorch”: what made the image (also in its row and metadata)."""
    from desktop.core.image import runtime_choice

    decoder = "TAESD decoder" if item.decoder == "tiny" else "full VAE"
    return f"{item.precision} · {decoder} · {runtime_choice.display_name(item.runtime)}"


def generate_audio(args) -> int:
    from desktop import settings as settings_io
    from desktop.core.audio.audio_request import MusicRequest, SpeechRequest
    from desktop.pipeline.audio_job import run_audio_job

    settings = settings_io.load()
    if args.modality == "speech":
        request = SpeechRequest(args.text, length_scale=args.length_scale, noise_scale=args.noise_scale,
                                noise_w=args.noise_w, speaker=args.speaker, seed=args.seed, file_format=args.format)
        model = _find_voice(args.voice, [args.data_dir or settings.resolved_data_dir(), *settings.model_dirs], settings)
    else:
        request = MusicRequest(args.prompt, duration_s=args.duration, guidance=args.guidance,
                               temperature=args.temperature, seed=args.seed, file_format=args.format)
        model = str(args.model)
    if model is None:
        print(f"No voice named “{args.voice}” was found; give a path to a Piper .onnx voice or a VITS folder.",
              file=sys.stderr)
        return 1
    library = open_library(args.data_dir)
    if library is None:
        return 1
    job = _job(JobKind.AUDIO, request, model, Studio.AUDIO, settings, library, threads=args.threads)

    def report(progress) -> None:
        _say_waiting(progress)
        if progress.unit == "sentences":
            print(f"[{progress.message}]", file=sys.stderr)
    outcome, code = _run_job(run_audio_job, job, library, settings, report)
    if outcome is None:
        return code
    made = outcome.audio
    print(outcome.path)
    seed = f" · seed {made.seed}" if made.seed is not None else ""
    print(f"[generation {outcome.generation_id} · {made.duration_s:.1f} s of audio in {made.seconds:.1f} s{seed}]",
          file=sys.stderr)
    for note in made.notes:
        print(f"[{note}]", file=sys.stderr)
    return 0


def _job(kind, request, model, studio, settings, library, **overrides):
    """A job as the window would queue it: its items show in the studio it stands for, and
    its engine options come from the same function (a flag overrides its setting)."""
    from desktop.core.jobs import Job, JobOrigin
    from desktop.job_options import engine_options

    options = engine_options(settings, library.layout.models, **overrides)
    return Job(kind, request, str(model), JobOrigin(studio), options,
               title=f"{studio.value} (command line)")


def _other_apps_for_image(model, settings) -> tuple:
    """A single-file model borrows a configuration, maybe from another app's diffusers model
    (the window keeps its last scan; a command scans only when it needs to); previews are off."""
    if not Path(model).is_file():
        return ()
    from desktop.model_sources import discover_other_apps

    return tuple(discover_other_apps(settings.other_app_dirs, settings.hidden_models).image())


def _say_waiting(progress) -> None:
    if progress.unit == "waiting":
        print(f"[{progress.message}]", file=sys.stderr, flush=True)


def _run_job(runner, job, library, settings, progress=_say_waiting, streamed: bool = False):
    """The one way a command runs a job: Ctrl+C cancels it (like the Stop button: at the next
    token, step or sentence), failures become messages, and the model and library are closed
    after. `streamed`: text went to stdout, so a message starts on a new line. Returns
    (outcome, 0), or (None, exit code)."""
    from desktop.core import hardware
    from desktop.core.error_text import describe
    from desktop.core.errors import Cancelled
    from desktop.core.jobs import JobState
    from desktop.core.model_cache import ModelCache
    from desktop.pipeline.store_access import DirectStore

    previous_handler = signal.signal(signal.SIGINT, lambda *_: job.cancel.set())
    cache = ModelCache(hardware.memory_budget_bytes(settings.memory_budget_mib))
    job.state = JobState.RUNNING
    try:
        outcome = runner(job, cache, DirectStore(library), progress)
        job.state = JobState.FINISHED
        return outcome, 0
    except Cancelled as stopped:
        job.state = JobState.CANCELLED
        # A stopped batch keeps the images it finished: their paths go to stdout as usual.
        kept = getattr(stopped.kept, "items", None) or []
        for item in kept:
            print(item.path)
        message = f"[cancelled; {len(kept)} finished kept]" if kept else "[cancelled]"
        print(f"\n{message}" if streamed else message, file=sys.stderr)
        return None, 130
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        job.state, job.error = JobState.FAILED, describe(exc)
        print(f"\n{job.error}" if streamed else job.error, file=sys.stderr)
        return None, 1
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        cache.clear()
        library.close()


def _find_voice(voice: str, data_dirs: list, settings=None) -> str | None:
    """A path as given, else a voice of that name among the built-in and the model folders,
    else among the voices other apps keep (as the window lists them: their standard places,
    the settings' other_app_dirs, hidden ones left out; walked only when needed)."""
    from desktop.core.audio import audio_registry
    from desktop.paths import DataLayout

    if not voice:
        builtin = audio_registry.builtin_voice()
        return str(builtin) if builtin is not None else None
    if Path(voice).expanduser().exists():
        return str(Path(voice).expanduser())
    folders = [DataLayout(Path(data_dirs[0])).models, *[Path(p).expanduser() for p in data_dirs[1:]]]
    found, _problems = audio_registry.scan(folders)
    named = next((info.path for info in found if info.is_speech and info.name == voice), None)
    if named is not None or settings is None:
        return named
    from desktop.model_sources import discover_other_apps

    others = discover_other_apps(settings.other_app_dirs, settings.hidden_models)
    found, _problems = audio_registry.scan([], others.audio())
    return next((info.path for info in found if info.is_speech and info.name == voice), None)


def open_image_and_library(args):
    """The image prompt (`--init-image`, if given) and the library for an image or video
    command: (image or None, library), or None after saying what is wrong."""
    from desktop.core.error_text import describe

    try:
        init = _open_image(args.init_image) if args.init_image else None
    except Exception as exc:  # noqa: BLE001 - a bad init image gets a message
        print(describe(exc), file=sys.stderr)
        return None
    library = open_library(args.data_dir)
    return None if library is None else (init, library)


def _open_image(path: Path):
    from desktop.core.image.image_files import open_image

    return open_image(path)
