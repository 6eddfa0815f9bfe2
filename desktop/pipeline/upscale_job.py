"""An upscale job: the image enlarged by the GAN in tiles, stored as a new generation
linked to its source, with the source's settings carried into the new file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from desktop.core import lineage, lineage_metadata
from desktop.core.image.image_files import open_image
from desktop.core.image.image_metadata import encode_image, read_settings
from desktop.core.image.image_settings import ImageSettings
from desktop.core.jobs import Job
from desktop.core.model_cache import ModelCache
from desktop.core.models import fit
from desktop.core.image.upscale_engine import UpscaleEngine, UpscaleRequest
from desktop.pipeline import lineage_links, load_guard
from desktop.pipeline.image_job import ImageItem, ImageOutcome, _versions
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.store.asset_files import planned_file
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.pending_commits import FinishedWork


def load_upscale_engine(cache: ModelCache, model_path: str, n_threads: int, working_bytes: int) -> UpscaleEngine:
    """The upscaler, loaded unless it and `working_bytes` (the output image and a tile's
    activations, load_guard.upscale_working_bytes) would not fit; a loaded one is checked
    for the working memory alone. The weights are counted twice: the state dict read from
    the file and the network built from it are both in memory while it loads."""
    path = Path(model_path).resolve()
    model, settings = ("upscale", str(path)), (n_threads,)
    weights = path.stat().st_size * 2 if path.is_file() else 0
    load_guard.make_room(cache, (*model, *settings), lambda machine: fit.judge(weights + working_bytes, None, machine),
                         path.name, "Upscale a smaller image, or by 2 instead of 4.",
                         loaded_need=lambda machine: fit.judge(working_bytes, None, machine))
    return cache.get_only(model, settings, lambda: UpscaleEngine(path, n_threads=n_threads))


def run_upscale_job(job: Job, cache: ModelCache, store: StoreAccess, progress) -> ImageOutcome:
    request: UpscaleRequest = job.request
    source = open_image(request.source_path)
    engine = load_upscale_engine(cache, job.model_path, job.options.n_threads,
                                 load_guard.upscale_working_bytes(source.width, source.height, request.factor,
                                                                  request.tile, request.overlap))
    settings = read_settings(request.source_path) or ImageSettings()
    upscaler = Path(engine.model_path).stem
    settings.width, settings.height = source.width * request.factor, source.height * request.factor
    settings.extra = {**settings.extra, "Hires upscaler": upscaler, "Hires upscale": request.factor}
    new = NewGeneration(modality="image", kind="upscale", prompt=settings.prompt, negative=settings.negative,
                        params={"factor": request.factor, "upscaler": upscaler, "tile": request.tile,
                                "source": request.source_path},
                        model_name=upscaler, model_path=engine.model_path, seed=settings.seed)

    sources = lineage_links.with_legacy(request.sources, lineage.Source(
        lineage.UPSCALE, request.source_generation_id, request.source_path))
    root = store.call(lambda lib: lib.layout.root)
    hashes = lineage_links.file_hashes(sources, root)
    generation_id, described = call_patiently(
        store, lambda lib: lineage_links.start_linked(lib, new, sources, hashes), progress)
    details = lineage_metadata.with_lineage(
        {"settings": settings.as_dict(), "kind": "upscale", "upscaler": upscaler,
         "source_generation_id": request.source_generation_id, "versions": _versions()}, described)

    def make():
        image = engine.upscale(source, request.factor, progress, job.cancel, request.tile, request.overlap)
        return image, encode_image(image, "PNG", settings, details)

    image, data = run_recorded(store, generation_id, make)
    relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-x{request.factor}.png"
    asset = AssetMeta(planned_file(root, relative, data), "image/png", image.width, image.height)
    commit_finished(store, FinishedWork(generation_id, assets=[asset]), [data], progress)
    return ImageOutcome([ImageItem(generation_id, asset.file.path, settings.seed or 0, 0.0)])
