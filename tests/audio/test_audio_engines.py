"""Speech and music engines through the app's loaders: the built-in Piper voice, tiny
random-weight VITS and MusicGen models; sentences, progress, cancel, files and tags."""

import threading

import numpy as np
import pytest
import soundfile

from desktop.core.audio.audio_files import AI_SOURCE_TYPE, AudioTags, encode_audio, read_tags
from desktop.core.audio.audio_request import MusicRequest, SpeechRequest
from desktop.core.errors import Cancelled, ModelFileError, UserFacingError
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache
from desktop.core.audio.sentences import MAX_SENTENCE_CHARS, split_sentences
from desktop.core.audio.waveform import loudness_dbfs, peaks
from desktop.pipeline.audio_job import load_audio_engine, run_audio_job
from desktop.pipeline.store_access import DirectStore
from desktop.store.library import Library
from desktop.store.library_items import LibraryQuery

SENTENCE = "Hello, this is Atelier speaking from your own computer."
LONG = ("The tide comes in twice a day. The moon pulls the water toward it. "
        "The sun helps a little, too. Spring tides are the strongest! Do you see why?")


@pytest.fixture(scope="module")
def cache():
    cache = ModelCache(2**33)
    yield cache
    cache.clear()


def speak(engine, request, cancel=None, seen=None):
    return engine.generate(request, (seen.append if seen is not None else (lambda p: None)),
                           cancel or threading.Event())


def test_the_builtin_voice_speaks_a_sentence_of_sensible_length_and_loudness(cache, builtin_voice):
    engine = load_audio_engine(cache, str(builtin_voice), 2)
    made = speak(engine, SpeechRequest(SENTENCE))
    assert made.sample_rate == 22050
    assert 2.0 < made.duration_s < 6.0           # about 14 syllables of speech
    assert -30 < loudness_dbfs(made.samples) < -3  # speech, not silence and not clipping


def test_with_no_noise_the_app_matches_raw_piper_sample_for_sample(cache, builtin_voice):
    from piper import PiperVoice, SynthesisConfig

    engine = load_audio_engine(cache, str(builtin_voice), 2)
    made = speak(engine, SpeechRequest(LONG, noise_scale=0.0, noise_w=0.0))
    raw = PiperVoice.load(builtin_voice, config_path=f"{builtin_voice}.json")
    expected = np.concatenate([c.audio_float_array for c in raw.synthesize(
        LONG, SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0))])
    assert np.array_equal(made.samples, expected)
    # With Piper's default noise (drawn inside the ONNX graph) compare duration and loudness.
    noisy = speak(engine, SpeechRequest(LONG))
    raw_noisy = np.concatenate([c.audio_float_array for c in raw.synthesize(LONG)])
    assert abs(noisy.duration_s - len(raw_noisy) / 22050) < 0.25 * noisy.duration_s
    assert abs(loudness_dbfs(noisy.samples) - loudness_dbfs(raw_noisy)) < 3


def test_long_text_goes_sentence_by_sentence_with_progress_and_cancel_between(cache, builtin_voice):
    engine = load_audio_engine(cache, str(builtin_voice), 2)
    seen = []
    made = speak(engine, SpeechRequest(LONG), seen=seen)
    assert [p.message for p in seen] == [f"Sentence {i}/5" for i in range(1, 6)] and made.pieces == 5
    assert sum(len(p.pieces[0].samples) for p in seen) == len(made.samples)  # pieces add up to the whole
    cancel, heard = threading.Event(), []

    def on_progress(p):
        heard.append(p)
        cancel.set()  # stop after the first sentence
    with pytest.raises(Cancelled):
        engine.generate(SpeechRequest(LONG), on_progress, cancel)
    assert len(heard) == 1


def test_bad_text_gets_clear_messages(cache, builtin_voice):
    engine = load_audio_engine(cache, str(builtin_voice), 2)
    for text, message in [("", "no text"), ("   \n\t ", "no text"), ("你好，世界", "cannot pronounce these characters: 你 好"),
                          ("😀 🎉", "nothing speakable")]:
        with pytest.raises(UserFacingError, match=message):
            speak(engine, SpeechRequest(text))
    made = speak(engine, SpeechRequest("Good morning 😀!"))
    assert made.notes == ["1 emoji/symbol character(s) were left out."]
    assert speak(engine, SpeechRequest("Hi.", speaker=0)).duration_s > 0.2
    with pytest.raises(UserFacingError, match="has one speaker"):
        speak(engine, SpeechRequest("Hi.", speaker=3))
    with pytest.raises(UserFacingError, match="characters; up to"):
        SpeechRequest("a" * 100_001).validate()


