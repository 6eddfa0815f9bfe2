"""Sound under a clip: speech or music read from any file FFmpeg can decode, fitted to the
picture's length, and the frames to write so the picture covers the whole sound.

Why the picture follows the sound and not the other way round: a generated clip is two to
four seconds, narration or music ten or more; cutting the sound to the clip would keep two
seconds of a sentence. So a short clip loops (or holds its last frame, for stills) until the
sound ends, and sound shorter than the picture is followed by silence. Samples are held in
memory (float32, at most MAX_SECONDS), which bounds memory on any input."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from desktop.core.errors import UserFacingError

MAX_SECONDS = 30 * 60            # half an hour of sound under one video
MIX_RATE = 48_000                # what AAC and Opus are encoded at
LOOP, HOLD = "loop", "hold"      # how a picture shorter than the sound is made to cover it
FITS = (LOOP, HOLD)


@dataclass
class Sound:
    """Planar float32 samples (channels × n) at `rate`."""

    samples: object
    rate: int

    @property
    def seconds(self) -> float:
        return self.samples.shape[1] / self.rate if self.rate else 0.0


def read_sound(path: str | Path, max_seconds: float = MAX_SECONDS) -> Sound:
    """The file's first audio stream as stereo float32 at MIX_RATE; UserFacingError naming the
    file when it has no sound Atelier can read or is longer than `max_seconds`."""
    import av
    import numpy as np

    path = Path(path)
    chunks, total, limit = [], 0, int(max_seconds * MIX_RATE)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise UserFacingError(f"{path.name} has no sound to lay under a video.")
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=MIX_RATE)
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray()
                    total += chunk.shape[1]
                    if total > limit:
                        raise UserFacingError(f"{path.name} is longer than {max_seconds / 60:.0f} minutes: too long "
                                              "to lay under a video here. Cut it first.")
                    chunks.append(chunk)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray())
    except UserFacingError:
        raise
    except (OSError, ValueError, av.FFmpegError) as exc:
        raise UserFacingError(f"{path.name} could not be read as sound ({exc}).") from None
    if not chunks:
        raise UserFacingError(f"{path.name} holds no sound.")
    return Sound(np.concatenate(chunks, axis=1).astype(np.float32), MIX_RATE)


def frames_to_cover(clip_frames: int, fps: float, sound: Sound | None) -> int:
    """How many frames the new video has: the clip's, or enough to last as long as the sound."""
    if sound is None or fps <= 0:
        return clip_frames
    return max(clip_frames, math.ceil(sound.seconds * fps))


def fitted_frames(read_clip: Callable[[], Iterable], count: int, fit: str = LOOP) -> Iterator:
    """`count` frames from the clip: the clip again from its start (`loop`, read anew each time,
    so memory holds one frame) or its last frame repeated (`hold`)."""
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}")
    written, last = 0, None
    while written < count:
        before = written
        for frame in read_clip():
            last = frame
            yield frame
            written += 1
            if written == count:
                return
        if written == before:
            raise UserFacingError("The clip has no frames.")
        if fit == HOLD:
            break
    while written < count:
        yield last
        written += 1


def encode_sound(container, sound: Sound, seconds: float, codec: str) -> None:
    """Add `sound` to an open PyAV output container as one stream (already added with
    add_sound_stream), padded with silence or cut to `seconds`, and mux it."""
    import av
    import numpy as np

    stream = container.streams.audio[0]
    want = int(round(seconds * sound.rate))
    samples = sound.samples[:, :want]
    if samples.shape[1] < want:
        samples = np.pad(samples, ((0, 0), (0, want - samples.shape[1])))
    step = stream.codec_context.frame_size or 1024
    for start in range(0, samples.shape[1], step):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + step]), format="fltp",
                                           layout="stereo")
        frame.sample_rate = sound.rate
        frame.pts = start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def add_sound_stream(container, file_format: str, rate: int = MIX_RATE):
    """The audio stream for a container: AAC in MP4 (what every player takes), Opus in WebM."""
    stream = container.add_stream("aac" if file_format == "mp4" else "libopus", rate=rate)
    stream.layout = "stereo"
    stream.bit_rate = 160_000
    return stream
