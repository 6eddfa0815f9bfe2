"""Where a model a person adds (File › Add model…, or a drop on the window) goes: which of the
window's five model lists takes it — text (also the Code studio's), image, upscaler, audio or
video — decided from what the path is, never from where it sits.

`route(path)` reads only what discovery reads (a file's first bytes, a folder's listing and its
small JSON files; desktop/core/models/discovery_folders) and names the lists that may take it,
in order. `add(path, inspectors)` then asks those lists' own `inspect`, which reads the header
and has the last word: a .safetensors file is tried as an upscaler, a motion adapter, then a
Stable Diffusion checkpoint — its tensors decide. Both read the disk: never on the GUI thread.

What is remembered: a single file in settings.model_files, a model folder (diffusers, a
transformers voice) in settings.model_dirs, the folder itself — not its parent, which would
bring in whatever sits beside it (a Downloads folder...), and it shows in Settings › Model
folders, where a person can take it out again. `files_for(studio, model_files)` shares the
remembered files out to the lists' scans by name alone (no disk access: it runs on the GUI
thread when a list refreshes); each list's registry leaves out what is not its kind.

Lives at the package root, like model_sources.py: it joins core/models (discovery) to every
studio's registry, which core's studio packages may not import from one another."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from desktop.core.errors import ModelFileError, UserFacingError
from desktop.core.json_files import read_object
from desktop.core.model_registry import ADDED
from desktop.core.models.discovery_folders import is_gguf, is_projector, scan_tree
from desktop.core.models.discovery_types import AUDIO as AUDIO_HINT
from desktop.core.models.discovery_types import DIFFUSERS, DIFFUSERS_PART, TRANSFORMERS
from desktop.core.models.discovery_walk import Budget, ScanLimits
from desktop.core.text.gguf_registry import DIFFUSION_ARCHITECTURES
from desktop.core.video.video_registry import PIPELINES as VIDEO_PIPELINES
from desktop.core.video.video_registry import UNSUPPORTED as UNSUPPORTED_VIDEO
from desktop.core.weight_files import PICKLE_SUFFIXES

# The window's model lists (desktop/services.py: models, image_models, upscalers, audio_models, video_models).
TEXT, IMAGE, UPSCALER, AUDIO, VIDEO = "text", "image", "upscaler", "audio", "video"

GGUF_SUFFIX, SAFETENSORS_SUFFIX, ONNX_SUFFIX = ".gguf", ".safetensors", ".onnx"
MODEL_SUFFIXES = (GGUF_SUFFIX, SAFETENSORS_SUFFIX, ONNX_SUFFIX)
# Pickles are taken from a drop only to be refused with the reason (a silent ignore would puzzle).
DROPPABLE_SUFFIXES = MODEL_SUFFIXES + PICKLE_SUFFIXES
MOTION_ADAPTER_CLASS = "MotionAdapter"
# A folder's own files only: listing a whole tree to classify its root would be wasted work.
_ROOT_ONLY = ScanLimits(max_depth=0, max_seconds=10.0)

WHAT_ATELIER_LOADS = ("Atelier loads GGUF language models, Stable Diffusion / SDXL checkpoints (.safetensors), "
                      "diffusers folders, Real-ESRGAN upscalers and AnimateDiff motion adapters (.safetensors), "
                      "Piper voices (.onnx with its .onnx.json) and transformers voice or MusicGen folders.")


class ModelRefused(UserFacingError):
    """The path is not a model Atelier can add; the message says why and what to do."""


@dataclass(frozen=True)
class Route:
    """The lists that may take `path` (absolute, links kept: a Hugging Face cache link keeps
    the file name the loaders need), to ask in order; `is_folder` says how it is remembered."""
    path: str
    studios: tuple[str, ...]
    is_folder: bool


@dataclass(frozen=True)
class Added:
    """A model one list's inspect accepted: `info` is that registry's description of it."""
    path: str
    studio: str
    is_folder: bool
    info: object


def route(path: str | Path) -> Route:
    """Which lists may take `path`. Raises ModelRefused naming the file and what to do."""
    path = Path(os.path.abspath(os.path.expanduser(str(path))))
    if not path.exists():
        raise ModelRefused(f"{path} does not exist. Was it moved or deleted?")
    if path.is_dir():
        return Route(str(path), _folder_studios(path), True)
    if path.name.lower().endswith(".onnx.json"):  # a Piper voice chosen by its settings file: the voice
        voice = path.with_name(path.name[:-len(".json")])
        if not voice.is_file():
            raise ModelRefused(f"{path.name} is a Piper voice's settings; add its voice, {voice.name}, which "
                               "must sit beside it.")
        path = voice
    return Route(str(path), _file_studios(path), False)


def _file_studios(path: Path) -> tuple[str, ...]:
    name, suffix = path.name, path.suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        raise ModelRefused(
            f"{name} is a pickle-based file ({suffix}). Loading one can run any code hidden in it, so Atelier "
            "never does. Convert it to .safetensors (or download the .safetensors version the publisher "
            "offers) and add that file.")
    if suffix == ONNX_SUFFIX:
        settings = path.with_name(name + ".json")
        if not settings.is_file():
            raise ModelRefused(
                f"{name} has no {settings.name} beside it. A Piper voice comes as two files: put the "
                f".onnx.json that came with it in the same folder, named {settings.name}, then add the voice again.")
        return (AUDIO,)
    if is_gguf(path):
        if is_projector(name):
            raise ModelRefused(f"{name} is a vision projector, which goes with a language model rather than "
                               "running alone: add the model kept beside it (the projector is found with it).")
        return (TEXT,)
    if suffix == GGUF_SUFFIX:
        return (TEXT,)  # not a GGUF after all: the GGUF reader says how (empty, cut short...)
    if suffix == SAFETENSORS_SUFFIX:
        return (UPSCALER, VIDEO, IMAGE)  # its tensors decide (see add)
    raise ModelRefused(f"{name} is not a model file Atelier can load. {WHAT_ATELIER_LOADS}")


def _folder_studios(folder: Path) -> tuple[str, ...]:
    budget = Budget(_ROOT_ONLY)
    found = [m for m in scan_tree(folder, ADDED, budget) if Path(m.path) == folder]
    model = found[0] if found else None
    if model is not None and model.kind == DIFFUSERS:
        pipeline = _pipeline(folder)
        return (VIDEO,) if pipeline in VIDEO_PIPELINES or pipeline in UNSUPPORTED_VIDEO else (IMAGE,)
    if model is not None and model.kind == DIFFUSERS_PART and model.detail == MOTION_ADAPTER_CLASS:
        return (VIDEO,)
    if model is not None and model.kind == TRANSFORMERS and model.studio == AUDIO_HINT:
        return (AUDIO,)
    if model is not None:
        kind = "diffusers component" if model.kind == DIFFUSERS_PART else "transformers"
        raise ModelRefused(f"{folder.name} is a {kind} folder ({model.detail or 'unknown'}) that no studio runs "
                           f"on its own. {WHAT_ATELIER_LOADS}")
    if budget.problems:
        raise ModelRefused(f"{folder.name} could not be read: {budget.problems[0].message}.")
    raise ModelRefused(_not_a_model_folder(folder))


def _not_a_model_folder(folder: Path) -> str:
    try:
        names = [entry.name.lower() for entry in os.scandir(folder)]
    except OSError as exc:
        return f"{folder.name} could not be read: {exc.strerror or exc}."
    if any(n.endswith(PICKLE_SUFFIXES) for n in names) and not any(n.endswith(SAFETENSORS_SUFFIX) for n in names):
        return (f"{folder.name} only has pickle-based weights, which Atelier never loads (they can run any code "
                "hidden in them). Use a copy of the model with .safetensors weights.")
    if any(n.endswith(MODEL_SUFFIXES) for n in names):
        return (f"{folder.name} holds model files but is not one model. Add the files themselves, or add the "
                "folder under File › Settings › Model folders to use every model in it.")
    return (f"{folder.name} is not a model folder: a diffusers model has a model_index.json, a transformers "
            f"voice or MusicGen model a config.json with .safetensors weights. {WHAT_ATELIER_LOADS}")


def _pipeline(folder: Path) -> str:
    try:
        name = read_object(folder / "model_index.json").get("_class_name")
    except (OSError, ValueError):
        return ""  # the Image list's inspect says what is wrong with it
    return name if isinstance(name, str) else ""


def add(path: str | Path, inspectors: Mapping[str, Callable[[str], object]]) -> Added:
    """Route `path`, then let the lists' inspects decide in order: the first that accepts it
    takes it. A damaged file (ModelFileError) is refused at once with the reader's message;
    "not my kind" (ValueError) passes to the next list. Reads the disk: off the GUI thread."""
    where = route(path)
    refusal: Exception | None = None
    for studio in where.studios:
        try:
            info = inspectors[studio](where.path)
        except ModelFileError:
            raise
        except ValueError as exc:
            refusal = exc
            continue
        if studio == TEXT and getattr(info, "architecture", "") in DIFFUSION_ARCHITECTURES:
            raise ModelRefused(
                f"{Path(where.path).name} is a {info.architecture} image model quantized for ComfyUI, which "
                "llama.cpp cannot run; Atelier's Image studio takes .safetensors checkpoints and diffusers folders.")
        return Added(where.path, studio, where.is_folder, info)
    name = Path(where.path).name
    if where.studios == (UPSCALER, VIDEO, IMAGE):
        raise ModelRefused(
            f"{name} is a .safetensors file but not a model Atelier runs on its own: its tensors are not a "
            "Stable Diffusion / SDXL checkpoint, a Real-ESRGAN upscaler or an AnimateDiff motion adapter "
            "(LoRAs, VAEs and text encoders are parts of a model, not models).")
    raise ModelRefused(f"{name} could not be added: {refusal}")


def files_for(studio: str, paths: list[str | Path]) -> list[Path]:
    """The remembered single files (settings.model_files) a list's scan should look at, told by
    name only: GGUFs (and extension-less files, as Ollama keeps them) for text, .safetensors for
    image, upscaler and video (each registry keeps its own kind), .onnx voices for audio."""
    def suffix(p: Path) -> str:
        return p.suffix.lower()

    paths = [Path(p) for p in paths]
    if studio == TEXT:
        return [p for p in paths if suffix(p) not in (SAFETENSORS_SUFFIX, ONNX_SUFFIX)]
    if studio == AUDIO:
        return [p for p in paths if suffix(p) == ONNX_SUFFIX]
    return [p for p in paths if suffix(p) == SAFETENSORS_SUFFIX]


def looks_droppable(path: str) -> bool:
    """Whether a dropped path is worth routing: a model file by its name, or a folder (one stat,
    no read: a folder that is not a model is refused with the reason once routed)."""
    return bool(path) and (path.lower().endswith(DROPPABLE_SUFFIXES) or os.path.isdir(path))