def test_one_splitter_cuts_at_the_best_boundary_there_is():
    assert split_sentences("One. Two!  Three?\n\nFour") == ["One.", "Two!", "Three?", "Four"]
    # As espeak (Piper's phonemizer) decides: no sentence end before a lowercase letter.
    assert split_sentences('Dr. Smith came home. It is e.g. this one. He said "Stop!" and left. Wait... what? '
                           "Really?! Yes.") == ["Dr.", "Smith came home.", "It is e.g. this one.",
                                                'He said "Stop!" and left.', "Wait... what?", "Really?!", "Yes."]
    assert split_sentences("你好。世界！好吗？是的") == ["你好。", "世界！", "好吗？", "是的"]
    clauses = split_sentences(", ".join(["one two three"] * 100), limit=100)
    assert all(len(p) <= 100 and p.endswith(",") for p in clauses[:-1])  # clause punctuation first
    words = split_sentences(" ".join(["word"] * 300), limit=100)
    assert all(len(p) <= 100 for p in words) and " ".join(words) == " ".join(["word"] * 300)  # then spaces
    assert split_sentences("a" * 250, limit=100) == ["a" * 100, "a" * 100, "a" * 50]  # then anywhere
    assert split_sentences("Short, but. " + "x" * 90, limit=100) == ["Short, but.", "x" * 90]


class PeakRss:
    """The largest growth of this process's resident memory while the block runs."""

    def __enter__(self):
        import psutil

        self._process, self._stop, self.growth = psutil.Process(), threading.Event(), 0
        self._start = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._watch)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.01):
            self.growth = max(self.growth, self._process.memory_info().rss - self._start)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def test_piper_speaks_run_on_text_in_bounded_pieces_and_bounded_memory(cache, builtin_voice):
    """Before, Piper got the whole text: 2,000 run-on characters took 3.1 GB."""
    engine = load_audio_engine(cache, str(builtin_voice), 2)
    text = " ".join(["word"] * 400)  # 1,999 characters, no punctuation at all
    given, synthesize = [], engine.voice.synthesize
    engine.voice.synthesize = lambda piece, config: given.append(piece) or synthesize(piece, config)
    seen, cancel = [], threading.Event()
    try:
        with PeakRss() as peak:
            made = engine.generate(SpeechRequest(text), seen.append, cancel, keep_samples=False)
    finally:
        del engine.voice.synthesize
    assert max(map(len, given)) <= MAX_SENTENCE_CHARS and " ".join(given) == text and len(given) == 7
    assert [p.message for p in seen] == [f"Sentence {i}/7" for i in range(1, 8)]
    assert made.samples is None and made.frames == sum(p.pieces[0].frames for p in seen)
    assert made.duration_s > 50  # ~0.17 s a word
    assert peak.growth < 500 * 2**20, f"{peak.growth / 2**20:.0f} MB"
    heard = []

    def stop_after_two(p):
        heard.append(p)
        if len(heard) == 2:
            cancel.set()
    with pytest.raises(Cancelled):
        engine.generate(SpeechRequest(text), stop_after_two, cancel)
    assert len(heard) == 2  # cancel is checked between pieces


def test_vits_gets_the_same_bounded_pieces(cache, tiny_vits):
    engine = load_audio_engine(cache, str(tiny_vits), 1)
    given, processor = [], engine.processor
    engine.processor = lambda piece, **kw: given.append(piece) or processor(piece, **kw)
    try:
        made = speak(engine, SpeechRequest(" ".join(["word"] * 300), seed=1))
    finally:
        engine.processor = processor
    assert given == split_sentences(" ".join(["word"] * 300)) and max(map(len, given)) <= MAX_SENTENCE_CHARS
    assert made.pieces == len(given) == 5
    slow = []
    engine.processor = lambda piece, **kw: slow.append(piece) or processor(piece, **kw)
    try:
        speak(engine, SpeechRequest(" ".join(["word"] * 300), seed=1, length_scale=2.0))
    finally:
        engine.processor = processor
    assert max(map(len, slow)) <= MAX_SENTENCE_CHARS // 2 and len(slow) == 10  # slower speech: shorter pieces


