"""An audio job end to end: the engine from the cache, a 'running' row, the synthesis
(sentences reported as they finish), the file with its tags written atomically, and the
row marked done together with its file. Speech goes into its (partial) file piece by piece
as it is made, so an hour of it never sits in memory; music (two minutes at most) is
encoded whole."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from desktop.core.audio.audio_files import AudioFileWriter, AudioTags, encode_audio, wav_bytes
from desktop.core.audio.audio_request import AUDIO_FORMATS, GeneratedAudio, MusicRequest, SpeechRequest
from desktop.core.engine import ProgressCallback
from desktop.core.errors import ModelFileError, UserFacingError
from desktop.core.jobs import Job
from desktop.core.model_cache import ModelCache
from desktop.core.models import fit
from desktop.core.audio.piper_engine import PiperEngine
from desktop.core.audio.transformers_audio import MUSIC_TYPES, MusicEngine, VitsEngine, model_type
from desktop.pipeline import lineage_links, load_guard
from desktop.pipeline.model_hashes import ModelHashing
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.store.asset_files import partial_file, planned_file, planned_from
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.pending_commits import FinishedWork


@dataclass
class AudioOutcome:
    generation_id: int
    path: Path
    audio: GeneratedAudio

    @property
    def generation_ids(self) -> tuple[int, ...]:
        return (self.generation_id,)


def load_audio_engine(cache: ModelCache, model_path: str, n_threads: int):
    # Opened as given (a Hugging Face cache link keeps the voice's .onnx name; its blob has
    # none); known to the cache by where it leads.
    path = Path(model_path).absolute()
    if not path.exists():
        raise ModelFileError(f"{model_path} does not exist. Was it moved or deleted?")
    model, settings = ("audio", str(path.resolve())), (n_threads,)
    if path.is_file():
        if path.suffix.lower() != ".onnx":
            raise ModelFileError(f"{path.name} is not a voice Atelier can load (a Piper .onnx voice, or a "
                                 "VITS / MusicGen folder).")
        _check_room(cache, (*model, *settings), path.name, path.stat().st_size * PIPER_MEMORY_FACTOR)
        return cache.get_only(model, settings, lambda: PiperEngine(path, n_threads))
    engine = MusicEngine if model_type(path) in MUSIC_TYPES else VitsEngine
    weights = sum(f.stat().st_size for f in path.glob("*.safetensors"))
    _check_room(cache, (*model, *settings), path.name, round(weights * FOLDER_MEMORY_FACTOR))
    return cache.get_only(model, settings, lambda: engine(path, n_threads))


# Rough multiples of the files on disk, assumed rather than measured for each model: a Piper
# voice's onnxruntime session and arena came to ~4.2x its 63 MB file over prose (267 MB,
# piper_engine.py); a transformers folder loads its weights as saved plus working memory
# (MusicGen's decoder cache and EnCodec decode), taken as half the weights again.
PIPER_MEMORY_FACTOR = 5
FOLDER_MEMORY_FACTOR = 1.5


def _check_room(cache: ModelCache, key: tuple, name: str, need_bytes: int) -> None:
    load_guard.make_room(cache, key, lambda machine: fit.judge(need_bytes, None, machine), name,
                         "Choose a smaller voice or model.")


def run_audio_job(job: Job, cache: ModelCache, store: StoreAccess, progress: ProgressCallback) -> AudioOutcome:
    request: SpeechRequest | MusicRequest = job.request
    music = isinstance(request, MusicRequest)
    request.validate()
    with ModelHashing(store, job.model_path, job.cancel) as hashing:  # read while the model loads
        engine = load_audio_engine(cache, job.model_path, job.options.n_threads)
        model_hash = hashing.result()
    if music != isinstance(engine, MusicEngine):
        raise UserFacingError(f"{engine.name} makes {'music' if not music else 'speech'}; choose a "
                              f"{'MusicGen model' if music else 'voice'} for {'music' if music else 'speech'}.")
    text = request.prompt if music else request.text
    kind = "music" if music else "speech"
    params = {**request.params(), "engine": type(engine).__name__.removesuffix("Engine").lower()}
    typed_prompt = getattr(request, "typed_prompt", "")  # music only: speech speaks its text as given
    if typed_prompt:
        params["typed_prompt"] = typed_prompt
    new = NewGeneration(modality="audio", kind=kind, prompt=text, params=params, model_name=engine.name,
                        model_path=engine.model_path, model_sha256=model_hash,
                        seed=request.seed if request.seed >= 0 else None)
    root, owner = store.call(lambda lib: (lib.layout.root, lib.lease.token))
    hashes = lineage_links.file_hashes(request.sources, root)
    generation_id, sources = call_patiently(
        store, lambda lib: lineage_links.start_linked(lib, new, request.sources, hashes), progress)
    suffix, mime = AUDIO_FORMATS[request.file_format]
    relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-{kind}{suffix}"

    def report(update, sink: AudioFileWriter | None = None) -> None:
        if update.pieces:
            for piece in update.pieces:
                sink.write(piece.samples)
            # Encoded here, on the worker, so the player only has to play them; the samples stay here.
            update = replace(update, pieces=tuple(replace(p, wav=wav_bytes(p.samples, p.sample_rate), samples=None)
                                                  for p in update.pieces))
        progress(update)

    def make():
        if music:
            made = engine.generate(request, report, job.cancel)
            tags = AudioTags(text, engine.name, made.seed, params, sources)
            return made, encode_audio(made.samples, made.sample_rate, request.file_format, tags)
        sink = AudioFileWriter(partial_file(root, relative, owner), engine.sample_rate, request.file_format)
        try:
            made = engine.generate(request, lambda update: report(update, sink), job.cancel, keep_samples=False)
            sink.finish(AudioTags(text, engine.name, made.seed, params, sources))
        except BaseException:  # cancelled or failed: no partial file stays behind
            sink.close()
            sink.path.unlink(missing_ok=True)
            raise
        return made, sink.path

    made, data = run_recorded(store, generation_id, make)
    stats = {"seconds": round(made.seconds, 3), "audio_seconds": round(made.duration_s, 3),
             "real_time_factor": round(made.seconds / max(made.duration_s, 1e-6), 4), "pieces": made.pieces,
             "sample_rate": made.sample_rate, "notes": made.notes}
    file = planned_file(root, relative, data) if music else planned_from(root, relative, data)
    asset = AssetMeta(file, mime, duration_s=made.duration_s)
    commit_finished(store, FinishedWork(generation_id, stats=stats, seed=made.seed, assets=[asset]), [data], progress)
    return AudioOutcome(generation_id, asset.file.path, made)
