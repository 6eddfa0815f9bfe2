"""What every studio's model discovery shares: where a model was found (its source), the
problems a scan reports instead of raising, folder walking that follows links without
looping, the Hugging Face cache's location, and sizes written for people. The studios'
own registries (GGUF in core/text, diffusers and upscalers in core/image, voices in
core/audio) build on it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BUILTIN, FOLDER, ADDED, HF_CACHE = "built-in", "folder", "added", "hugging face cache"


def human_size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.2f} GB" if unit == "GB" else f"{n / scale:.0f} {unit}"
    return f"{n} B"


@dataclass(frozen=True)
class ModelProblem:
    path: str
    message: str


def find_files(folder: Path, pattern: str) -> list[Path]:
    """Files matching `pattern` under `folder`, following symlinked folders (people link
    shared model folders) without looping."""
    import fnmatch

    found, seen = [], set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        found += [Path(root) / f for f in files if fnmatch.fnmatch(f, pattern)]
    return sorted(found)


def hf_cache_dir() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    hf_home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    return Path(hf_home) / "hub"
