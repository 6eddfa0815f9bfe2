"""Finds GGUF models: the data folder, folders from settings, single files the person
added, the built-in ones, and the GGUFs other apps keep (LM Studio, Ollama, the Hugging Face
cache...; handed in as Candidates and used in place, never copied)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from desktop.core.errors import ModelFileError
from desktop.core.model_registry import (ADDED, BUILTIN, FOLDER, OWN_SOURCES, Candidate, ModelProblem, find_files,
                                         human_size, source_note)
from desktop.core.text import builtin_models
from desktop.core.text.gguf_header import read_header

# GGUF files of diffusion models (ComfyUI-GGUF's IMG_ARCH_LIST in city96/ComfyUI-GGUF loader.py):
# FLUX, SD, video models quantized for ComfyUI. llama.cpp cannot run them; they are not text models.
DIFFUSION_ARCHITECTURES = frozenset({"flux", "sd1", "sdxl", "sd3", "aura", "hidream", "cosmos", "ltxv", "hyvid",
                                     "wan", "lumina2", "qwen_image"})


@dataclass(frozen=True)
class ModelInfo:
    path: str
    name: str
    size_bytes: int
    quantization: str
    context_length: int | None
    architecture: str
    has_chat_template: bool
    source: str
    projector: str = ""  # a vision projector (mmproj) the source app keeps beside the model

    @property
    def label(self) -> str:
        size = human_size(self.size_bytes)
        ctx = f"{self.context_length // 1024}k ctx" if self.context_length else "ctx ?"
        kind = "chat" if self.has_chat_template else "base"
        return f"{self.name} · {self.quantization} · {size} · {ctx} · {kind}{source_note(self.source)}"


def inspect(path: str | Path, source: str = ADDED, name: str = "") -> ModelInfo:
    """Read a GGUF header into a ModelInfo; raises ModelFileError with a clear reason.
    `name` replaces the header's name (Ollama's blobs are known by their tag, not their file)."""
    header = read_header(path)
    return ModelInfo(
        path=str(Path(path).resolve()), name=name or header.name, size_bytes=header.file_size,
        quantization=header.quantization, context_length=header.context_length,
        architecture=header.architecture, has_chat_template=header.chat_template is not None,
        source=source,
    )


def candidate_files(folders: list[Path], files: list[Path], include_builtin: bool = True,
                    found: Iterable[Candidate] = ()) -> list[tuple[Path, Candidate]]:
    """Every GGUF to inspect, the app's own first (so a file listed twice keeps its own source)."""
    own: list[tuple[Path, str]] = []
    if include_builtin:
        own += [(p, BUILTIN) for p in builtin_models.builtin_text_models()]
    for folder in folders:
        if folder.is_dir():
            own += [(p, FOLDER) for p in find_files(folder, "*.gguf")]
    own += [(Path(f), ADDED) for f in files]
    return [(p, Candidate(str(p), source)) for p, source in own] + [(Path(c.path), c) for c in found]


def scan(folders: list[Path], files: list[Path] = (), include_builtin: bool = True,
         found: Iterable[Candidate] = ()) -> tuple[list[ModelInfo], list[ModelProblem]]:
    """Inspect every candidate once (by resolved path); bad files become problems and GGUFs
    of diffusion models are left out."""
    models, problems, seen = [], [], set()
    for path, candidate in candidate_files(list(folders), list(files), include_builtin, found):
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        if _is_split_part(path):
            continue  # llama.cpp loads split models from their first part only
        try:
            info = inspect(path, candidate.source, candidate.name)
        except ModelFileError as exc:
            problems.append(ModelProblem(str(path), str(exc)))
            continue
        if info.architecture in DIFFUSION_ARCHITECTURES:
            continue  # an image model quantized for ComfyUI: the Image studio's business, not llama.cpp's
        if candidate.source not in OWN_SOURCES:
            # Kept as the app lists it: a Hugging Face cache link keeps its file name, its blob does not.
            info = replace(info, path=os.path.abspath(candidate.path), projector=candidate.projector)
        models.append(info)
    return models, problems


def _is_split_part(path: Path) -> bool:
    stem = path.stem
    return "-of-" in stem and not stem.rsplit("-of-", 1)[0].endswith("00001")
