"""A video job end to end, like an image job: the engine from the model cache (refused before
loading when it cannot fit, with the numbers), a 'running' row, the denoising with per-step
progress and previews, the clip encoded to a partial file and its poster made, then both moved
into place and the row marked done in one commit — a finished clip is on disk and in the
library before anyone is told. A cancel (within a step, or while encoding) leaves no file and a
'cancelled' row.

Which engine: a Stable Video Diffusion or LTX-Video folder runs as itself; a Stable Diffusion
1.5 folder runs AnimateDiff with the request's motion adapter. A JoinRequest (desktop/pipeline/
video_edits.py) runs here too, as JobKind.VIDEO. What a clip is made from (the clip it
extends, a hand-off's sources) is linked as its row starts and carried in its file
(desktop/pipeline/lineage_links.py)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from desktop import __version__
from desktop.core import lineage, lineage_metadata
from desktop.core import precision as precisions
from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled, ModelFileError, UserFacingError
from desktop.core.jobs import Job
from desktop.core.json_files import read_object
from desktop.core.model_cache import ModelCache
from desktop.core.models.fit import ModelTooBigError
from desktop.core.video.video_engine import VideoEngine
from desktop.core.video.video_files import encode_video, poster_name, poster_png
from desktop.core.video.video_metadata import VideoTags
from desktop.core.video.video_request import FILE_FORMATS, VideoRequest
from desktop.pipeline import lineage_links, load_guard, video_memory
from desktop.pipeline.model_hashes import ModelHashing
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.store.asset_files import partial_file, planned_file, planned_from
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.pending_commits import FinishedWork


@dataclass
class VideoOutcome:
    generation_id: int
    path: Path                # the clip
    poster_path: Path         # its first frame, PNG
    frames: int
    fps: int
    width: int
    height: int
    seed: int | None
    seconds: float            # how long making it took
    precision: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def generation_ids(self) -> tuple[int, ...]:
        return (self.generation_id,)

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps


def family_of(model_path: str | Path, motion_adapter: str = "") -> str:
    """Which engine runs a model folder: "svd", "ltx" or "animatediff"; a message otherwise."""
    path = Path(model_path)
    if path.is_file() or not (path / "model_index.json").exists():
        if path.exists() and motion_adapter == "" and _looks_like_adapter(path):
            raise UserFacingError(f"{path.name} is a motion adapter: give a Stable Diffusion 1.5 model as the model "
                                  "and this as the motion adapter.")
        raise ModelFileError(f"{path.name} is not a video model folder (Stable Video Diffusion, LTX-Video, or a "
                             "Stable Diffusion 1.5 folder with a motion adapter).")
    try:
        pipeline = read_object(path / "model_index.json").get("_class_name")
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{path.name}: unreadable model_index.json ({exc}).") from None
    if pipeline == "StableVideoDiffusionPipeline":
        return "svd"
    if pipeline in ("LTXPipeline", "LTXImageToVideoPipeline"):
        return "ltx"
    if pipeline in ("StableDiffusionPipeline", "AnimateDiffPipeline"):
        if not motion_adapter:
            raise UserFacingError(f"{path.name} is a Stable Diffusion model: AnimateDiff also needs a motion adapter "
                                  "(--motion-adapter: a MotionAdapter folder or an AnimateDiff-Lightning "
                                  ".safetensors file).")
        return "animatediff"
    raise ModelFileError(f"{path.name} is a {pipeline} model, which the Video studio does not run.")


def _looks_like_adapter(path: Path) -> bool:
    if path.is_file():
        name = path.name.lower()
        return path.suffix.lower() == ".safetensors" and ("motion" in name or "animatediff" in name)
    try:
        return read_object(path / "config.json").get("_class_name") == "MotionAdapter"
    except (OSError, ValueError):
        return False


def load_video_engine(cache: ModelCache, model_path: str, request: VideoRequest, n_threads: int,
                      model_dirs: list[Path] = (), precision: str = "auto", memory_saving: bool = True) -> VideoEngine:
    """The engine for the model (and motion adapter), from the cache or loaded — unless it and
    the clip would not fit in memory (ModelTooBigError with the numbers)."""
    resolved = Path(model_path).resolve()
    adapter = str(Path(request.motion_adapter).resolve()) if request.motion_adapter else ""
    family = family_of(resolved, adapter)
    request.validate(family)
    model = ("video", str(resolved), adapter if family == "animatediff" else "")
    precision = _precision_that_fits(family, resolved, adapter, request, precision, memory_saving)
    settings = (n_threads, precision, memory_saving)
    _check_room(cache, (*model, *settings), family, resolved, adapter, request, precision, memory_saving)

    def load() -> VideoEngine:
        options = dict(n_threads=n_threads, precision=precision, preview_folders=list(model_dirs),
                       memory_saving=memory_saving)
        if family == "svd":
            from desktop.core.video.svd_engine import StableVideoEngine
            return StableVideoEngine(resolved, **options)
        if family == "ltx":
            from desktop.core.video.ltx_engine import LTXVideoEngine
            return LTXVideoEngine(resolved, **options)
        from desktop.core.video.animatediff_engine import AnimateDiffEngine
        return AnimateDiffEngine(resolved, adapter, **options)

    return cache.get_only(model, settings, load)


def _precision_that_fits(family, path: Path, adapter: str, request: VideoRequest, precision: str,
                         memory_saving: bool) -> str:
    """"auto" on a CPU without native bf16 means fp32 — unless the clip would not fit in memory in
    fp32 and would in bf16: then bf16 (slower there, but it runs; a person who set fp32 keeps it).
    On AnimateDiff at 16 frames of 512² that is 7.9 GiB against 4.9 (bench/video_memory.py)."""
    import torch

    if precision != precisions.AUTO or torch.cuda.is_available() or precisions.resolve(precision, "cpu") != "fp32":
        return precision
    weights, copy = video_memory.clip_weights(path, adapter, family)
    machine = load_guard.current_machine()

    def refused(choice: str) -> bool:
        return video_memory.estimate(weights, request, choice, "cpu", machine, memory_saving, load_copy=copy).refused

    return "bf16" if weights and refused("fp32") and not refused("bf16") else precision


def _check_room(cache, key, family, path: Path, adapter: str, request: VideoRequest, precision: str,
                memory_saving: bool) -> None:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    resolved = precisions.resolve(precision, device)
    weights, copy = video_memory.clip_weights(path, adapter, family)
    if weights == 0:
        return

    def need(machine, loaded: bool = False):
        return video_memory.estimate(weights, request, resolved, device, machine, memory_saving, loaded, copy)

    advice = (f"Make a shorter or smaller clip (now {request.frames} frames at {request.width}×{request.height})"
              + (", or choose bf16 in Settings › Image precision." if resolved == "fp32" and device == "cpu" else "."))
    load_guard.make_room(cache, key, need, path.name, advice, loaded_need=lambda machine: need(machine, True))
    if device == "cuda" and family == "ltx":  # a transformer that cannot fit on the GPU is refused up front
        estimate = need(load_guard.current_machine())
        if estimate.refused:
            raise ModelTooBigError(f"{path.name} needs about {estimate.vram_bytes / 1e9:.1f} GB of GPU memory for "
                                   f"this clip and the GPU has about {estimate.vram_room_bytes / 1e9:.1f} GB free. "
                                   f"{advice}", estimate)


def run_video_job(job: Job, cache: ModelCache, store: StoreAccess, progress: ProgressCallback) -> VideoOutcome:
    from desktop.pipeline.video_edits import JoinRequest, run_join

    if isinstance(job.request, JoinRequest):
        return run_join(job, store, progress)
    request: VideoRequest = job.request
    request.validate()
    with ModelHashing(store, job.model_path, job.cancel) as hashing:  # read while the model loads
        engine = load_video_engine(cache, job.model_path, request, job.options.n_threads,
                                   [Path(p) for p in job.options.model_dirs], job.options.precision)
        model_hash = hashing.result()
    seed = request.seed if request.seed >= 0 else random.randrange(2**31)
    model_name = Path(engine.model_path).name
    adapter_name = Path(request.motion_adapter).name if engine.family == "animatediff" else ""
    params = _params(request, engine)
    kind = "extend" if request.extends else request.kind
    new = NewGeneration(modality="video", kind=kind, prompt=request.prompt, negative=request.negative, params=params,
                        model_name=model_name, model_path=engine.model_path, model_sha256=model_hash, seed=seed)
    root, owner = store.call(lambda lib: (lib.layout.root, lib.lease.token))
    sources = lineage_links.with_legacy(request.sources, lineage.Source(
        lineage.EXTEND, request.extends_generation_id, request.extends) if request.extends else None)
    hashes = lineage_links.file_hashes(sources, root)
    generation_id, described = call_patiently(
        store, lambda lib: lineage_links.start_linked(lib, new, sources, hashes), progress)
    suffix, mime = FILE_FORMATS[request.file_format]
    relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-{seed}{suffix}"
    settings = {**{k: v for k, v in params.items() if k not in ("precision", "device", "typed_prompt")}, "negative": request.negative,
                "motion_adapter": adapter_name}
    details = lineage_metadata.with_lineage(
        {"kind": kind, "generation_id": generation_id, "model_hash": model_hash, "versions": versions(),
         "precision": engine.precision, "device": engine.device, "family": engine.family},
        described, request.typed_prompt)

    def make():
        made = engine.generate(request, progress, job.cancel, seed)
        if engine.precision != precisions.resolve(job.options.precision, engine.device):
            made.notes.append(f"Made in {engine.precision}: in {precisions.resolve(job.options.precision, engine.device)} "
                              "this clip would not fit in memory.")
        tags = VideoTags(request.prompt, model_name, seed, settings, details)
        clip = partial_file(root, relative, owner)
        try:
            progress_encoding(progress, len(made.frames))
            encode_video(cancellable(made.frames, job.cancel), made.fps, request.file_format, tags, clip)
        except BaseException:  # cancelled or failed while encoding: no partial file stays behind
            clip.unlink(missing_ok=True)
            raise
        return made, clip, poster_png(made.frames[0], tags)

    made, clip, poster = run_recorded(store, generation_id, make)
    width, height = made.frames[0].size
    assets = [AssetMeta(planned_from(root, relative, clip), FILE_FORMATS[request.file_format][1], width, height,
                        made.duration_s),
              AssetMeta(planned_file(root, poster_name(relative), poster), "image/png",
                        width, height)]
    stats = {"seconds": round(made.seconds, 3), "frames": len(made.frames), "fps": made.fps,
             "precision": engine.precision, **({"notes": made.notes} if made.notes else {})}
    commit_finished(store, FinishedWork(generation_id, stats=stats, seed=seed, assets=assets), [clip, poster], progress)
    return VideoOutcome(generation_id, assets[0].file.path, assets[1].file.path, len(made.frames), made.fps, width,
                        height, seed, made.seconds, engine.precision, made.notes)


def _params(request: VideoRequest, engine: VideoEngine) -> dict:
    """What made the clip; the precision and device belong here: the same seed gives the same
    frames only with both."""
    values = {"frames": request.frames, "fps": request.fps, "width": request.width, "height": request.height,
              "steps": request.steps, "guidance": request.guidance, "scheduler": request.scheduler,
              "strength": request.strength if request.init_image is not None and engine.family == "animatediff" else None,
              "motion_bucket_id": request.motion_bucket_id if engine.family == "svd" else None,
              "file_format": request.file_format, "family": engine.family,
              "motion_adapter": request.motion_adapter or None, "extends": request.extends or None,
              "precision": engine.precision, "device": engine.device, "typed_prompt": request.typed_prompt or None}
    return {key: value for key, value in values.items() if value is not None}


def cancellable(frames, cancel):
    """Frames for the encoder, stopping with Cancelled between two frames once cancel is set."""
    for frame in frames:
        if cancel.is_set():
            raise Cancelled()
        yield frame


def progress_encoding(progress: ProgressCallback, frames: int) -> None:
    from desktop.core.jobs import Progress

    progress(Progress(done=0, total=frames, unit="frames", message=f"Encoding {frames} frames"))


def versions() -> dict:
    import av
    import diffusers
    import torch

    return {"atelier": __version__, "diffusers": diffusers.__version__, "torch": torch.__version__, "av": av.__version__}
