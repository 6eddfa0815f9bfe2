"""An upscale job: the image enlarged by the GAN in tiles, stored as a new generation
linked to its source, with the source's settings carried into the new file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from desktop.core.image_files import open_image
from desktop.core.image_metadata import encode_image, read_settings
from desktop.core.image_settings import ImageSettings
from desktop.core.jobs import Job
from desktop.core.model_cache import ModelCache
from desktop.core.upscale_engine import UpscaleEngine, UpscaleRequest
from desktop.pipeline.image_job import ImageItem, ImageOutcome, _versions
from desktop.pipeline.recording import run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration, transaction


def run_upscale_job(job: Job, cache: ModelCache, store: StoreAccess, progress) -> ImageOutcome:
    request: UpscaleRequest = job.request
    threads = job.context.get("n_threads", 1)
    key = ("upscale", str(Path(job.model_path).resolve()), threads)
    engine = cache.get(key, lambda: UpscaleEngine(job.model_path, n_threads=threads))
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

    generation_id = store.call(start)
    image = run_recorded(store, generation_id, lambda: engine.upscale(
        source, request.factor, progress, job.cancel, request.tile, request.overlap))
    details = {"settings": settings.as_dict(), "kind": "upscale", "upscaler": upscaler,
               "source_generation_id": request.source_generation_id, "versions": _versions()}
    root = store.call(lambda lib: lib.layout.root)
    relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-x{request.factor}.png"
    written = write_atomically(root, relative, encode_image(image, "PNG", settings, details))
    asset = AssetMeta(written, "image/png", image.width, image.height)
    store.call(lambda lib: lib.generations.finish(generation_id, assets=[asset]))
    return ImageOutcome([ImageItem(generation_id, written.path, settings.seed or 0, 0.0)])
