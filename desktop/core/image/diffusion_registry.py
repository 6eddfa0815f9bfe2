"""Finds image models — diffusers folders and single-file checkpoints — in the data folder and
folders from settings, and among the models other apps keep (the Hugging Face cache,
ComfyUI, A1111...; handed in as Candidates and used in place, never copied)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from desktop.core.errors import ModelFileError
from desktop.core.json_files import read_object
from desktop.core.model_registry import FOLDER, Candidate, ModelProblem, find_files, human_size, source_note

FAMILIES = {
    "StableDiffusionPipeline": "SD 1.x/2.x", "StableDiffusionXLPipeline": "SDXL",
    "LatentConsistencyModelPipeline": "LCM", "StableDiffusionInpaintPipeline": "SD inpainting",
    "StableDiffusionXLInpaintPipeline": "SDXL inpainting",
}


@dataclass(frozen=True)
class ImageModelInfo:
    path: str
    name: str
    size_bytes: int
    family: str
    source: str

    @property
    def label(self) -> str:
        return f"{self.name} · {self.family} · {human_size(self.size_bytes)}{source_note(self.source)}"


def inspect(folder: str | Path, source: str = FOLDER, name: str = "") -> ImageModelInfo:
    """A diffusers folder or a single-file checkpoint. Raises ModelFileError for a damaged
    .safetensors file, OSError or ValueError for anything else that is not a model. `name`,
    when given, is how the app that keeps the model calls it."""
    folder = Path(folder)
    if folder.is_file():
        info = _inspect_single_file(folder, source)
        return replace(info, name=name) if name else info
    index = read_object(folder / "model_index.json")
    pipeline = index.get("_class_name") if isinstance(index.get("_class_name"), str) else ""
    size = sum(p.stat().st_size for p in folder.rglob("*.safetensors"))
    if not name and folder.parent.name == "snapshots":  # Hugging Face cache: models--owner--name/snapshots/<rev>
        name = folder.parent.parent.name.removeprefix("models--").replace("--", "/")
    family = FAMILIES.get(pipeline, pipeline or "diffusers")
    return ImageModelInfo(str(folder.resolve()), name or folder.name, size, family, source)


def _inspect_single_file(path: Path, source: str) -> ImageModelInfo:
    from desktop.core.image.single_file_models import describe_checkpoint

    info = describe_checkpoint(path)
    if info is None:
        raise ValueError(f"{path.name} is not a Stable Diffusion checkpoint")
    return ImageModelInfo(str(path.resolve()), path.stem, path.stat().st_size, f"{info['family']} single file", source)


def _single_files(folder: Path) -> list[Path]:
    """Checkpoint files that are not part of a diffusers / transformers folder."""
    return [p for p in find_files(folder, "*.safetensors")
            if not (p.parent / "config.json").exists()
            and not any((parent / "model_index.json").exists() for parent in p.parents)]


def scan(folders: list[Path], found: Iterable[Candidate] = ()) -> tuple[list[ImageModelInfo], list[ModelProblem]]:
    """The app's own folders first, then `found`: a model listed twice keeps its own source."""
    candidates: list[Candidate] = []
    for folder in folders:
        if folder.is_dir():
            candidates += [Candidate(str(index.parent), FOLDER) for index in find_files(folder, "model_index.json")]
            candidates += [Candidate(str(path), FOLDER) for path in _single_files(folder)]
    models, problems, seen = [], [], set()
    for candidate in [*candidates, *found]:
        path = Path(candidate.path)
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        try:
            info = inspect(path, candidate.source, candidate.name)
        except ModelFileError as exc:  # a damaged or cut-short .safetensors: say why it is not listed
            problems.append(ModelProblem(str(path), str(exc)))
            continue
        except (OSError, ValueError, KeyError) as exc:
            if path.is_dir():
                problems.append(ModelProblem(str(path), f"unreadable model_index.json: {exc}"))
            continue  # a .safetensors that is not a checkpoint (LoRA, upscaler...) is simply not listed
        if candidate.source != FOLDER and path.is_file():
            # Kept as the app lists it: a Hugging Face cache link keeps the .safetensors name the
            # loader needs, its blob (named by hash) does not.
            info = replace(info, path=os.path.abspath(path))
        models.append(info)
    return models, problems


def config_folders(folders: list[Path], found: Iterable[Candidate] = ()) -> list[Path]:
    """Diffusers folders on this machine whose configuration a single file can borrow."""
    models, _ = scan(folders, found)
    return [Path(m.path) for m in models if Path(m.path).is_dir()]
