"""Requests and results of the audio modality: speech from text, music from a prompt."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.core import request_checks as checks
from desktop.core.errors import UserFacingError

AUDIO_FORMATS = {"wav": (".wav", "audio/wav"), "flac": (".flac", "audio/flac"), "ogg": (".ogg", "audio/ogg")}
MAX_SPEECH_CHARS = 100_000      # about an hour of speech; longer texts are split by the user
MAX_MUSIC_SECONDS = 120.0


def _check_format(file_format: str) -> None:
    if file_format not in AUDIO_FORMATS:
        raise UserFacingError(f"Audio is saved as {', '.join(AUDIO_FORMATS)} (got {file_format!r}).")


@dataclass
class SpeechRequest:
    text: str
    length_scale: float | None = None   # > 1 slower, < 1 faster; None: the voice's own
    noise_scale: float | None = None    # variability of the voice; 0 makes Piper deterministic
    noise_w: float | None = None        # variability of phoneme durations
    speaker: int | None = None          # multi-speaker voices
    seed: int = -1                      # stochastic engines (VITS in transformers); -1: random
    file_format: str = "wav"
    sources: tuple = ()                    # lineage.Source: what it is made from (a hand-off, an image prompt)

    def validate(self) -> None:
        checks.text("The text", self.text)
        if not self.text.strip():
            raise UserFacingError("There is no text to speak: type or paste some first.")
        if len(self.text) > MAX_SPEECH_CHARS:
            raise UserFacingError(f"The text is {len(self.text):,} characters; up to {MAX_SPEECH_CHARS:,} are spoken "
                                  "in one go. Split it into parts.")
        if self.length_scale is not None:
            checks.in_range("Length scale", self.length_scale, 0.1, 5.0)
        for name, value in (("Noise scale", self.noise_scale), ("Noise width", self.noise_w)):
            if value is not None:
                checks.in_range(name, value, 0.0, 2.0)
        checks.seed(self.seed, checks.TORCH_SEED_MAX)
        _check_format(self.file_format)

    def params(self) -> dict:
        values = {"length_scale": self.length_scale, "noise_scale": self.noise_scale, "noise_w": self.noise_w,
                  "speaker": self.speaker, "file_format": self.file_format}
        return {k: v for k, v in values.items() if v is not None}


@dataclass
class MusicRequest:
    prompt: str
    duration_s: float = 8.0
    guidance: float = 3.0
    temperature: float = 1.0
    seed: int = -1
    file_format: str = "wav"
    typed_prompt: str = ""      # what was typed, when `prompt` was written for it
    sources: tuple = ()         # lineage.Source: what it is made from (a hand-off, an image prompt)

    def validate(self) -> None:
        checks.text("The prompt", self.prompt)
        if not self.prompt.strip():
            raise UserFacingError("Describe the music first (for example “calm piano with soft rain”).")
        checks.in_range("Duration", self.duration_s, 0.5, MAX_MUSIC_SECONDS, " seconds")
        checks.in_range("Guidance", self.guidance, 0.0, 20.0)
        checks.in_range("Temperature", self.temperature, 0.05, 3.0)
        checks.seed(self.seed, checks.TORCH_SEED_MAX)
        _check_format(self.file_format)

    def params(self) -> dict:
        return {"duration_s": self.duration_s, "guidance": self.guidance, "temperature": self.temperature,
                "file_format": self.file_format}


class _FramesOfSamples:
    """`frames` counts the samples while they are held (they may be dropped later, e.g. once
    written to a file); the duration follows from it."""

    def __post_init__(self):
        if self.samples is not None:
            self.frames = len(self.samples)

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate


@dataclass
class AudioPiece(_FramesOfSamples):
    """One finished part of a longer synthesis (a sentence), sent to the UI to play early."""
    index: int
    total: int
    samples: object           # float32 numpy array, mono, -1..1; None once `wav` is made
    sample_rate: int
    wav: bytes = b""          # the piece as a WAV file, made on the worker for the player
    frames: int = 0


@dataclass
class GeneratedAudio(_FramesOfSamples):
    samples: object           # float32 numpy array, mono; None when the pieces went to a file
    sample_rate: int
    seed: int | None
    seconds: float            # time spent generating
    pieces: int = 1
    notes: list[str] = field(default_factory=list)   # e.g. symbols that were skipped
    frames: int = 0
