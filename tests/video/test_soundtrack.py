"""“Add as soundtrack”: speech made by the built-in voice laid under a clip of the library, as a
new MP4 item (the clip untouched) linked to both, looping the clip to cover the sound; and
the core pieces on their own: any sound file read, frames fitted, bad input refused by name."""

import wave

import numpy as np
import pytest
from PIL import Image

from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache
from desktop.core.video import soundtrack
from desktop.core.video.video_files import encode_video, probe, read_frames, read_metadata, save_atomically
from desktop.core.video.video_metadata import VideoTags
from desktop.pipeline.runners import RUNNERS
from desktop.pipeline.soundtrack_job import SoundtrackRequest
from desktop.pipeline.store_access import DirectStore
from desktop.store.library import Library


def write_wav(path, seconds: float, rate: int = 22050, channels: int = 1):
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.repeat(tone, channels).tobytes())
    return path


def coloured_clip(path, frames: int = 4, fps: int = 8, fmt: str = "mp4"):
    pictures = [Image.new("RGB", (64, 48), (60 * i % 256, 40, 200 - 40 * i % 256)) for i in range(frames)]
    return save_atomically(pictures, fps, fmt, VideoTags("a paper boat", "m", 3), path)


def audio_streams(path):
    import av

    with av.open(str(path)) as container:
        return [(s.codec_context.name, float(s.duration * s.time_base)) for s in container.streams.audio]


@pytest.fixture
def library(tmp_path):
    library = Library(tmp_path / "lib")
    yield library
    library.close()


def test_any_sound_file_is_read_as_stereo_at_the_mix_rate(tmp_path):
    mono = soundtrack.read_sound(write_wav(tmp_path / "mono.wav", 1.5))
    stereo = soundtrack.read_sound(write_wav(tmp_path / "stereo.wav", 0.5, rate=44100, channels=2))
    assert mono.samples.shape == (2, int(1.5 * soundtrack.MIX_RATE)) and mono.rate == soundtrack.MIX_RATE
    assert abs(stereo.seconds - 0.5) < 0.01 and stereo.samples.dtype == np.float32


def test_a_file_without_sound_or_too_long_is_refused_by_name(tmp_path):
    clip = coloured_clip(tmp_path / "silent.mp4")
    with pytest.raises(UserFacingError, match="silent.mp4 has no sound"):
        soundtrack.read_sound(clip)
    (tmp_path / "notes.wav").write_bytes(b"RIFF not really a wave")
    with pytest.raises(UserFacingError, match="notes.wav"):
        soundtrack.read_sound(tmp_path / "notes.wav")
    with pytest.raises(UserFacingError, match="longer than"):
        soundtrack.read_sound(write_wav(tmp_path / "long.wav", 2.0), max_seconds=1.0)


def test_frames_loop_or_hold_to_cover_the_sound():
    frames = ["a", "b", "c"]
    assert list(soundtrack.fitted_frames(lambda: iter(frames), 7)) == ["a", "b", "c", "a", "b", "c", "a"]
    assert list(soundtrack.fitted_frames(lambda: iter(frames), 5, soundtrack.HOLD)) == ["a", "b", "c", "c", "c"]
    assert list(soundtrack.fitted_frames(lambda: iter(frames), 2)) == ["a", "b"]
    with pytest.raises(UserFacingError, match="no frames"):
        list(soundtrack.fitted_frames(lambda: iter([]), 3))


def test_a_gif_carries_no_sound_and_says_so(tmp_path):
    sound = soundtrack.read_sound(write_wav(tmp_path / "a.wav", 0.5))
    with pytest.raises(UserFacingError, match="save it as MP4 or WebM"):
        encode_video([Image.new("RGB", (8, 8))] * 2, 8, "gif", VideoTags("x", "m", 1), tmp_path / "x.gif", sound)


