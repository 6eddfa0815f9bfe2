"""Which models the Video studio can use, found in the app's folders and among the models other
apps keep (handed in as Candidates, used in place):

- motion adapters for AnimateDiff: a folder whose config.json is a MotionAdapter, or a single
  .safetensors file of motion modules (AnimateDiff-Lightning's `*_diffusers.safetensors`);
- AnimateDiff bases: Stable Diffusion 1.x diffusers folders (model_index.json
  StableDiffusionPipeline, a 4-channel UNet with 768-wide cross-attention);
- Stable Video Diffusion folders (model_index.json StableVideoDiffusionPipeline);
- LTX-Video folders (LTXPipeline) — and Wan folders, listed with the problem that this
  version does not run them.

Like the other registries: `inspect(path, source)` describes one; `scan(folders, found)` lists
them and reports problems (damaged files, unreadable configs, pickle-only weights) instead of
raising."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from desktop.core.errors import ModelFileError
from desktop.core.json_files import read_object
from desktop.core.model_registry import FOLDER, Candidate, ModelProblem, find_files, human_size, source_note
from desktop.core.video.video_loading import is_lightning, lightning_steps
from desktop.core.weight_files import PICKLE_SUFFIXES

MOTION_ADAPTER, ANIMATEDIFF_BASE, SVD, LTX = "motion adapter", "AnimateDiff base", "Stable Video Diffusion", "LTX-Video"
PIPELINES = {"StableVideoDiffusionPipeline": SVD, "LTXPipeline": LTX, "LTXImageToVideoPipeline": LTX}
UNSUPPORTED = {"WanPipeline": "Wan 2.1", "WanImageToVideoPipeline": "Wan 2.1", "LTXConditionPipeline": "LTX-Video 0.9.5+",
               "CogVideoXPipeline": "CogVideoX", "HunyuanVideoPipeline": "HunyuanVideo"}


@dataclass(frozen=True)
class VideoModelInfo:
    path: str
    name: str
    kind: str           # MOTION_ADAPTER, ANIMATEDIFF_BASE, SVD or LTX
    size_bytes: int
    source: str
    recommended: tuple = ()  # (name, value) pairs the panel's preset uses: steps, guidance, scheduler...

    @property
    def label(self) -> str:
        return f"{self.name} · {self.kind} · {human_size(self.size_bytes)}{source_note(self.source)}"

    @property
    def family(self) -> str:
        """The engine family that runs it (VideoRequest.validate's limits)."""
        return {MOTION_ADAPTER: "animatediff", ANIMATEDIFF_BASE: "animatediff", SVD: "svd", LTX: "ltx"}[self.kind]


def recommended_settings(kind: str, path: str | Path) -> dict:
    """What a model is meant to run with (the panel's preset; the CLI's defaults stay the CLI's)."""
    if kind == MOTION_ADAPTER and is_lightning(path):
        return {"steps": lightning_steps(path) or 4, "guidance": 1.0, "scheduler": "Lightning", "frames": 16,
                "fps": 8}
    if kind in (MOTION_ADAPTER, ANIMATEDIFF_BASE):
        return {"steps": 20, "guidance": 7.5, "scheduler": "DDIM", "frames": 16, "fps": 8}
    if kind == SVD:
        return {"steps": 25, "guidance": 3.0, "frames": 14, "fps": 7, "width": 1024, "height": 576}
    return {"steps": 40, "guidance": 3.0, "frames": 97, "fps": 24, "width": 704, "height": 480}


def inspect(path: str | Path, source: str = FOLDER, name: str = "") -> VideoModelInfo:
    """One model. Raises ModelFileError (pickle-only, damaged), ValueError / OSError when the
    path is not a video model at all."""
    path = Path(path)
    if path.is_file():
        kind = _single_file_kind(path)
        size = path.stat().st_size
        label = name or path.stem
    else:
        kind = _folder_kind(path)
        size = sum(p.stat().st_size for p in path.rglob("*.safetensors"))
        if size == 0 and any(p.suffix.lower() in PICKLE_SUFFIXES for p in path.rglob("*")):
            raise ModelFileError(f"{path.name} only has pickle-based weights, which Atelier never loads.")
        label = name or _folder_name(path)
    return VideoModelInfo(str(path.resolve()), label, kind, size, source,
                          tuple(recommended_settings(kind, path).items()))


def _folder_name(folder: Path) -> str:
    if folder.parent.name == "snapshots":  # Hugging Face cache: models--owner--name/snapshots/<rev>
        return folder.parent.parent.name.removeprefix("models--").replace("--", "/")
    return folder.name


def _folder_kind(folder: Path) -> str:
    if (folder / "model_index.json").exists():
        index = read_object(folder / "model_index.json")
        pipeline = index.get("_class_name")
        if pipeline in PIPELINES:
            return PIPELINES[pipeline]
        if pipeline in UNSUPPORTED:
            raise ModelFileError(f"{folder.name} is a {UNSUPPORTED[pipeline]} model, which this version of "
                                 "Atelier does not run (it runs LTX-Video 0.9.0–0.9.1).")
        if pipeline == "StableDiffusionPipeline":
            unet = read_object(folder / "unet" / "config.json")
            if unet.get("in_channels") == 4 and unet.get("cross_attention_dim") in (768, None):
                return ANIMATEDIFF_BASE
        raise ValueError(f"{folder.name} is not a video model ({pipeline})")
    if read_object(folder / "config.json").get("_class_name") == "MotionAdapter":
        return MOTION_ADAPTER
    raise ValueError(f"{folder.name} is not a video model")


def _single_file_kind(path: Path) -> str:
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise ModelFileError(f"{path.name} is a pickle-based file, which Atelier never loads: use a .safetensors one.")
    if path.suffix.lower() != ".safetensors":
        raise ValueError(f"{path.name} is not a model file")
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), "pt") as handle:  # reads the header only
            keys = list(handle.keys())
    except (SafetensorError, OSError) as exc:
        raise ModelFileError(f"{path.name} is not a readable .safetensors file ({exc}).") from None
    if any("motion_modules" in key for key in keys):
        return MOTION_ADAPTER
    raise ValueError(f"{path.name} is not a motion adapter")


