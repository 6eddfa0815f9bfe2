"""The loop every voice runs: the text in pieces of bounded length (sentences.py), each
synthesized in turn and reported as it finishes (progress, and the piece for the player),
cancel checked between pieces. The samples are kept only when the caller asks: the
pipeline writes each piece to the file as it comes, so an hour of speech never sits in
memory at once."""

from __future__ import annotations

import threading
from typing import Callable

from desktop.core.audio.audio_request import AudioPiece
from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.jobs import Progress
from desktop.core.audio.sentences import MAX_SENTENCE_CHARS, split_sentences


def pieces_of(text: str, length_scale: float | None = None) -> list[str]:
    """Slower speech makes more audio of the same text, so its pieces are shorter."""
    slower = max(1.0, length_scale or 1.0)
    pieces = split_sentences(text, max(40, int(MAX_SENTENCE_CHARS / slower)))
    if not pieces:
        raise UserFacingError("There is nothing speakable in this text (only emoji or symbols).")
    return pieces


def speak_pieces(pieces: list[str], say: Callable[[str], object], sample_rate: int, progress: ProgressCallback,
                 cancel: threading.Event, keep: bool = True):
    """(all samples or None when not kept, frames, pieces that made sound). `say(piece)`
    returns float samples (or None / empty for a piece with nothing to say)."""
    import numpy as np

    kept, frames, sounding, total = [], 0, 0, len(pieces)
    for index, piece in enumerate(pieces):
        if cancel.is_set():
            raise Cancelled()
        wave = say(piece)
        update = Progress(done=index + 1, total=total, unit="sentences", message=f"Sentence {index + 1}/{total}")
        if wave is not None and len(wave):
            wave = np.asarray(wave, dtype=np.float32)
            frames, sounding = frames + len(wave), sounding + 1
            if keep:
                kept.append(wave)
            update.pieces = (AudioPiece(index, total, wave, sample_rate),)
        progress(update)
    if not sounding:
        raise UserFacingError("The voice produced no sound for this text.")
    return (np.concatenate(kept) if keep else None), frames, sounding