def speak(library, builtin_voice, text: str):
    from desktop.core.audio.audio_request import SpeechRequest

    job = Job(JobKind.AUDIO, SpeechRequest(text, noise_scale=0.0, noise_w=0.0), str(builtin_voice),
              JobOrigin(Studio.AUDIO), EngineOptions(n_threads=2))
    return RUNNERS[JobKind.AUDIO](job, ModelCache(2**33), DirectStore(library), lambda p: None)


def speech_sha(library, speech) -> str:
    return library.conn.execute("SELECT sha256 FROM assets WHERE generation_id=?", (speech.generation_id,)).fetchone()[0]


def soundtrack_job(request):
    return Job(JobKind.VIDEO, request, "", JobOrigin(Studio.VIDEO))


def test_speech_is_laid_under_a_library_clip_as_a_new_linked_item(library, builtin_voice, tmp_path):
    speech = speak(library, builtin_voice, "A paper boat drifts down the stream, past the old mill.")
    clip = coloured_clip(tmp_path / "boat.mp4", frames=4, fps=8)  # half a second: the speech is longer
    before = clip.read_bytes()
    request = SoundtrackRequest(str(clip), str(speech.path), audio_generation_id=speech.generation_id)
    outcome = RUNNERS[JobKind.VIDEO](soundtrack_job(request), ModelCache(2**30), DirectStore(library), lambda p: None)

    assert clip.read_bytes() == before  # the source clip is left as it was
    row = library.generations.get(outcome.generation_id)
    assert (row.status, row.modality, row.kind, row.prompt) == ("done", "video", "soundtrack", "a paper boat")
    spoken = speech.audio.duration_s
    facts = probe(outcome.path)
    assert abs(facts.frames / facts.fps - spoken) < 1 / 8 + 0.01  # the picture lasts as long as the speech
    [(codec, seconds)] = audio_streams(outcome.path)
    assert codec == "aac" and abs(seconds - facts.frames / facts.fps) < 0.05
    looped = read_frames(outcome.path)
    assert np.abs(np.asarray(looped[4], float) - np.asarray(looped[0], float)).mean() < 6  # the clip again
    relations = {s["relation"]: s for s in library.generations.sources(outcome.generation_id)}
    assert relations["soundtrack"]["source_generation_id"] == speech.generation_id
    assert relations["video"]["source_path"] == str(clip.resolve())
    written = read_metadata(outcome.path)
    assert {s["relation"] for s in written.sources} == {"soundtrack", "video"}
    assert next(s for s in written.sources if s["relation"] == "soundtrack")["sha256"] == speech_sha(library, speech)


def test_a_cancelled_soundtrack_leaves_no_file(library, tmp_path):
    clip = coloured_clip(tmp_path / "c.mp4", frames=8)
    sound = write_wav(tmp_path / "long.wav", 6.0)
    job = soundtrack_job(SoundtrackRequest(str(clip), str(sound)))

    def progress(p):
        if p.unit == "frames" and p.done >= 8:
            job.cancel.set()

    with pytest.raises(Cancelled):
        RUNNERS[JobKind.VIDEO](job, ModelCache(2**30), DirectStore(library), progress)
    assert [r[0] for r in library.conn.execute("SELECT status FROM generations")] == ["cancelled"]
    assert not [p for p in (library.layout.root / "assets").rglob("*") if p.is_file()]


def test_a_missing_file_or_a_gif_target_is_refused_before_anything_is_recorded(library, tmp_path):
    clip = coloured_clip(tmp_path / "c.mp4")
    for request, words in ((SoundtrackRequest(str(clip), str(tmp_path / "gone.wav")), "gone.wav is not there"),
                           (SoundtrackRequest(str(clip), str(clip), file_format="gif"), "saved as mp4 or webm")):
        with pytest.raises(UserFacingError, match=words):
            RUNNERS[JobKind.VIDEO](soundtrack_job(request), ModelCache(2**30), DirectStore(library), lambda p: None)
    assert library.conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0] == 0
