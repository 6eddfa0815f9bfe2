"""Finds GGUF models: the data folder, folders from settings, single files the person
added, the built-in ones, and the Hugging Face cache (so models other tools downloaded
are used in place, not copied)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.model_registry import (ADDED, BUILTIN, FOLDER, HF_CACHE, ModelProblem, find_files, hf_cache_dir,
                                         human_size)
from desktop.core.text import builtin_models
from desktop.core.text.gguf_header import read_header


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

    @property
    def label(self) -> str:
        size = human_size(self.size_bytes)
        ctx = f"{self.context_length // 1024}k ctx" if self.context_length else "ctx ?"
        kind = "chat" if self.has_chat_template else "base"
        return f"{self.name} · {self.quantization} · {size} · {ctx} · {kind}"


def inspect(path: str | Path, source: str = ADDED) -> ModelInfo:
    """Read a GGUF header into a ModelInfo; raises ModelFileError with a clear reason."""
    header = read_header(path)
    return ModelInfo(
        path=str(Path(path).resolve()), name=header.name, size_bytes=header.file_size,
        quantization=header.quantization, context_length=header.context_length,
        architecture=header.architecture, has_chat_template=header.chat_template is not None,
        source=source,
    )


def candidate_files(folders: list[Path], files: list[Path], include_builtin: bool = True,
                    include_hf_cache: bool = True) -> list[tuple[Path, str]]:
    found: list[tuple[Path, str]] = []
    if include_builtin:
        found += [(p, BUILTIN) for p in builtin_models.builtin_text_models()]
    for folder in folders:
        if folder.is_dir():
            found += [(p, FOLDER) for p in find_files(folder, "*.gguf")]
    found += [(Path(f), ADDED) for f in files]
    cache = hf_cache_dir()
    if include_hf_cache and cache.is_dir():
        found += [(p, HF_CACHE) for p in sorted(cache.glob("models--*/snapshots/*/**/*.gguf"))]
    return found


def scan(folders: list[Path], files: list[Path] = (), **options) -> tuple[list[ModelInfo], list[ModelProblem]]:
    """Inspect every candidate once (by resolved path); bad files become problems."""
    models, problems, seen = [], [], set()
    for path, source in candidate_files(list(folders), list(files), **options):
        key = os.path.realpath(path)
        if key in seen:
            continue
        seen.add(key)
        if _is_split_part(path):
            continue  # llama.cpp loads split models from their first part only
        try:
            models.append(inspect(path, source))
        except ModelFileError as exc:
            problems.append(ModelProblem(str(path), str(exc)))
    return models, problems


def _is_split_part(path: Path) -> bool:
    stem = path.stem
    return "-of-" in stem and not stem.rsplit("-of-", 1)[0].endswith("00001")
