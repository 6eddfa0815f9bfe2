"""Audio files that say what made them: WAV (16-bit PCM) with a RIFF INFO chunk, FLAC and
Ogg Vorbis with Vorbis comments. Every file carries the text or prompt, the model, the
seed, Atelier's settings as JSON (with the sources it was made from and their content hashes,
desktop/core/lineage_metadata.py) and the IPTC "trained algorithmic media" mark."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from desktop import __version__
from desktop.core import lineage_metadata

AI_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
TITLE_CHARS = 200


@dataclass
class AudioTags:
    text: str                 # what was spoken, or the music prompt
    model: str
    seed: int | None
    settings: dict
    sources: list = field(default_factory=list)   # lineage_metadata entries

    def as_json(self) -> str:
        typed = self.settings.get("typed_prompt", "")
        return json.dumps(lineage_metadata.with_lineage(
            {"text": self.text, "model": self.model, "seed": self.seed, "settings": self.settings,
             "digital_source_type": AI_SOURCE_TYPE, "software": f"Atelier {__version__}"},
            self.sources, typed if isinstance(typed, str) else ""), ensure_ascii=False)


def encode_audio(samples, sample_rate: int, fmt: str, tags: AudioTags) -> bytes:
    import numpy as np
    import soundfile as sf

    data = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
    buffer = io.BytesIO()
    if fmt == "wav":
        with sf.SoundFile(buffer, "w", samplerate=sample_rate, channels=1, format="WAV", subtype="PCM_16") as f:
            # RIFF INFO: INAM (title), ICMT (comment: the settings as JSON), ISFT (software)
            f.title = " ".join(tags.text.split())[:TITLE_CHARS]
            f.comment = tags.as_json()
            f.software = f"Atelier {__version__}"
            f.write(data)
        return buffer.getvalue()
    subtype = "VORBIS" if fmt == "ogg" else "PCM_16"
    sf.write(buffer, data, sample_rate, format=fmt.upper(), subtype=subtype)
    buffer.seek(0)
    tagged = _vorbis_file(fmt, buffer)
    for key, value in _vorbis_comments(tags).items():
        tagged[key] = value
    buffer.seek(0)
    tagged.save(buffer)
    return buffer.getvalue()


class AudioFileWriter:
    """The same file as encode_audio's, written piece by piece to `path` as the pieces come,
    so a long speech (an hour is ~300 MB of float samples) never sits in memory whole. The
    tags go in at the end, when the seed and everything else are known."""

    def __init__(self, path: str | Path, sample_rate: int, fmt: str):
        import soundfile as sf

        self.path, self.fmt, self.frames = Path(path), fmt, 0
        self._file = sf.SoundFile(str(path), "w", samplerate=sample_rate, channels=1, format=fmt.upper(),
                                  subtype="VORBIS" if fmt == "ogg" else "PCM_16")

    def write(self, samples) -> None:
        import numpy as np

        data = np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0)
        self._file.write(data)
        self.frames += len(data)

    def finish(self, tags: AudioTags) -> None:
        if self.fmt == "wav":  # RIFF INFO, as encode_audio writes it (libsndfile takes it after the data)
            self._file.title = " ".join(tags.text.split())[:TITLE_CHARS]
            self._file.comment = tags.as_json()
            self._file.software = f"Atelier {__version__}"
        self._file.close()
        if self.fmt != "wav":
            tagged = _vorbis_file(self.fmt, str(self.path))
            for key, value in _vorbis_comments(tags).items():
                tagged[key] = value
            tagged.save()

    def close(self) -> None:
        """Stop writing (after a cancel or a failure); the caller removes the file."""
        if not self._file.closed:
            self._file.close()


def wav_bytes(samples, sample_rate: int) -> bytes:
    """Plain 16-bit WAV for playing a piece at once (no tags: it is not kept)."""
    import wave

    import numpy as np

    pcm = (np.clip(np.asarray(samples, dtype=np.float32), -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def _vorbis_file(fmt: str, fileobj):
    if fmt == "flac":
        from mutagen.flac import FLAC

        return FLAC(fileobj)
    from mutagen.oggvorbis import OggVorbis

    return OggVorbis(fileobj)


def _vorbis_comments(tags: AudioTags) -> dict[str, str]:
    comments = {"TITLE": " ".join(tags.text.split())[:TITLE_CHARS], "DESCRIPTION": tags.text,
                "COMMENT": f"Generated with {tags.model or 'a local model'} in Atelier (AI-generated).",
                "MODEL": tags.model, "SOFTWARE": f"Atelier {__version__}", "DIGITALSOURCETYPE": AI_SOURCE_TYPE,
                "ATELIER": tags.as_json()}
    if tags.seed is not None:
        comments["SEED"] = str(tags.seed)
    return comments


def read_tags(path: str | Path) -> dict:
    """Atelier's JSON from a file this module wrote; {} if there is none, or the file is
    missing, damaged or not audio. Never raises."""
    from mutagen import MutagenError

    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".wav":
            import soundfile as sf

            with sf.SoundFile(str(path)) as f:
                found = json.loads(f.comment or "{}")
        else:
            with open(path, "rb") as handle:
                tagged = _vorbis_file("flac" if suffix == ".flac" else "ogg", handle)
                values = tagged.tags.get("ATELIER") if tagged.tags else None
                found = json.loads(values[0]) if values else {}
    # MutagenError: not FLAC/Ogg after all; RecursionError: absurdly nested JSON.
    except (OSError, ValueError, RuntimeError, MutagenError):
        return {}
    return found if isinstance(found, dict) else {}


DECODE_BLOCK = 1 << 16


def decode_mono(path: str | Path):
    """(float32 samples, sample rate) of an audio file, mixed down to mono. Raises
    soundfile's LibsndfileError (a RuntimeError) or OSError when it cannot be decoded.

    Read block by block: a damaged header can claim billions of frames, and reading it
    whole would allocate for all of them before finding out."""
    import numpy as np
    import soundfile as sf

    parts = []
    with sf.SoundFile(str(path)) as f:
        rate = f.samplerate
        while len(block := f.read(DECODE_BLOCK, dtype="float32", always_2d=True)):
            parts.append(block.mean(axis=1))
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)), rate
