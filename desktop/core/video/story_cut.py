"""The cut of a storyboard's final video: each scene lasts as long as its narration plus a short
pause, its picture (a clip looped, or a still held) fills that time, the narrations follow one
another, and a music bed lies under them all at a low level, faded in and out.

Why the narration sets the pace: a spoken line cannot be cut or stretched without sounding
wrong, while a picture can be held or looped for any length. Frame counts are rounded from the
scenes' start times (not per scene), so a long story does not drift from its sound."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from desktop.core.video.soundtrack import HOLD, LOOP, MIX_RATE, Sound, fitted_frames

PAUSE_S = 0.6          # after each line, before the next scene
MUSIC_LEVEL = 0.22     # about -13 dB under the voice: heard, not competing
FADE_IN_S = 0.5
FADE_OUT_S = 2.0
SILENT_SCENE_S = 3.0   # a scene without narration (none made yet) still shows for a while


@dataclass(frozen=True)
class Cut:
    starts_s: list[float]      # where each scene begins
    frames: list[int]          # how many frames each scene shows
    fps: int

    @property
    def seconds(self) -> float:
        return sum(self.frames) / self.fps


def plan(narrations: list[Sound | None], fps: int, pause_s: float = PAUSE_S) -> Cut:
    """Scenes' start times and frame counts for narrations (None: a silent scene)."""
    starts, ends, time = [], [], 0.0
    for sound in narrations:
        starts.append(time)
        time += (sound.seconds if sound is not None else SILENT_SCENE_S) + pause_s
        ends.append(time)
    frames = [max(1, round(end * fps) - round(start * fps)) for start, end in zip(starts, ends)]
    return Cut(starts, frames, fps)


def mix(narrations: list[Sound | None], cut: Cut, music: Sound | None = None, level: float = MUSIC_LEVEL) -> Sound:
    """The final sound: each narration at its scene's start, the music (looped to cover the
    story when shorter) at `level`, faded in and out, the sum kept within [-1, 1]."""
    import numpy as np

    total = int(round(cut.seconds * MIX_RATE))
    out = np.zeros((2, total), dtype=np.float32)
    for sound, start in zip(narrations, cut.starts_s):
        if sound is None:
            continue
        at = int(round(start * MIX_RATE))
        piece = _at_rate(sound)[:, :max(0, total - at)]
        out[:, at:at + piece.shape[1]] += piece
    if music is not None and music.samples.shape[1]:
        bed = _at_rate(music)
        repeats = -(-total // bed.shape[1])
        bed = np.tile(bed, (1, repeats))[:, :total] * np.float32(level)
        out += bed * _fades(total)
    np.clip(out, -1.0, 1.0, out=out)
    return Sound(out, MIX_RATE)


def frames(pictures: list[tuple[Callable[[], Iterable], bool]], cut: Cut, size: tuple[int, int]) -> Iterator:
    """The final video's frames: for each scene `(read, is_clip)`, the clip read anew and looped
    (`read()` gives its frames) or the still held, every frame at `size`."""
    for (read, is_clip), count in zip(pictures, cut.frames):
        for frame in fitted_frames(read, count, LOOP if is_clip else HOLD):
            yield frame if frame.size == size else frame.convert("RGB").resize(size)


def _at_rate(sound: Sound):
    """Stereo samples at MIX_RATE (what soundtrack.read_sound already gives)."""
    import numpy as np

    samples = np.asarray(sound.samples, dtype=np.float32)
    if samples.shape[0] == 1:
        samples = np.repeat(samples, 2, axis=0)
    if sound.rate == MIX_RATE:
        return samples
    n = int(round(samples.shape[1] * MIX_RATE / sound.rate))
    positions = np.linspace(0, samples.shape[1] - 1, n)
    return np.stack([np.interp(positions, np.arange(samples.shape[1]), channel) for channel in samples]
                    ).astype(np.float32)


def _fades(total: int):
    import numpy as np

    gain = np.ones(total, dtype=np.float32)
    fade_in = min(int(FADE_IN_S * MIX_RATE), total // 4)
    fade_out = min(int(FADE_OUT_S * MIX_RATE), total // 3)
    if fade_in:
        gain[:fade_in] = np.linspace(0.0, 1.0, fade_in, dtype=np.float32)
    if fade_out:
        gain[total - fade_out:] *= np.linspace(1.0, 0.0, fade_out, dtype=np.float32)
    return gain
