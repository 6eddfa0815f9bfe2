"""An image job end to end: the pipeline from the cache, then for each image of the batch
a 'running' row, the denoising, the PNG (with its metadata) written atomically, and the
row marked done together with its file. A finished image is kept even if a later one in
the batch is cancelled; the Cancelled then carries the kept ones (`kept`). The decoder,
precision and runtime that made an image go into its row and its file's metadata; so do its
sources (linked as its row starts, desktop/pipeline/lineage_links.py) and the typed prompt
when the prompt is an expansion of it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from desktop import __version__
from desktop.core import lineage_metadata
from desktop.core.image import decoder_choice, diffusion_registry, runtime_choice
from desktop.core.image.diffusion_engine import DiffusionEngine
from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled, ModelFileError
from desktop.core.image.image_metadata import encode_image
from desktop.core.image.image_request import FILE_FORMATS, ImageRequest
from desktop.core import precision as precisions
from desktop.core.image.image_settings import ImageSettings
from desktop.core.weight_files import weight_parameters
from desktop.core.jobs import Job, Progress
from desktop.core.model_cache import ModelCache
from desktop.core.models import fit
from desktop.pipeline import lineage_links, load_guard
from desktop.pipeline.model_hashes import ModelHashing
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.store.asset_files import planned_file
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.pending_commits import FinishedWork


@dataclass
class ImageItem:
    generation_id: int
    path: Path
    seed: int
    seconds: float
    precision: str = ""
    notes: list[str] = field(default_factory=list)
    decoder: str = decoder_choice.FULL   # "full" or "tiny" (TAESD)
    runtime: str = runtime_choice.TORCH
    tiny_missing: bool = False           # TAESD was wanted for this run but none fits the model


@dataclass
class ImageOutcome:
    items: list[ImageItem] = field(default_factory=list)

    @property
    def generation_ids(self) -> tuple[int, ...]:
        return tuple(item.generation_id for item in self.items)


def load_image_engine(cache: ModelCache, model_path: str, n_threads: int,
                      model_dirs: list[Path] = (), precision: str = "auto",
                      width: int = 512, height: int = 512, found: tuple = (), runtime: str = runtime_choice.TORCH,
                      few_step: bool = False, progress: ProgressCallback | None = None) -> DiffusionEngine:
    """The pipeline for `model_path`, loaded unless it would not fit in memory together with a
    width × height image (see desktop/pipeline/load_guard.py). `found`: other apps' models
    (configurations for a single file, tiny autoencoders for previews). The engine opens the
    path as given — a Hugging Face cache link keeps the file's name and extension, its blob
    does not — while the cache knows the model by where the link leads. `runtime`: resolved
    (runtime_choice.resolve); its first conversion reports to `progress`."""
    resolved = str(Path(model_path).resolve())
    opened = str(Path(model_path).absolute())

    def load() -> DiffusionEngine:
        candidates = diffusion_registry.config_folders(list(model_dirs), found) if Path(opened).is_file() else []
        return DiffusionEngine(opened, n_threads=n_threads, preview_folders=list(model_dirs),
                               config_candidates=candidates, precision=precision, preview_found=found,
                               few_step=few_step, runtime=runtime, on_progress=converting)

    def converting(done: int, total: int, message: str) -> None:
        if progress is not None:
            progress(Progress(done=done, total=total, unit="conversion", message=message))

    _check_room(cache, ("image", resolved, n_threads, precision, runtime), Path(resolved), precision, width, height)
    return cache.get_only(("image", resolved), (n_threads, precision, runtime), load)


def few_step_model(model_path: str, model_dirs: list[Path]) -> bool:
    """The catalog made this model for a few steps (its `max_steps` is 4 or fewer), wherever
    it came from (catalog_match). `model_dirs[0]` is where Atelier's downloads go."""
    from desktop.core.models.catalog_match import entry_for

    try:
        entry = entry_for(model_path, Path(model_dirs[0])) if model_dirs else None
    except Exception:  # noqa: BLE001 - an unreadable catalog only loses the hint
        return False
    limit = entry.recommended.get("max_steps") if entry is not None else None
    return isinstance(limit, int) and 0 < limit <= decoder_choice.FEW_STEPS


_PRECISION_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}


def _check_room(cache: ModelCache, key: tuple, path: Path, precision: str, width: int, height: int) -> None:
    """The weights in the precision they will run in (parameters counted from the
    safetensors headers) plus the activations at width × height; on a GPU the fp16 weights
    pass through RAM. A model already loaded is checked for the activations only."""
    try:
        parameters = weight_parameters(path)
    except ModelFileError:
        return  # the engine reports a damaged or missing model with its own message
    if parameters == 0:
        return
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    size = _PRECISION_BYTES[precisions.resolve(precision, device)]

    def need(machine, weights: bool = True):
        if device == "cuda":
            return fit.judge(parameters * 2 if weights else 0, None, machine)
        cpu = dataclasses.replace(machine, gpu=None)
        return fit.for_diffusion(parameters * size if weights else 0, width, height, size, cpu)

    advice = (f"Make a smaller image (now {width}×{height}) or choose a smaller model"
              + (", or bf16 in Settings › Image precision." if size == 4 and device == "cpu" else "."))
    load_guard.make_room(cache, key, need, path.name, advice,
                         loaded_need=(lambda machine: need(machine, weights=False)) if device == "cpu" else None)


def run_image_job(job: Job, cache: ModelCache, store: StoreAccess, progress: ProgressCallback) -> ImageOutcome:
    outcome = ImageOutcome()
    try:
        _run_batch(job, cache, store, progress, outcome)
    except Cancelled as stopped:
        if outcome.items:  # the images finished before the stop are in the library: say which
            stopped.kept = outcome
        raise
    return outcome


