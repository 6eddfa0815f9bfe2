"""Piper voices (VITS exported to ONNX, with a JSON config beside the model). The voice gets
the text in pieces of bounded length (speech_pieces.py): Piper would otherwise synthesize a
run-on text in one pass, whose memory grows faster than its length. Pieces end where espeak
ends sentences, so with both noise scales at 0 (Piper is then deterministic) the samples of
ordinary punctuated text are exactly the raw library's."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from desktop.core.audio.audio_request import GeneratedAudio, SpeechRequest
from desktop.core.engine import ProgressCallback
from desktop.core.errors import ModelFileError, UserFacingError
from desktop.core.json_files import read_object, section
from desktop.core.audio.speakable_text import (LATIN_FAMILIES, describe_foreign, drop_pictographs, dropped_note,
                                         foreign_letters, latin)
from desktop.core.audio.speech_pieces import pieces_of, speak_pieces


def config_for(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + ".json")


def read_voice_config(model_path: Path) -> dict:
    config = config_for(model_path)
    if not config.exists():
        raise ModelFileError(f"{model_path.name} has no {config.name} beside it; a Piper voice needs both files.")
    try:
        values = read_object(config)
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{config.name} is not a readable Piper voice configuration ({exc}).") from None
    if not section(values, "phoneme_id_map") or not section(values, "audio"):
        raise ModelFileError(f"{config.name} is not a Piper voice configuration.")
    return values


def voice_language(values: dict) -> tuple[str, str]:
    """(language name, language family) from a voice configuration, "" where it says nothing."""
    espeak = section(values, "espeak").get("voice")
    espeak = espeak if isinstance(espeak, str) else ""
    language = section(values, "language")
    name, family = language.get("name_english"), language.get("family")
    return (name if isinstance(name, str) and name else espeak,
            family if isinstance(family, str) and family else espeak[:2])


class PiperEngine:
    modality = "audio"

    def __init__(self, model_path: str | Path, n_threads: int = 1):
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        path = Path(model_path)
        values = read_voice_config(path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, n_threads)
        # Every piece has another length: memory patterns planned per input shape made the
        # arena grow to ~1.4x (352 MB against 267 MB over 33 pieces of prose), for no speed.
        options.enable_mem_pattern = False
        try:
            session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise ModelFileError(f"{path.name} could not be loaded as an ONNX voice: {exc}") from None
        self.voice = PiperVoice(config=PiperConfig.from_dict(values), session=session)
        self.model_path = str(path)
        self.name = path.name.removesuffix(".onnx")
        self.language, self.family = voice_language(values)
        self.sample_rate = self.voice.config.sample_rate
        self.speakers = section(values, "speaker_id_map")
        self._size = path.stat().st_size

    def memory_bytes(self) -> int:
        return self._size * 2

    def close(self) -> None:
        self.voice = None

    def prepare(self, text: str) -> tuple[str, list[str]]:
        """The text as it will be spoken, and notes about what was left out."""
        text, dropped = drop_pictographs(text)
        if self.family in LATIN_FAMILIES:
            foreign = foreign_letters(text, latin)
            if foreign:
                raise UserFacingError(describe_foreign(foreign, self.name, self.language or "a Latin-script language"))
        if not text.strip():
            raise UserFacingError("There is nothing speakable in this text (only emoji or symbols).")
        return text, dropped_note(dropped)

    def synthesis_config(self, request: SpeechRequest):
        from piper import SynthesisConfig

        speaker = request.speaker
        if speaker is not None and not self.speakers:
            if speaker != 0:
                raise UserFacingError(f"{self.name} has one speaker; leave the speaker at 0 (got {speaker}).")
            speaker = None  # a single-speaker voice takes no speaker input
        elif speaker is not None and speaker not in self.speakers.values():
            raise UserFacingError(f"{self.name} has speakers 0–{max(self.speakers.values())} (got {speaker}).")
        return SynthesisConfig(speaker_id=speaker, length_scale=request.length_scale,
                               noise_scale=request.noise_scale, noise_w_scale=request.noise_w)

    def generate(self, request: SpeechRequest, progress: ProgressCallback, cancel: threading.Event,
                 keep_samples: bool = True) -> GeneratedAudio:
        import numpy as np

        request.validate()
        text, notes = self.prepare(request.text)
        config = self.synthesis_config(request)
        started = time.perf_counter()

        def say(piece: str):
            # Piper splits a piece further where espeak sees sentences; one piece, one wave.
            chunks = [chunk.audio_float_array for chunk in self.voice.synthesize(piece, config)]
            return np.concatenate(chunks) if chunks else None

        pieces = pieces_of(text, request.length_scale or self.voice.config.length_scale)
        samples, frames, count = speak_pieces(pieces, say, self.sample_rate, progress, cancel, keep_samples)
        return GeneratedAudio(samples, self.sample_rate, None, time.perf_counter() - started, count, notes,
                              frames=frames)
