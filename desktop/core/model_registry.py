"""What every studio's model discovery shares: where a model was found (its source), the
problems a scan reports instead of raising, folder walking that follows links without
looping, and sizes written for people. The studios' own registries (GGUF in core/text,
diffusers and upscalers in core/image, voices in core/audio) build on it.

Models other apps keep (the Hugging Face cache, LM Studio, Ollama, ComfyUI...) are found
by desktop/core/models/discovery.py, one way for every studio; desktop/model_sources.py
hands each registry its share as Candidates, so no studio walks those stores itself (and
no studio imports core/models)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BUILTIN, FOLDER, ADDED = "built-in", "folder", "added"
# Where the app's own models come from; any other source names the app that keeps the model.
OWN_SOURCES = frozenset({BUILTIN, FOLDER, ADDED})


def human_size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.2f} GB" if unit == "GB" else f"{n / scale:.0f} {unit}"
    return f"{n} B"


def source_note(source: str) -> str:
    """" · LM Studio" for a model another app keeps, shown in its label; nothing for the
    app's own, which is what a person expects to see there."""
    return "" if source in OWN_SOURCES else f" · {source}"


@dataclass(frozen=True)
class ModelProblem:
    path: str
    message: str


@dataclass(frozen=True)
class Candidate:
    """A model another app keeps, for a registry to inspect where it is. `path` is what the
    loader opens (inside the Hugging Face cache the snapshot's link, which keeps the file's
    name and extension); `source` names the app; `name` is how that app calls the model ("" to
    let the registry name it from the file); `projector` is a GGUF's vision projector kept
    beside it, if any."""
    path: str
    source: str
    name: str = ""
    projector: str = ""


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
