"""Command line: `python main.py` opens the window; `python main.py generate text "..."`
runs the same core headless and records into the same library. The options and the
dispatch are here; the commands are in cli_generate.py and cli_library.py."""

from __future__ import annotations

import argparse
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


def image_speed_options(top_level: bool) -> argparse.ArgumentParser:
    """--decoder, --runtime and --precision of `generate image`, taken before the modality
    (`generate --decoder tiny image …`) or after it. Both levels leave them out unless given
    (SUPPRESS), so neither position undoes the other; a modality's own --precision (video's)
    would, so before the modality it is kept apart (generate_precision) and merged in main().
    Without any, a few-step run on a CPU takes the fast path by itself ("auto")."""
    from desktop.core.image.decoder_choice import DECODERS
    from desktop.core.image.runtime_choice import RUNTIMES
    from desktop.core.precision import PRECISIONS

    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--decoder", choices=DECODERS, default=argparse.SUPPRESS,
                         help="final decoder: tiny (TAESD: fast, a little softer), full (the model's VAE), or auto "
                              "(default: tiny for a 1–4-step run or a few-step model on a CPU when TAESD is "
                              "installed)")
    options.add_argument("--runtime", choices=RUNTIMES, default=argparse.SUPPRESS,
                         help="what computes the UNet and decoder: torch, an optional faster runtime (installed "
                              "as an extra; falls back to torch), or auto (default: the fastest one installed)")
    if top_level:
        options.add_argument("--precision", dest="generate_precision", choices=PRECISIONS, default=None,
                             help="number format (image and video): auto, fp32, bf16 or fp16 (CUDA)")
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
    generate = commands.add_parser("generate", help="generate without the window",
                                   parents=[*below, image_speed_options(top_level=True)])
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

    image = modalities.add_parser("image", help="make an image with a diffusers model folder",
                                  parents=[*below, image_speed_options(top_level=False)])
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

    from desktop import cli_video

    cli_video.add_video_parser(modalities, below)

    check = commands.add_parser("check", help="check the library (the same report as the window's start-up "
                                "check); with --repair, fix what it found", parents=below)
    check.add_argument("--repair", action="store_true",
                       help="repair: items whose file is gone are marked failed, stray files go to lost+found")

    from desktop import cli_models, cli_storyboard

    cli_models.add_parser(commands, below)
    cli_storyboard.add_parser(commands, below)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verbose:
        from desktop.core.text import llama_logs

        llama_logs.echo_to_stderr = True
    if args.command is None:
        from desktop import app

        return app.run(args.data_dir, startup_report=args.startup_report)
    if args.command == "models":
        from desktop import cli_models

        return cli_models.run(args)
    from desktop import cli_generate, cli_library, cli_storyboard, cli_video

    commands = {"export": cli_library.export_command, "import": cli_library.import_command,
                "check": cli_library.check_command, "storyboard": cli_storyboard.storyboard_command}
    if args.command in commands:
        return commands[args.command](args)
    if args.modality not in ("image", "video") and getattr(args, "generate_precision", None):
        build_parser().error("--precision is an option of generate image and generate video")
    if args.modality != "image" and {"decoder", "runtime"} & set(vars(args)):
        build_parser().error("--decoder and --runtime are options of generate image")
    if getattr(args, "precision", None) is None and getattr(args, "generate_precision", None):
        args.precision = args.generate_precision  # given before the modality
    modalities = {"text": cli_generate.generate_text, "image": cli_generate.generate_image,
                  "speech": cli_generate.generate_audio, "music": cli_generate.generate_audio,
                  "video": cli_video.generate_video}
    return modalities[args.modality](args)