def test_a_tiny_vits_voice_loads_and_speaks_reproducibly(cache, tiny_vits):
    engine = load_audio_engine(cache, str(tiny_vits), 1)
    seen = []
    first = speak(engine, SpeechRequest("hello there. How are you?", seed=7), seen=seen)
    again = speak(engine, SpeechRequest("hello there. How are you?", seed=7))
    assert first.sample_rate == 16000 and first.duration_s > 0.1 and first.seed == 7
    assert np.array_equal(first.samples, again.samples)  # VITS is stochastic: the seed fixes it
    assert [p.message for p in seen] == ["Sentence 1/2", "Sentence 2/2"]
    slower = speak(engine, SpeechRequest("hello there. How are you?", seed=7, length_scale=2.0))
    assert len(slower.samples) > 1.5 * len(first.samples)
    with pytest.raises(UserFacingError, match="cannot pronounce these characters: ж"):
        speak(engine, SpeechRequest("hello жук", seed=1))


def test_a_tiny_musicgen_makes_the_requested_length_and_cancels(cache, tiny_musicgen):
    engine = load_audio_engine(cache, str(tiny_musicgen), 1)
    seen = []
    made = speak(engine, MusicRequest("calm piano", duration_s=1.0, seed=3), seen=seen)
    assert made.sample_rate == 16000 and made.duration_s == pytest.approx(1.0, abs=0.05)
    assert seen[-1].done == seen[-1].total and seen[-1].unit == "frames"
    again = speak(engine, MusicRequest("calm piano", duration_s=1.0, seed=3))
    assert np.array_equal(made.samples, again.samples)
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        engine.generate(MusicRequest("calm piano", duration_s=2.0, seed=3), lambda p: cancel.set(), cancel)


