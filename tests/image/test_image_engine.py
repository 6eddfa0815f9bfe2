"""The diffusers image engine on tiny random-weight Stable Diffusion pipelines built here
(no downloads). The pictures are noise; loading, seeds, progress, previews, cancel,
storage and metadata are real."""

import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from desktop.core.image.diffusion_engine import DiffusionEngine, check_model_path  # noqa: E402
from desktop.core.errors import Cancelled, ModelFileError, UserFacingError  # noqa: E402
from desktop.core.image.image_files import open_image  # noqa: E402
from desktop.core.image.image_metadata import is_marked_ai_generated, read_settings  # noqa: E402
from desktop.core.image.image_request import ImageRequest  # noqa: E402
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache  # noqa: E402
from desktop.pipeline.image_job import run_image_job  # noqa: E402
from desktop.pipeline.store_access import DirectStore  # noqa: E402
from desktop.store.library import Library  # noqa: E402
from tiny_models import write_tiny_sd  # noqa: E402


@pytest.fixture(scope="session")
def tiny_sd(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd")


@pytest.fixture(scope="session")
def tiny_sd_inpaint(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd-inpaint", inpainting=True)


@pytest.fixture(scope="module")
def engine(tiny_sd):
    return DiffusionEngine(tiny_sd, n_threads=2, precision="fp32")  # the same on every machine


def request(**kw):
    values = dict(prompt="a red cube on a table", steps=3, width=64, height=64, guidance=5.0)
    values.update(kw)
    return ImageRequest(**values)


def test_same_seed_gives_the_same_pixels_as_a_plain_diffusers_call(tiny_sd, cpu_precision):
    import torch
    from diffusers import StableDiffusionPipeline

    engine = DiffusionEngine(tiny_sd, n_threads=2)
    assert engine.precision == cpu_precision
    made = engine.generate(request(negative="blurry"), lambda p: None, threading.Event(), seed=42)
    # The reference runs in the dtype the app chose: bf16 and fp32 differ by a few levels.
    plain = StableDiffusionPipeline.from_pretrained(tiny_sd, dtype=engine.dtype)
    plain.set_progress_bar_config(disable=True)
    expected = plain("a red cube on a table", negative_prompt="blurry", num_inference_steps=3,
                     guidance_scale=5.0, width=64, height=64,
                     generator=torch.Generator("cpu").manual_seed(42)).images[0]
    assert np.array_equal(np.asarray(made.image), np.asarray(expected))
    again = engine.generate(request(negative="blurry"), lambda p: None, threading.Event(), seed=42)
    assert np.array_equal(np.asarray(made.image), np.asarray(again.image))


def test_progress_and_a_preview_at_every_step(engine):
    updates = []
    engine.generate(request(steps=4), updates.append, threading.Event(), seed=1)
    assert [u.done for u in updates] == [1, 2, 3, 4] and all(u.total == 4 for u in updates)
    assert all(u.preview is not None and u.preview.mode == "RGB" for u in updates)
    assert updates[-1].eta_s == 0


def test_cancel_lands_within_one_step(engine):
    cancel, seen = threading.Event(), []

    def progress(p):
        seen.append(p.done)
        if p.done == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        engine.generate(request(steps=10), progress, cancel, seed=1)
    assert seen == [1, 2]


@pytest.mark.parametrize("name", ["Euler", "Euler a", "DPM++ 2M", "DPM++ 2M Karras", "DDIM", "LCM"])
def test_schedulers(engine, name):
    made = engine.generate(request(scheduler=name, steps=2), lambda p: None, threading.Event(), seed=3)
    assert made.image.size == (64, 64)


def test_unknown_scheduler_is_refused(engine):
    with pytest.raises(UserFacingError, match="Unknown scheduler"):
        engine.generate(request(scheduler="Magic"), lambda p: None, threading.Event(), seed=3)


def test_img2img_shares_the_loaded_components(engine):
    init = Image.new("RGB", (80, 80), (200, 30, 30))
    updates = []
    made = engine.generate(request(init_image=init, strength=0.5, steps=6), updates.append, threading.Event(), seed=9)
    assert made.image.size == (64, 64) and len(updates) == 3  # strength 0.5 of 6 steps
    img2img = engine.pipeline("img2img")
    assert img2img.unet is engine.base.unet and img2img.vae is engine.base.vae


def test_inpainting_with_a_mask(tiny_sd_inpaint):
    engine = DiffusionEngine(tiny_sd_inpaint, n_threads=2)
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 48))
    made = engine.generate(request(init_image=Image.new("RGB", (64, 64), "white"), mask=mask, strength=1.0),
                           lambda p: None, threading.Event(), seed=5)
    assert made.image.size == (64, 64)


