"""Finds Real-ESRGAN upscalers among .safetensors files by their tensor names (read from
the file's JSON header only, never the weights)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.model_registry import FOLDER, ModelProblem, find_files, human_size
from desktop.core.image.safetensors_header import read_header, shape_dim

REQUIRED_KEYS = ("conv_first.weight", "body.0.rdb1.conv1.weight", "conv_last.weight")


@dataclass(frozen=True)
class UpscalerInfo:
    path: str
    name: str
    size_bytes: int
    scale: int
    source: str = FOLDER

    @property
    def label(self) -> str:
        return f"{self.name} · x{self.scale} · {human_size(self.size_bytes)}"


def inspect(path: str | Path) -> UpscalerInfo:
    """Raises ModelFileError for a damaged .safetensors file, ValueError for one that is
    not a Real-ESRGAN upscaler, OSError when it cannot be read."""
    path = Path(path)
    header = read_header(path)
    if not all(key in header for key in REQUIRED_KEYS):
        raise ValueError(f"{path.name} is not a Real-ESRGAN upscaler")
    in_channels = shape_dim(header["conv_first.weight"], 1)
    scale = {3: 4, 12: 2, 48: 1}.get(in_channels, 4)
    name = re.sub(r"[._-]+", " ", path.stem)
    return UpscalerInfo(str(path.resolve()), name, path.stat().st_size, scale)


def scan(folders: list[Path]) -> tuple[list[UpscalerInfo], list[ModelProblem]]:
    found, problems = [], []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in find_files(folder, "*.safetensors"):
            if (path.parent / "config.json").exists() or any(p.name == "model_index.json" for p in path.parents):
                continue  # parts of diffusers / transformers folders
            try:
                found.append(inspect(path))
            except (ModelFileError, OSError, ValueError):
                continue  # another kind of model: not a problem
    return found, problems