def _run_batch(job: Job, cache: ModelCache, store: StoreAccess, progress: ProgressCallback,
               outcome: ImageOutcome) -> None:
    """Each finished image joins `outcome` once its file and row are committed."""
    request: ImageRequest = job.request
    request.validate()
    model_dirs = [Path(p) for p in job.options.model_dirs]
    few_step = few_step_model(job.model_path, model_dirs)
    runtime, runtime_note = runtime_choice.resolve(request.runtime, _device(), few_step)
    with ModelHashing(store, job.model_path, job.cancel) as hashing:  # read while the model loads
        engine = load_image_engine(cache, job.model_path, job.options.n_threads, model_dirs, job.options.precision,
                                   request.width, request.height, job.options.found_models, runtime=runtime,
                                   few_step=few_step, progress=progress)
        model_hash = hashing.result()  # sha256: A1111's `Model hash` is its first 10 digits
    if runtime != engine.runtime:  # fast_runtime fell back (and logged why)
        runtime_note = f"{runtime_choice.display_name(runtime)} failed to load this model: it ran in PyTorch."
    decoder = engine.decoder_for(request)
    model_name = Path(engine.model_path).name
    base_seed = request.seed if request.seed >= 0 else random.randrange(2**31)
    root = store.call(lambda lib: lib.layout.root)
    hashes = lineage_links.file_hashes(request.sources, root)  # files outside the library, read here
    for index in range(request.batch):
        seed = base_seed + index
        settings = ImageSettings(prompt=request.prompt, negative=request.negative, steps=request.steps,
                                 guidance=request.guidance, seed=seed, width=request.width,
                                 height=request.height, sampler=request.scheduler or "default",
                                 strength=request.strength if request.init_image is not None else None,
                                 model_name=model_name, model_hash=model_hash, extra=_tool_pairs(decoder, engine))
        new = NewGeneration(modality="image", kind=request.kind, prompt=request.prompt,
                            negative=request.negative, params=_params(request, index, engine), model_name=model_name,
                            model_path=engine.model_path, model_sha256=model_hash, seed=seed)
        generation_id, sources = call_patiently(
            store, lambda lib: lineage_links.start_linked(lib, new, request.sources, hashes), progress)

        def step(p: Progress, index=index) -> None:
            progress(Progress(done=index * p.total + p.done, total=p.total * request.batch, unit="steps",
                              preview=p.preview, eta_s=p.eta_s, message=f"Image {index + 1}/{request.batch}"))

        def make(generation_id=generation_id, seed=seed, settings=settings, step=step, sources=sources):
            made = engine.generate(request, step, job.cancel, seed)
            details = {"settings": settings.as_dict(), "kind": request.kind, "generation_id": generation_id,
                       "scheduler": type(engine.pipeline(request.kind).scheduler).__name__, "versions": _versions(),
                       "precision": engine.precision, "device": engine.device, "decoder": made.decoder,
                       "runtime": engine.runtime}
            details = lineage_metadata.with_lineage(details, sources, request.typed_prompt)
            return made, encode_image(made.image, request.file_format, settings, details)

        made, data = run_recorded(store, generation_id, make)
        suffix, mime = FILE_FORMATS[request.file_format]
        relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-{seed}{suffix}"
        asset = AssetMeta(planned_file(root, relative, data), mime, made.image.width, made.image.height)
        commit_finished(store, FinishedWork(generation_id, stats=_stats(made, engine), seed=seed,
                                            assets=[asset]), [data], progress)
        notes = [*made.notes, *([runtime_note] if runtime_note else [])]
        outcome.items.append(ImageItem(generation_id, asset.file.path, seed, made.seconds, engine.precision,
                                       notes, made.decoder, engine.runtime, made.tiny_missing))


def _params(request: ImageRequest, index: int, engine: DiffusionEngine) -> dict:
    """What made the image; settings that do not apply (strength without an image) are left out.
    The precision and device belong here: the same seed gives the same pixels only with both."""
    values = {"steps": request.steps, "guidance": request.guidance, "width": request.width,
              "height": request.height, "scheduler": request.scheduler, "batch_index": index,
              "batch": request.batch, "strength": request.strength if request.init_image is not None else None,
              "file_format": request.file_format, "precision": engine.precision, "device": engine.device,
              "decoder": engine.decoder_for(request).decoder, "runtime": engine.runtime,
              "typed_prompt": request.typed_prompt or None}
    return {key: value for key, value in values.items() if value is not None}


def _tool_pairs(decoder: decoder_choice.DecoderChoice, engine: DiffusionEngine) -> dict:
    """Extra `Key: value` pairs of the A1111 parameters text, for what differs from a plain
    diffusers image: a tiny decoder, a runtime other than PyTorch."""
    pairs = {}
    if decoder.decoder == decoder_choice.TINY:
        pairs["Decoder"] = decoder_choice.display_name(decoder.decoder, engine.is_sdxl)
    if engine.runtime != runtime_choice.TORCH:
        pairs["Runtime"] = runtime_choice.display_name(engine.runtime)
    return pairs


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _stats(made, engine: DiffusionEngine) -> dict:
    stats = {"seconds": round(made.seconds, 3), "precision": engine.precision, "decoder": made.decoder,
             "runtime": engine.runtime}
    if made.notes:
        stats["notes"] = made.notes
    return stats


def _versions() -> dict:
    import diffusers
    import torch

    return {"atelier": __version__, "diffusers": diffusers.__version__, "torch": torch.__version__}