@pytest.mark.parametrize("kw, message", [
    ({"width": 100}, "multiple of 8"), ({"height": 8}, "between 64 and 2048"),
    ({"width": 4096}, "between 64 and 2048"), ({"steps": 0}, "Steps"), ({"batch": 100}, "Batch"),
    ({"mask": Image.new("L", (64, 64))}, "needs an image"),
])
def test_bad_sizes_and_settings_get_clear_messages(kw, message):
    with pytest.raises(UserFacingError, match=message):
        request(**kw).validate()


def test_pickle_weights_are_refused_never_loaded(tmp_path, tiny_sd):
    ckpt = tmp_path / "model.ckpt"
    ckpt.write_bytes(b"\x80\x04pickle")
    with pytest.raises(ModelFileError, match="pickle-based .* never does"):
        check_model_path(ckpt)
    folder = tmp_path / "bin-only"
    folder.mkdir()
    (folder / "model_index.json").write_text((tiny_sd / "model_index.json").read_text())
    (folder / "unet").mkdir()
    (folder / "unet" / "diffusion_pytorch_model.bin").write_bytes(b"\x80\x04pickle")
    with pytest.raises(ModelFileError, match="only has pickle-based weights"):
        DiffusionEngine(folder)
    with pytest.raises(ModelFileError, match="not a diffusers model folder"):
        check_model_path(tmp_path)


def test_a_batch_is_stored_image_by_image_with_metadata(tmp_path, tiny_sd):
    library = Library(tmp_path / "lib")
    job = Job(JobKind.IMAGE, request(batch=2, seed=100), str(tiny_sd),
              JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2))
    outcome = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None)
    assert [i.seed for i in outcome.items] == [100, 101]
    for item in outcome.items:
        row = library.generations.get(item.generation_id)
        assert row.status == "done" and row.seed == item.seed and row.assets[0]["mime"] == "image/png"
        assert (library.layout.root / row.assets[0]["path"]) == item.path
        settings = read_settings(item.path)
        assert (settings.prompt, settings.seed, settings.steps, settings.width) == ("a red cube on a table", item.seed, 3, 64)
        assert is_marked_ai_generated(item.path)
    library.close()


def test_cancel_in_a_batch_keeps_finished_images_and_leaves_no_partial_file(tmp_path, tiny_sd):
    library = Library(tmp_path / "lib")
    job = Job(JobKind.IMAGE, request(batch=3, seed=7, steps=4), str(tiny_sd),
              JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2))

    def progress(p):
        if p.done == 6:  # the middle of the second image
            job.cancel.set()

    with pytest.raises(Cancelled):
        run_image_job(job, ModelCache(2**34), DirectStore(library), progress)
    rows = library.conn.execute("SELECT status, seed FROM generations ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("done", 7), ("cancelled", 8)]
    files = sorted(p.name for p in library.layout.assets.rglob("*") if p.is_file())
    assert len(files) == 1 and files[0].endswith("-7.png")
    library.close()


@pytest.mark.parametrize("content, message", [
    (b"", "empty"), (b"just some text\n", "not an image"),
])
def test_bad_image_files_get_clear_messages(tmp_path, content, message):
    path = tmp_path / "dropped.png"
    path.write_bytes(content)
    with pytest.raises(UserFacingError, match=message):
        open_image(path)


def test_truncated_and_absurd_images_are_refused(tmp_path):
    whole = tmp_path / "whole.png"
    Image.effect_noise((256, 256), 50).convert("RGB").save(whole)
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.read_bytes()[:2000])
    with pytest.raises(UserFacingError, match="truncated or damaged"):
        open_image(cut)
    huge = tmp_path / "huge.png"
    Image.new("1", (10000, 10000)).save(huge)
    with pytest.raises(UserFacingError, match="too large"):
        open_image(huge)
    assert open_image(whole).size == (256, 256)


def test_sdxl_text_to_image_matches_plain_diffusers_and_does_img2img(tmp_path, cpu_precision):
    import torch
    from diffusers import StableDiffusionXLPipeline

    from desktop.core.image import diffusion_registry
    from tiny_models import write_tiny_sdxl

    folder = write_tiny_sdxl(tmp_path / "tiny-sdxl")
    assert diffusion_registry.inspect(folder).family == "SDXL"
    engine = DiffusionEngine(folder, n_threads=2)
    assert engine.is_sdxl and engine.precision == cpu_precision
    made = engine.generate(request(steps=2), lambda p: None, threading.Event(), seed=8)
    plain = StableDiffusionXLPipeline.from_pretrained(folder, dtype=engine.dtype)
    plain.set_progress_bar_config(disable=True)
    expected = plain("a red cube on a table", num_inference_steps=2, guidance_scale=5.0, width=64, height=64,
                     generator=torch.Generator("cpu").manual_seed(8)).images[0]
    assert np.array_equal(np.asarray(made.image), np.asarray(expected))
    again = engine.generate(request(steps=2, init_image=made.image, strength=0.6), lambda p: None,
                            threading.Event(), seed=8)
    assert again.image.size == (64, 64)