def test_pickle_only_or_foreign_folders_are_refused(cache, tmp_path, tiny_vits):
    folder = tmp_path / "pickled-vits"
    folder.mkdir()
    (folder / "config.json").write_text((tiny_vits / "config.json").read_text())
    (folder / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(ModelFileError, match="no .safetensors weights"):
        load_audio_engine(cache, str(folder), 1)
    with pytest.raises(ModelFileError, match="not a voice"):
        load_audio_engine(cache, str(tiny_vits / "vocab.json"), 1)


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg"])
def test_files_carry_text_model_seed_and_the_ai_mark(tmp_path, fmt):
    samples = (np.sin(np.linspace(0, 800, 16000)) * 0.5).astype(np.float32)
    tags = AudioTags("Ünïcode text: “hello”", "tiny-vits", 42, {"length_scale": 1.2})
    path = tmp_path / f"out.{fmt}"
    path.write_bytes(encode_audio(samples, 16000, fmt, tags))
    back = read_tags(path)
    assert back["text"] == "Ünïcode text: “hello”" and back["model"] == "tiny-vits" and back["seed"] == 42
    assert back["digital_source_type"] == AI_SOURCE_TYPE and back["settings"] == {"length_scale": 1.2}
    data, rate = soundfile.read(path)
    assert rate == 16000 and abs(len(data) - 16000) < 1200  # Vorbis pads a little
    if fmt != "wav":
        from mutagen import File

        comments = File(path).tags
        assert comments["MODEL"] == ["tiny-vits"] and comments["SEED"] == ["42"]
        assert comments["DIGITALSOURCETYPE"] == [AI_SOURCE_TYPE]


def test_an_audio_job_is_recorded_with_its_file_and_a_cancelled_one_leaves_no_file(cache, tmp_path, builtin_voice):
    library = Library(tmp_path / "lib")
    store = DirectStore(library)
    job = Job(JobKind.AUDIO, SpeechRequest(SENTENCE, file_format="flac"), str(builtin_voice),
              JobOrigin(Studio.AUDIO), EngineOptions(n_threads=2))
    outcome = run_audio_job(job, cache, store, lambda p: None)
    g = library.generations.get(outcome.generation_id)
    assert g.status == "done" and g.modality == "audio" and g.kind == "speech" and g.prompt == SENTENCE
    assert g.assets[0]["mime"] == "audio/flac" and outcome.path.exists()
    assert g.stats["real_time_factor"] < 1 and g.stats["audio_seconds"] > 2
    assert [i.id for i in library.items.page(LibraryQuery(text="atelier speak")).items] == [g.id]  # searchable
    stopped = Job(JobKind.AUDIO, SpeechRequest(LONG), str(builtin_voice),
                  JobOrigin(Studio.AUDIO), EngineOptions(n_threads=2))
    with pytest.raises(Cancelled):
        run_audio_job(stopped, cache, store, lambda p: stopped.cancel.set())
    rows = library.generations.recent(5)
    assert rows[0].status == "cancelled" and not rows[0].assets
    assert [p for p in library.layout.assets.rglob("*") if p.is_file()] == [outcome.path]  # no partial file left
    library.close()


def test_speech_goes_to_its_file_piece_by_piece_and_the_player_gets_no_samples(cache, tmp_path, builtin_voice):
    """Neither the engine, nor the file, nor the pieces sent on to the player hold the whole
    speech as samples: an hour of it would be ~300 MB of float32 several times over."""
    from desktop.core.audio.audio_files import decode_mono

    library = Library(tmp_path / "lib")
    sent, paths = [], {}
    for fmt in ("wav", "ogg"):
        job = Job(JobKind.AUDIO, SpeechRequest(LONG, noise_scale=0.0, noise_w=0.0, file_format=fmt), str(builtin_voice),
                  JobOrigin(Studio.AUDIO), EngineOptions(n_threads=2))
        outcome = run_audio_job(job, cache, DirectStore(library), sent.append)
        assert outcome.audio.samples is None and read_tags(outcome.path)["text"] == LONG
        assert soundfile.info(outcome.path).frames == outcome.audio.frames
        paths[fmt] = outcome.path
    pieces = [piece for update in sent for piece in update.pieces]
    assert len(pieces) == 10 and all(p.samples is None and p.wav.startswith(b"RIFF") for p in pieces)
    engine = load_audio_engine(cache, str(builtin_voice), 2)
    whole = speak(engine, SpeechRequest(LONG, noise_scale=0.0, noise_w=0.0)).samples
    written, _rate = decode_mono(paths["wav"])
    assert np.abs(written - whole).max() < 2 / 32768  # the WAV is the speech, in 16 bits
    library.close()


def test_waveform_peaks():
    samples = np.concatenate([np.zeros(100), np.ones(100) * 0.5, -np.ones(100)]).astype(np.float32)
    assert list(peaks(samples, 3)) == [0.0, 0.5, 1.0]
    assert len(peaks(samples[:2], 10)) == 2 and len(peaks([], 10)) == 0


def test_voice_and_model_configurations_of_odd_shape_are_problems_not_crashes(tmp_path):
    import json
    from pathlib import Path

    from desktop.core.audio.audio_registry import scan
    from desktop.core.audio.transformers_audio import model_type

    odd = {"list": "[1, 2]", "nested": "[" * 100_000, "string": '"phoneme_id_map audio"',
           "wrong-types": json.dumps({"phoneme_id_map": {"a": [1]}, "audio": {"sample_rate": 22050},
                                      "language": "English", "espeak": ["en"], "num_speakers": "two"})}
    for name, text in odd.items():
        (tmp_path / f"{name}.onnx").write_bytes(b"not onnx")
        (tmp_path / f"{name}.onnx.json").write_text(text)
        folder = tmp_path / f"vits-{name}"
        folder.mkdir()
        (folder / "config.json").write_text(text)
        assert model_type(folder) == ""
    found, problems = scan([tmp_path])
    names = {Path(info.path).name: info for info in found}
    assert "wrong-types.onnx" in names and names["wrong-types.onnx"].language == ""
    assert names["wrong-types.onnx"].speakers == 1
    assert {Path(p.path).name for p in problems} >= {"list.onnx", "nested.onnx", "string.onnx"}
