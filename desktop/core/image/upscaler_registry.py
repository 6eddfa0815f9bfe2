"""Finds Real-ESRGAN upscalers among .safetensors files by their tensor names (read from
the file's JSON header only, never the weights): in the model folders and among the files
other apps keep (ComfyUI's upscale_models, A1111's ESRGAN...; handed in as Candidates)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from desktop.core.errors import ModelFileError
from desktop.core.model_registry import FOLDER, Candidate, ModelProblem, find_files, human_size, source_note
from desktop.core.safetensors_header import read_header, shape_dim

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
        return f"{self.name} · x{self.scale} · {human_size(self.size_bytes)}{source_note(self.source)}"


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


def scan(folders: list[Path], found: Iterable[Candidate] = ()) -> tuple[list[UpscalerInfo], list[ModelProblem]]:
    """Upscalers in the folders, then among `found` (a file listed twice is kept once, as the
    app's own). Other .safetensors files (checkpoints, LoRAs) are not problems: just not listed."""
    found_upscalers, problems, seen = [], [], set()
    candidates = [Candidate(str(path), FOLDER) for folder in folders if folder.is_dir()
                  for path in find_files(folder, "*.safetensors")
                  if not ((path.parent / "config.json").exists()
                          or any(p.name == "model_index.json" for p in path.parents))]  # parts of model folders
    for candidate in [*candidates, *found]:
        key = os.path.realpath(candidate.path)
        if key in seen:
            continue
        seen.add(key)
        try:
            info = inspect(candidate.path)
        except (ModelFileError, OSError, ValueError):
            continue  # another kind of model: not a problem
        if candidate.source != FOLDER:
            info = replace(info, path=os.path.abspath(candidate.path), source=candidate.source)
        found_upscalers.append(info)
    return found_upscalers, problems