@pytest.mark.parametrize("fmt, mime", [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_jpeg_and_webp_outputs_keep_their_settings(tmp_path, tiny_sd, fmt, mime):
    library = Library(tmp_path / "lib")
    job = Job(JobKind.IMAGE, request(seed=31, file_format=fmt), str(tiny_sd),
              JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2))
    item = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None).items[0]
    assert library.generations.get(item.generation_id).assets[0]["mime"] == mime
    settings = read_settings(item.path)
    assert (settings.prompt, settings.seed) == ("a red cube on a table", 31)
    assert is_marked_ai_generated(item.path)
    library.close()


def test_previews_use_a_local_tiny_autoencoder_when_there_is_one(tmp_path, tiny_sd):
    from tiny_models import write_tiny_autoencoder

    write_tiny_autoencoder(tmp_path / "models" / "taesd")
    engine = DiffusionEngine(tiny_sd, n_threads=2, preview_folders=[tmp_path / "models"])
    assert engine.preview_decoder is not None
    decoded, decode = [], engine.preview_decoder.decode
    engine.preview_decoder.decode = lambda latents: decoded.append(latents.shape) or decode(latents)
    updates = []
    engine.generate(request(steps=2), updates.append, threading.Event(), seed=2)
    assert len(decoded) == 2 and all(u.preview.mode == "RGB" for u in updates)
    # The tiny test VAE downsamples by 2, TAESD upsamples by 8: 64 px -> 32 latents -> 256 px.
    assert updates[0].preview.size == (256, 256)
    plain = DiffusionEngine(tiny_sd, n_threads=2, preview_folders=[tmp_path / "elsewhere"])
    assert plain.preview_decoder is None


def test_dtype_follows_the_hardware_unless_a_precision_is_chosen(cpu_precision):
    import torch

    from desktop.core import hardware
    from desktop.core.image.diffusion_engine import pick_dtype

    assert hardware.cpu_has_native_bf16("flags : fpu sse2 avx2 avx512f amx_bf16 amx_tile")
    assert hardware.cpu_has_native_bf16("flags : fpu sse2 avx2 avx512f avx512_bf16")
    assert not hardware.cpu_has_native_bf16("flags : fpu sse2 avx2 avx512f")
    assert pick_dtype("cuda") == torch.float16
    assert pick_dtype("cpu") == {"bf16": torch.bfloat16, "fp32": torch.float32}[cpu_precision]
    assert pick_dtype("cpu", "fp32") == torch.float32 and pick_dtype("cpu", "bf16") == torch.bfloat16
    assert pick_dtype("cuda", "fp32") == torch.float32
    with pytest.raises(UserFacingError, match="fp16 runs on CUDA GPUs only.*Automatic, fp32 or bf16"):
        pick_dtype("cpu", "fp16")
    with pytest.raises(UserFacingError, match="Precision must be one of auto, fp32, bf16, fp16"):
        pick_dtype("cpu", "fp64")


def test_single_file_checkpoints_load_with_a_borrowed_configuration(tmp_path, tiny_sd, cpu_precision):
    import torch
    from diffusers import StableDiffusionPipeline

    from desktop.core.image import diffusion_registry
    from ldm_layout import write_single_file

    models = tmp_path / "models"
    models.mkdir()
    checkpoint = write_single_file(StableDiffusionPipeline.from_pretrained(tiny_sd, dtype=torch.float32),
                                   models / "my-finetune.safetensors")
    # The registry lists it beside the diffusers folders it can borrow a configuration from.
    (models / "tiny-sd").symlink_to(tiny_sd, target_is_directory=True)
    listed = {Path(m.path).name: m.family for m in diffusion_registry.scan([models])[0]}
    assert listed == {"my-finetune.safetensors": "SD 1.x single file", "tiny-sd": "SD 1.x/2.x"}
    with pytest.raises(ModelFileError, match="needs the configuration of a diffusers SD 1.x model"):
        DiffusionEngine(checkpoint, n_threads=2, config_candidates=[])
    engine = DiffusionEngine(checkpoint, n_threads=2, config_candidates=diffusion_registry.config_folders([models]))
    assert engine.precision == cpu_precision
    made = engine.generate(request(), lambda p: None, threading.Event(), seed=21)
    # The same weights in the dtype the app chose (the checkpoint was written in fp32).
    reference = StableDiffusionPipeline.from_pretrained(tiny_sd, dtype=engine.dtype)
    reference.set_progress_bar_config(disable=True)
    expected = reference("a red cube on a table", num_inference_steps=3, guidance_scale=5.0, width=64, height=64,
                         generator=torch.Generator("cpu").manual_seed(21)).images[0]
    assert np.array_equal(np.asarray(made.image), np.asarray(expected))


