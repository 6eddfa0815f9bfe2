"""An upscale job: the image enlarged by the GAN in tiles, stored as a new generation
linked to its source, with the source's settings carried into the new file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from desktop.core.image.image_files import open_image
from desktop.core.image.image_metadata import encode_image, read_settings
from desktop.core.image.image_settings import ImageSettings
from desktop.core.jobs import Job
from desktop.core.model_cache import ModelCache
from desktop.core.image.upscale_engine import UpscaleEngine, UpscaleRequest
from desktop.pipeline.image_job import ImageItem, ImageOutcome, _versions
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.store.asset_files import planned_file
from desktop.store.generations import AssetMeta, NewGeneration, transaction
from desktop.store.pending_commits import FinishedWork


def run_upscale_job(job: Job, cache: ModelCache, store: StoreAccess, progress) -> ImageOutcome:
    request: UpscaleRequest = job.request
    threads = job.options.n_threads
    engine = cache.get_only(("upscale", str(Path(job.model_path).resolve())), (threads,),
                            lambda: UpscaleEngine(job.model_path, n_threads=threads))
    source = open_image(request.source_path)
    settings = read_settings(request.source_path) or ImageSettings()
    upscaler = Path(engine.model_path).stem
    settings.width, settings.height = source.width * request.factor, source.height * request.factor
    settings.extra = {**settings.extra, "Hires upscaler": upscaler, "Hires upscale": request.factor}
    new = NewGeneration(modality="image", kind="upscale", prompt=settings.prompt, negative=settings.negative,
                        params={"factor": request.factor, "upscaler": upscaler, "tile": request.tile,
                                "source": request.source_path},
                        model_name=upscaler, model_path=engine.model_path, seed=settings.seed)

    def start(lib) -> int:
        with transaction(lib.conn):
            generation_id = lib.generations.start(new)
            lib.generations.link_source(generation_id, "upscale", request.source_generation_id, request.source_path)
            return generation_id

    generation_id = call_patiently(store, start, progress)
    details = {"settings": settings.as_dict(), "kind": "upscale", "upscaler": upscaler,
               "source_generation_id": request.source_generation_id, "versions": _versions()}

    def make():
        image = engine.upscale(source, request.factor, progress, job.cancel, request.tile, request.overlap)
        return image, encode_image(image, "PNG", settings, details)

    image, data = run_recorded(store, generation_id, make)
    root = store.call(lambda lib: lib.layout.root)
    relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-x{request.factor}.png"
    asset = AssetMeta(planned_file(root, relative, data), "image/png", image.width, image.height)
    commit_finished(store, FinishedWork(generation_id, assets=[asset]), [data], progress)
    return ImageOutcome([ImageItem(generation_id, asset.file.path, settings.seed or 0, 0.0)])
