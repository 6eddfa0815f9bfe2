"""Finds diffusers model folders: the data folder, folders from settings, and the
Hugging Face cache (used in place)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.json_files import read_object
from desktop.core.model_registry import FOLDER, HF_CACHE, ModelProblem, find_files, hf_cache_dir, human_size

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
        return f"{self.name} · {self.family} · {human_size(self.size_bytes)}"


def inspect(folder: str | Path, source: str = FOLDER) -> ImageModelInfo:
    """A diffusers folder or a single-file checkpoint. Raises ModelFileError for a damaged
    .safetensors file, OSError or ValueError for anything else that is not a model."""
    folder = Path(folder)
    if folder.is_file():
        return _inspect_single_file(folder, source)
    index = read_object(folder / "model_index.json")
    pipeline = index.get("_class_name") if isinstance(index.get("_class_name"), str) else ""
    size = sum(p.stat().st_size for p in folder.rglob("*.safetensors"))
    name = folder.name
    if folder.parent.name == "snapshots":  # Hugging Face cache: models--owner--name/snapshots/<rev>
        name = folder.parent.parent.name.removeprefix("models--").replace("--", "/")
    return ImageModelInfo(str(folder.resolve()), name, size, FAMILIES.get(pipeline, pipeline or "diffusers"), source)


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


def scan(folders: list[Path], include_hf_cache: bool = True) -> tuple[list[ImageModelInfo], list[ModelProblem]]:
    found: list[tuple[Path, str]] = []
    for folder in folders:
        if folder.is_dir():
            found += [(index.parent, FOLDER) for index in find_files(folder, "model_index.json")]
            found += [(path, FOLDER) for path in _single_files(folder)]
    cache = hf_cache_dir()
    if include_hf_cache and cache.is_dir():
        found += [(index.parent, HF_CACHE) for index in sorted(cache.glob("models--*/snapshots/*/model_index.json"))]
    models, problems, seen = [], [], set()
    for folder, source in found:
        key = os.path.realpath(folder)
        if key in seen:
            continue
        seen.add(key)
        try:
            models.append(inspect(folder, source))
        except ModelFileError as exc:  # a damaged or cut-short .safetensors: say why it is not listed
            problems.append(ModelProblem(str(folder), str(exc)))
        except (OSError, ValueError, KeyError) as exc:
            if folder.is_dir():
                problems.append(ModelProblem(str(folder), f"unreadable model_index.json: {exc}"))
            # a .safetensors that is not a checkpoint (LoRA, upscaler...) is simply not listed
    return models, problems


def config_folders(folders: list[Path]) -> list[Path]:
    """Diffusers folders on this machine whose configuration a single file can borrow."""
    models, _ = scan(folders)
    return [Path(m.path) for m in models if Path(m.path).is_dir()]