def test_a_single_file_job_through_the_library(tmp_path, tiny_sd):
    import torch
    from diffusers import StableDiffusionPipeline

    from ldm_layout import write_single_file

    models = tmp_path / "models"
    models.mkdir()
    (models / "tiny-sd").symlink_to(tiny_sd, target_is_directory=True)
    checkpoint = write_single_file(StableDiffusionPipeline.from_pretrained(tiny_sd, dtype=torch.float32),
                                   tmp_path / "elsewhere.safetensors")
    library = Library(tmp_path / "lib")
    job = Job(JobKind.IMAGE, request(seed=4), str(checkpoint),
              JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2, model_dirs=(str(models),)))
    item = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None).items[0]
    row = library.generations.get(item.generation_id)
    assert (row.status, row.model_name) == ("done", "elsewhere.safetensors")
    library.close()


def test_single_file_families_are_told_apart_by_their_headers(tmp_path):
    import torch
    from safetensors.torch import save_file

    from desktop.core.image.single_file_models import describe_checkpoint, find_config_folder

    def checkpoint(name, **tensors):
        path = tmp_path / name
        save_file({k: torch.zeros(*shape) for k, shape in tensors.items()}, str(path))
        return path

    unet = {"model.diffusion_model.input_blocks.0.0.weight": (8, 4, 3, 3)}
    sd1 = checkpoint("sd1.safetensors", **unet, **{"cond_stage_model.transformer.text_model.embeddings.token_embedding.weight": (10, 768)})
    sd2 = checkpoint("sd2.safetensors", **unet, **{"cond_stage_model.model.token_embedding.weight": (10, 1024)})
    sdxl = checkpoint("sdxl.safetensors", **unet, **{"conditioner.embedders.1.model.token_embedding.weight": (10, 1280)})
    lora = checkpoint("lora.safetensors", **{"lora_unet_down.weight": (2, 2)})
    assert [describe_checkpoint(p)["family"] for p in (sd1, sd2, sdxl)] == ["SD 1.x", "SD 2.x", "SDXL"]
    assert describe_checkpoint(lora) is None
    assert describe_checkpoint(sd2)["text_width"] == 1024
    # An SD 1.x configuration (768-wide text encoder) is not lent to an SD 2.x checkpoint.
    config = tmp_path / "sd1-config"
    (config / "unet").mkdir(parents=True)
    (config / "text_encoder").mkdir()
    (config / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    (config / "unet" / "config.json").write_text('{"in_channels": 4}')
    (config / "text_encoder" / "config.json").write_text('{"hidden_size": 768}')
    assert find_config_folder(sd1, [config]) == (config, "StableDiffusionPipeline")
    with pytest.raises(ModelFileError, match="SD 2.x"):
        find_config_folder(sd2, [config])


def test_a_huge_prompt_is_read_up_to_the_chunk_limit_with_one_note_and_no_stderr_dump(tiny_sd, capfd):
    import logging

    from desktop.core.prompt_chunks import CHUNK_TOKENS, MAX_CHUNKS

    engine = DiffusionEngine(tiny_sd, n_threads=2, precision="fp32")
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    keep = Keep()
    loggers = [logging.getLogger("diffusers"), logging.getLogger("transformers")]
    for logger in loggers:
        logger.addHandler(keep)
    try:
        long_prompt = "a red cube on a table, " * 4350  # 100,050 characters
        made = engine.generate(request(prompt=long_prompt, steps=1), lambda p: None, threading.Event(), seed=1)
        short = engine.generate(request(steps=1), lambda p: None, threading.Event(), seed=1)
        pipeline_logger = logging.getLogger(type(engine.base).__module__)
        pipeline_logger.warning("another warning")
    finally:
        for logger in loggers:
            logger.removeHandler(keep)
    limit = MAX_CHUNKS * CHUNK_TOKENS
    assert len(made.notes) == 1 and f"Atelier reads the first {limit} ({MAX_CHUNKS} chunks" in made.notes[0]
    count = int(made.notes[0].split()[3])
    assert made.notes[0].startswith(f"The prompt is {count} tokens long") and count > 70000
    assert short.notes == []
    assert "another warning" in seen
    assert not [m for m in seen if "truncated" in m or "Token indices" in m]
    assert len(capfd.readouterr().err) < 1000


def test_a_preview_decoder_folder_with_odd_json_is_skipped(tmp_path):
    from desktop.core.image.tiny_autoencoder import find_tiny_autoencoder

    for i, text in enumerate(["[1, 2]", "[" * 100_000, "not json", '"AutoencoderTiny"']):
        folder = tmp_path / f"m{i}" / "taesd"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(text)
        assert find_tiny_autoencoder([tmp_path / f"m{i}"], sdxl=False) is None