def _candidates(folder: Path) -> list[Candidate]:
    found = [Candidate(str(index.parent), FOLDER) for index in find_files(folder, "model_index.json")]
    found += [Candidate(str(config.parent), FOLDER) for config in find_files(folder, "config.json")
              if not any((parent / "model_index.json").exists() for parent in config.parents)]
    found += [Candidate(str(p), FOLDER) for p in find_files(folder, "*.safetensors")
              if not (p.parent / "config.json").exists()
              and not any((parent / "model_index.json").exists() for parent in p.parents)]
    return found


def scan(folders: list[Path], found: Iterable[Candidate] = ()) -> tuple[list[VideoModelInfo], list[ModelProblem]]:
    """The app's own folders first, then `found`: a model listed twice keeps its own source."""
    candidates = [c for folder in folders if Path(folder).is_dir() for c in _candidates(Path(folder))]
    models, problems, seen = [], [], set()
    for candidate in [*candidates, *found]:
        path = Path(candidate.path)
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        try:
            info = inspect(path, candidate.source, candidate.name)
        except ModelFileError as exc:
            problems.append(ModelProblem(str(path), str(exc)))
            continue
        except (OSError, ValueError, KeyError) as exc:
            if path.is_dir() and (path / "model_index.json").exists() and "not a video model" not in str(exc):
                problems.append(ModelProblem(str(path), f"unreadable configuration: {exc}"))
            continue  # not a video model: simply not listed
        if candidate.source != FOLDER and path.is_file():
            info = replace(info, path=os.path.abspath(path))  # a cache link keeps the file's name
        models.append(info)
    return models, problems
