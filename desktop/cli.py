"""Command line: `python main.py` opens the window; `python main.py generate text "..."`
runs the same core headless and records into the same library."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from desktop import APP_NAME, __version__


def global_options(top_level: bool) -> argparse.ArgumentParser:
    """Options that every command takes, before or after its name. Below the top level they
    default to SUPPRESS, so a subcommand that does not repeat one keeps the top-level value."""
    options = argparse.ArgumentParser(add_help=False)
    default = (lambda value: value) if top_level else (lambda value: argparse.SUPPRESS)
    options.add_argument("--data-dir", type=Path, default=default(None),
                         help="library folder (default: the platform's data folder)")
    options.add_argument("--verbose", action="store_true", default=default(False),
                         help="also print the engines' own log lines (llama.cpp, diffusers) to stderr")
    return options


def build_parser() -> argparse.ArgumentParser:
    from desktop.core.precision import PRECISIONS

    parser = argparse.ArgumentParser(prog="atelier", description=f"{APP_NAME}: a local generative studio.",
                                     parents=[global_options(top_level=True)])
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--startup-report", action="store_true",
                        help="open the window, print start-up facts as JSON after the first paint, and quit")
    below = [global_options(top_level=False)]
    commands = parser.add_subparsers(dest="command")
    generate = commands.add_parser("generate", help="generate without the window", parents=below)
    modalities = generate.add_subparsers(dest="modality", required=True)

    text = modalities.add_parser("text", help="continue or answer a prompt with a GGUF model", parents=below)
    text.add_argument("prompt")
    text.add_argument("--model", type=Path, help="GGUF file (default: the built-in Gemma 3 270M)")
    text.add_argument("--chat", action="store_true",
                      help="treat the prompt as a chat message (use the model's chat template)")
    text.add_argument("--system", default="", help="system prompt (with --chat)")
    text.add_argument("--max-tokens", type=int, default=256)
    text.add_argument("--seed", type=int, default=-1, help="-1 for random (the seed used is printed)")
    text.add_argument("--temperature", type=float, default=0.8)
    text.add_argument("--top-p", type=float, default=0.95)
    text.add_argument("--top-k", type=int, default=40)
    text.add_argument("--repeat-penalty", type=float, default=1.1)
    text.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    text.add_argument("--threads", type=int, default=0, help="CPU threads (default: physical cores)")
    text.add_argument("--ctx", type=int, default=0, help="context length (default: from settings)")

    export = commands.add_parser("export", help="save a gallery (files, manifests, HTML page)", parents=below)
    export.add_argument("--out", type=Path, required=True, help="a new .zip file or folder")
    export.add_argument("--collection", help="only this collection (default: everything)")
    export.add_argument("--format", choices=("zip", "folder"), default=None,
                        help="default: zip when --out ends in .zip, else folder")

    importer = commands.add_parser("import", help="bring a saved gallery (.zip or folder) into the library",
                                   parents=below)
    importer.add_argument("path", type=Path)
    importer.add_argument("--merge", action="store_true", help="add the gallery's tags, collections and "
                          "favourites to items already in the library (and its rating where they have none)")

    image = modalities.add_parser("image", help="make an image with a diffusers model folder", parents=below)
    image.add_argument("prompt")
    image.add_argument("--model", type=Path, required=True,
                       help="diffusers model folder, or a single-file .safetensors checkpoint")
    image.add_argument("--negative", default="")
    image.add_argument("--steps", type=int, default=20)
    image.add_argument("--guidance", type=float, default=7.0)
    image.add_argument("--width", type=int, default=512)
    image.add_argument("--height", type=int, default=512)
    image.add_argument("--seed", type=int, default=-1, help="-1 for random (the seed used is printed)")
    image.add_argument("--batch", type=int, default=1, help="images to make (seeds seed, seed+1, ...)")
    image.add_argument("--scheduler", default="", help="default: the model's own; e.g. 'Euler a', 'DPM++ 2M', 'LCM'")
    image.add_argument("--init-image", type=Path, help="start from this image (img2img)")
    image.add_argument("--strength", type=float, default=0.75, help="how much of the init image to repaint")
    image.add_argument("--threads", type=int, default=0, help="CPU threads (default: physical cores)")
    image.add_argument("--precision", choices=PRECISIONS, default=None,
                       help="number format: auto, fp32, bf16 or fp16 (CUDA); default: from settings. "
                            "The same seed gives the same pixels with the same precision and device")

    speech = modalities.add_parser("speech", help="speak a text with a Piper or VITS voice", parents=below)
    speech.add_argument("text")
    speech.add_argument("--voice", default="", help="voice name or path (default: the built-in en_US-joe-medium); "
                        "a Piper .onnx file or a VITS / MMS-TTS folder")
    speech.add_argument("--format", choices=("wav", "flac", "ogg"), default="wav")
    speech.add_argument("--length-scale", type=float, default=None, help="> 1 slower, < 1 faster")
    speech.add_argument("--noise-scale", type=float, default=None, help="voice variability (0: deterministic)")
    speech.add_argument("--noise-w", type=float, default=None, help="phoneme length variability")
    speech.add_argument("--speaker", type=int, default=None, help="speaker number (multi-speaker voices)")
    speech.add_argument("--seed", type=int, default=-1, help="for stochastic voices (VITS); -1 for random")
    speech.add_argument("--threads", type=int, default=0, help="CPU threads (default: physical cores)")

    music = modalities.add_parser("music", help="make music with a MusicGen model folder", parents=below)
    music.add_argument("prompt")
    music.add_argument("--model", type=Path, required=True, help="MusicGen model folder (transformers)")
    music.add_argument("--duration", type=float, default=8.0, help="seconds")
    music.add_argument("--guidance", type=float, default=3.0)
    music.add_argument("--temperature", type=float, default=1.0)
    music.add_argument("--seed", type=int, default=-1, help="-1 for random (the seed used is printed)")
    music.add_argument("--format", choices=("wav", "flac", "ogg"), default="wav")
    music.add_argument("--threads", type=int, default=0, help="CPU threads (default: physical cores)")

    check = commands.add_parser("check", help="check the library (the same report as the window's start-up "
                                "check); with --repair, fix what it found", parents=below)
    check.add_argument("--repair", action="store_true",
                       help="repair: items whose file is gone are marked failed, stray files go to lost+found")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verbose:
        from desktop.core import llama_logs

        llama_logs.echo_to_stderr = True
    if args.command is None:
        from desktop import app

        return app.run(args.data_dir, startup_report=args.startup_report)
    if args.command == "export":
        return export_command(args)
    if args.command == "import":
        return import_command(args)
    if args.command == "check":
        return check_command(args)
    if args.modality == "text":
        return generate_text(args)
    if args.modality == "image":
        return generate_image(args)
    if args.modality in ("speech", "music"):
        return generate_audio(args)
    return 2


def generate_text(args) -> int:
    from desktop import settings as settings_io
    from desktop.core import builtin_models, hardware
    from desktop.core.error_text import describe
    from desktop.core.errors import Cancelled
    from desktop.core.jobs import Job
    from desktop.core.model_cache import ModelCache
    from desktop.core.text_request import CHAT, COMPLETION, ChatMessage, Sampling, TextRequest
    from desktop.pipeline.store_access import DirectStore
    from desktop.pipeline.text_job import run_text_job

    settings = settings_io.load()
    model = args.model or builtin_models.gemma_path()
    if model is None:
        print("No model given and the built-in model package is not installed: pass --model FILE.gguf",
              file=sys.stderr)
        return 2
    library = _open_library(args.data_dir)
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
    job = Job("text", request, str(model), title="cli", context={
        "kind": "cli", "n_threads": hardware.threads_from_setting(args.threads or settings.cpu_threads),
        "n_ctx": args.ctx or settings.context_length})
    # Ctrl+C cancels like the Stop button: the engine stops at the next token.
    previous_handler = signal.signal(signal.SIGINT, lambda *_: job.cancel.set())
    cache = ModelCache(hardware.memory_budget_bytes(settings.memory_budget_mib))

    def stream(progress) -> None:
        _say_waiting(progress)
        if progress.text:
            sys.stdout.write(progress.text)
            sys.stdout.flush()

    try:
        outcome = run_text_job(job, cache, DirectStore(library), stream)
    except Cancelled:
        print("\n[cancelled]", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        print(f"\n{describe(exc)}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        cache.clear()
        library.close()
    sys.stdout.write("\n")
    result = outcome.result
    print(f"[generation {outcome.generation_id} · {result.completion_tokens} tokens · "
          f"{result.tokens_per_s:.1f} tok/s · seed {result.seed}]", file=sys.stderr)
    return 0


def generate_image(args) -> int:
    from desktop import settings as settings_io
    from desktop.core import hardware
    from desktop.core.error_text import describe
    from desktop.core.image_request import ImageRequest
    from desktop.core.jobs import Job
    from desktop.pipeline.image_job import run_image_job
    from desktop.store.library import Library

    settings = settings_io.load()
    try:
        init = _open_image(args.init_image) if args.init_image else None
        library = Library(args.data_dir or settings.resolved_data_dir())
    except Exception as exc:  # noqa: BLE001 - a bad init image or library gets a message
        print(describe(exc), file=sys.stderr)
        return 1
    request = ImageRequest(prompt=args.prompt, negative=args.negative, steps=args.steps,
                           guidance=args.guidance, width=args.width, height=args.height, seed=args.seed,
                           batch=args.batch, scheduler=args.scheduler, init_image=init,
                           strength=args.strength, previews=False)
    model_dirs = [str(library.layout.models), *settings.model_dirs]  # configs for single-file models
    job = Job("image", request, str(args.model), title="cli", context={
        "n_threads": hardware.threads_from_setting(args.threads or settings.cpu_threads), "model_dirs": model_dirs,
        "precision": args.precision or settings.image_precision})
    outcome, code = _run_job(run_image_job, job, library, settings)
    if outcome is None:
        return code
    for item in outcome.items:
        print(item.path)
        print(f"[generation {item.generation_id} · seed {item.seed} · {item.precision} · {item.seconds:.1f} s]",
              file=sys.stderr)
    for note in dict.fromkeys(n for item in outcome.items for n in item.notes):  # once, not per image
        print(f"[{note}]", file=sys.stderr)
    return 0


def generate_audio(args) -> int:
    from desktop import settings as settings_io
    from desktop.core import hardware
    from desktop.core.audio_request import MusicRequest, SpeechRequest
    from desktop.core.jobs import Job
    from desktop.pipeline.audio_job import run_audio_job

    settings = settings_io.load()
    if args.modality == "speech":
        request = SpeechRequest(args.text, length_scale=args.length_scale, noise_scale=args.noise_scale,
                                noise_w=args.noise_w, speaker=args.speaker, seed=args.seed, file_format=args.format)
        model = _find_voice(args.voice, [args.data_dir or settings.resolved_data_dir(), *settings.model_dirs])
    else:
        request = MusicRequest(args.prompt, duration_s=args.duration, guidance=args.guidance,
                               temperature=args.temperature, seed=args.seed, file_format=args.format)
        model = str(args.model)
    if model is None:
        print(f"No voice named “{args.voice}” was found; give a path to a Piper .onnx voice or a VITS folder.",
              file=sys.stderr)
        return 1
    library = _open_library(args.data_dir)
    if library is None:
        return 1
    job = Job("audio", request, model, title="cli",
              context={"n_threads": hardware.threads_from_setting(args.threads or settings.cpu_threads)})

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


def _say_waiting(progress) -> None:
    if progress.unit == "waiting":
        print(f"[{progress.message}]", file=sys.stderr, flush=True)


def _run_job(runner, job, library, settings, progress=_say_waiting):
    """Run a job headless: Ctrl+C cancels it, failures become messages, and the model and
    library are closed after. Returns (outcome, 0), or (None, exit code)."""
    from desktop.core import hardware
    from desktop.core.error_text import describe
    from desktop.core.errors import Cancelled
    from desktop.core.model_cache import ModelCache
    from desktop.pipeline.store_access import DirectStore

    previous_handler = signal.signal(signal.SIGINT, lambda *_: job.cancel.set())
    cache = ModelCache(hardware.memory_budget_bytes(settings.memory_budget_mib))
    try:
        return runner(job, cache, DirectStore(library), progress), 0
    except Cancelled:
        print("[cancelled]", file=sys.stderr)
        return None, 130
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        print(describe(exc), file=sys.stderr)
        return None, 1
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        cache.clear()
        library.close()


def _find_voice(voice: str, data_dirs: list) -> str | None:
    """A path as given, else a voice of that name among the built-in and the model folders."""
    from desktop.core import audio_registry
    from desktop.paths import DataLayout

    if not voice:
        builtin = audio_registry.builtin_voice()
        return str(builtin) if builtin is not None else None
    if Path(voice).expanduser().exists():
        return str(Path(voice).expanduser())
    folders = [DataLayout(Path(data_dirs[0])).models, *[Path(p).expanduser() for p in data_dirs[1:]]]
    found, _problems = audio_registry.scan(folders)
    return next((info.path for info in found if info.is_speech and info.name == voice), None)


def _open_image(path: Path):
    from desktop.core.image_files import open_image

    return open_image(path)


def _open_library(data_dir, rebuild_if_damaged: bool = False):
    """The library for a command, after the same recovery as the window's start (only what
    dead processes left is touched), or None after saying why it cannot be opened. With
    rebuild_if_damaged (the person asked for a repair) a damaged database is set aside and
    a fresh one adopts the files."""
    from desktop import settings as settings_io
    from desktop.core.error_text import describe
    from desktop.store.library import Library
    from desktop.store.rebuild import DamagedLibraryError, set_aside_and_rebuild

    data_dir = data_dir or settings_io.load().resolved_data_dir()
    try:
        library = Library(data_dir)
    except DamagedLibraryError as exc:
        if not rebuild_if_damaged:
            print(describe(exc), file=sys.stderr)
            return None
        try:
            library, rebuilt = set_aside_and_rebuild(data_dir)
        except Exception as failure:  # noqa: BLE001 - e.g. another process uses the folder
            print(describe(failure), file=sys.stderr)
            return None
        print(rebuilt.summary())
    except Exception as exc:  # noqa: BLE001 - e.g. a library from a newer Atelier
        print(describe(exc), file=sys.stderr)
        return None
    if library.read_only:
        print(f"[{library.read_only_note()}]", file=sys.stderr)
    else:
        from desktop import logging_setup

        logging_setup.setup(library.layout.logs)  # recovery and engines log to the library's file
    try:
        report = library.recover_after_crash()
    except Exception as exc:  # noqa: BLE001 - e.g. the database is busy: recovery waits for the next start
        print(f"[the start-up recovery did not run: {describe(exc)}]", file=sys.stderr)
    else:
        if report:
            print(f"[{report.summary()}]", file=sys.stderr)
    return library


def export_command(args) -> int:
    from desktop.core.error_text import describe
    from desktop.store.gallery_export import collect, export_gallery

    fmt = args.format or ("zip" if args.out.suffix.lower() == ".zip" else "folder")
    library = _open_library(args.data_dir)
    if library is None:
        return 1
    try:
        entries = collect(library, collection=args.collection)
        title = args.collection or "Atelier gallery"
        result = export_gallery(library, args.out, entries, fmt, title)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        print(describe(exc), file=sys.stderr)
        return 1
    finally:
        library.close()
    print(result.path)
    print(f"[{result.items} items, {result.files} files]", file=sys.stderr)
    return 0


def import_command(args) -> int:
    from desktop.core.error_text import describe
    from desktop.store.gallery_import import import_gallery

    library = _open_library(args.data_dir)
    if library is None:
        return 1
    try:
        result = import_gallery(library, args.path, merge=args.merge)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        print(describe(exc), file=sys.stderr)
        return 1
    finally:
        library.close()
    kept = "merged" if args.merge else "left as they were"
    print(f"{result.imported} imported, {result.duplicates} already in the library ({kept})")
    return 0


def check_command(args) -> int:
    """Print the start-up check's report; exit 0 when the library is intact (or was repaired)."""
    from desktop.core.error_text import describe
    from desktop.store import integrity

    library = _open_library(args.data_dir, rebuild_if_damaged=args.repair)
    if library is None:
        return 1
    try:
        report = integrity.check(library)
        print(report.summary())
        for line in integrity.details(report):
            print(f"  {line}")
        if report.clean or not args.repair:
            return 0 if report.clean else 3
        integrity.repair(library, report)
        after = integrity.check(library)
        print(f"Repaired. {after.summary()}")
        return 0 if after.clean else 3
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message
        print(describe(exc), file=sys.stderr)
        return 1
    finally:
        library.close()
