"""The fast path for few-step images on a CPU, on the tiny random-weight SD model and a tiny
TAESD made here: TAESD as the final decoder (chosen by hand or by "auto"), the embeddings
kept for repeated prompts, the optional runtime's contract and its fallback to torch, and
what the row and the file record. The pictures are noise; the choices and pixels are real."""

import json
import threading
import types
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("diffusers")

from desktop.core.image import decoder_choice, runtime_choice  # noqa: E402
from desktop.core.image.diffusion_engine import DiffusionEngine  # noqa: E402
from desktop.core.image.image_metadata import ATELIER_KEY, read_settings  # noqa: E402
from desktop.core.image.image_request import ImageRequest  # noqa: E402
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio  # noqa: E402
from desktop.core.model_cache import ModelCache  # noqa: E402
from desktop.pipeline.image_job import few_step_model, run_image_job  # noqa: E402
from desktop.pipeline.store_access import DirectStore  # noqa: E402
from desktop.store.library import Library  # noqa: E402
from tiny_models import write_tiny_autoencoder, write_tiny_sd  # noqa: E402


def write_matching_taesd(folder: Path, seed: int = 0) -> Path:
    """A TAESD-shaped AutoencoderTiny that turns a latent into 2×2 pixels, as the tiny SD
    model's VAE does (a real TAESD, like SD's VAE, scales by 8)."""
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(seed)
    AutoencoderTiny(encoder_block_out_channels=(8, 8), decoder_block_out_channels=(8, 8),
                    num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1)).save_pretrained(folder)
    return Path(folder)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("fast-path")
    write_tiny_sd(root / "tiny-sd")
    write_matching_taesd(root / "models" / "taesd")
    return root


@pytest.fixture(scope="module")
def engine(folders):
    return DiffusionEngine(folders / "tiny-sd", n_threads=2, precision="fp32", preview_folders=[folders / "models"])


def request(**kw):
    values = dict(prompt="a red cube on a table", steps=1, width=64, height=64, guidance=0.0)
    values.update(kw)
    return ImageRequest(**values)


def make(engine, seed=7, **kw):
    return engine.generate(request(**kw), lambda p: None, threading.Event(), seed=seed)


def test_the_tiny_decoder_makes_the_asked_size_the_same_pixels_for_a_seed_and_taesd_s_own_decode(engine):
    import torch

    first, again, other = make(engine, decoder="tiny"), make(engine, decoder="tiny"), make(engine, 8, decoder="tiny")
    assert first.decoder == "tiny" and first.image.size == (64, 64) and first.image.mode == "RGB"
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))
    assert not np.array_equal(np.asarray(first.image), np.asarray(other.image))
    # The same latents through TAESD by hand: the pipeline stopped before its VAE, TAESD decoded.
    pipe = engine.base
    latents = pipe(**engine.encoded_prompts(pipe, request()).arguments, num_inference_steps=1, guidance_scale=0.0,
                   width=64, height=64, generator=torch.Generator("cpu").manual_seed(7), output_type="latent").images
    with torch.inference_mode():
        decoded = engine.preview_decoder.vae.decode(latents).sample
    expected = pipe.image_processor.postprocess(decoded, output_type="pil")[0]
    assert np.abs(np.asarray(first.image, np.int16) - np.asarray(expected, np.int16)).max() <= 1


def test_the_full_decoder_gives_the_same_pixels_as_a_plain_diffusers_call(engine, folders):
    import torch
    from diffusers import StableDiffusionPipeline

    made = make(engine, decoder="full", steps=2, guidance=5.0, negative="blurry")
    plain = StableDiffusionPipeline.from_pretrained(folders / "tiny-sd", dtype=torch.float32)
    plain.set_progress_bar_config(disable=True)
    expected = plain("a red cube on a table", negative_prompt="blurry", num_inference_steps=2, guidance_scale=5.0,
                     width=64, height=64, generator=torch.Generator("cpu").manual_seed(7)).images[0]
    assert made.decoder == "full" and made.notes == []
    assert np.array_equal(np.asarray(made.image), np.asarray(expected))


@pytest.mark.parametrize("steps", [1, 2, 3, 4])
def test_auto_takes_taesd_for_one_to_four_steps_on_a_cpu(engine, steps):
    assert engine.decoder_for(request(steps=steps)).decoder == "tiny"


def test_auto_takes_the_full_vae_for_twenty_steps_unless_the_model_is_few_step(engine, monkeypatch):
    made = make(engine, steps=20)
    assert made.decoder == "full" and not made.tiny_missing and made.notes == []
    assert make(engine, steps=2).decoder == "tiny"
    monkeypatch.setattr(engine, "few_step_model", True)
    assert engine.decoder_for(request(steps=20)).decoder == "tiny"


def test_auto_keeps_the_full_vae_on_a_gpu_and_a_choice_by_name_is_kept():
    def pick(choice, steps, device="cpu", problem=None):
        return decoder_choice.resolve(choice, steps=steps, few_step_model=False, device=device, tiny_problem=problem)

    assert pick("auto", 1, device="cuda").decoder == "full"
    assert pick("tiny", 30, device="cuda").decoder == "tiny"
    assert pick("full", 1).decoder == "full"
    with pytest.raises(Exception, match="decoder must be one of"):
        pick("fastest", 1)


def test_without_a_fitting_taesd_the_full_vae_decodes_and_a_choice_by_name_gets_a_note(tmp_path, folders):
    write_tiny_autoencoder(tmp_path / "models" / "taesd")  # scales by 8: not this model's 2
    misfit = DiffusionEngine(folders / "tiny-sd", n_threads=2, precision="fp32", preview_folders=[tmp_path / "models"])
    asked = make(misfit, decoder="tiny")
    assert asked.decoder == "full" and asked.image.size == (64, 64) and asked.tiny_missing
    assert len(asked.notes) == 1 and "scales latents by 8, this model's VAE by 2" in asked.notes[0]
    assert "Models › Catalog" in asked.notes[0]
    automatic = make(misfit)
    assert automatic.decoder == "full" and automatic.tiny_missing and automatic.notes == []
    none = DiffusionEngine(folders / "tiny-sd", n_threads=2, precision="fp32", preview_folders=[tmp_path / "none"])
    assert "no TAESD was found" in make(none, decoder="tiny").notes[0]


def test_the_text_encoder_runs_once_per_prompt_among_the_last_few(engine, monkeypatch):
    from desktop.core.image import diffusion_engine

    calls = []
    original = diffusion_engine.encode_prompts
    monkeypatch.setattr(diffusion_engine, "encode_prompts", lambda *a: calls.append(a[1]) or original(*a))
    engine._encoded_recent.clear()
    first = make(engine, prompt="prompt A")
    make(engine, prompt="prompt B")
    again = make(engine, prompt="prompt A")
    assert calls == ["prompt A", "prompt B"]
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))
    for index in range(diffusion_engine.PROMPT_CACHE_SIZE):  # A is the oldest after these: dropped
        make(engine, prompt=f"other {index}")
    make(engine, prompt="prompt A")
    assert calls[-1] == "prompt A" and len(calls) == 3 + diffusion_engine.PROMPT_CACHE_SIZE
    # The guidance decides whether a negative is encoded: a change of it is another entry.
    make(engine, prompt="prompt A", guidance=5.0)
    assert len(calls) == 4 + diffusion_engine.PROMPT_CACHE_SIZE


def job_for(folders, tmp_path, **kw):
    library = Library(tmp_path / "lib")
    options = EngineOptions(n_threads=2, precision="fp32", model_dirs=(str(folders / "models"),))
    model = str(folders / "tiny-sd")
    return library, Job(JobKind.IMAGE, request(seed=5, **kw), model, JobOrigin(Studio.IMAGE), options)


def test_the_row_and_the_file_name_the_decoder_precision_and_runtime(tmp_path, folders):
    from PIL import Image

    library, job = job_for(folders, tmp_path)
    outcome = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None)
    item = outcome.items[0]
    assert (item.decoder, item.precision, item.runtime) == ("tiny", "fp32", "torch")
    row = library.generations.get(item.generation_id)
    assert {k: row.params[k] for k in ("decoder", "precision", "runtime")} == {
        "decoder": "tiny", "precision": "fp32", "runtime": "torch"}
    details = json.loads(Image.open(item.path).text[ATELIER_KEY])
    assert (details["decoder"], details["precision"], details["runtime"]) == ("tiny", "fp32", "torch")
    assert "Decoder: TAESD" in Image.open(item.path).text["parameters"]
    assert read_settings(item.path).extra["Decoder"] == "TAESD"
    library.close()
    library, job = job_for(folders, tmp_path / "full", decoder="full")
    item = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None).items[0]
    text = Image.open(item.path).text
    assert json.loads(text[ATELIER_KEY])["decoder"] == "full" and "Decoder:" not in text["parameters"]
    assert library.generations.get(item.generation_id).params["decoder"] == "full"
    library.close()


def fake_runtime(available=None, accelerate=None):
    """A stand-in for desktop/core/image/fast_runtime.py, keeping its contract."""
    module = types.SimpleNamespace(RUNTIMES=("torch", "openvino"), calls=[])
    module.available = lambda runtime: available
    module.accelerate = accelerate or (lambda *a: module.calls.append(a) or "openvino")
    return module


@pytest.mark.parametrize("module, why", [
    (None, "its module is not part of this installation"),
    (fake_runtime(available="the openvino package is not installed"), "the openvino package is not installed"),
])
def test_an_unavailable_runtime_is_recorded_as_torch_with_a_note(tmp_path, folders, monkeypatch, module, why):
    monkeypatch.setattr(runtime_choice, "_fast_runtime", lambda: module)
    library, job = job_for(folders, tmp_path, runtime="openvino")
    item = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None).items[0]
    assert item.runtime == "torch" and library.generations.get(item.generation_id).params["runtime"] == "torch"
    assert f"OpenVINO is not available ({why}): the image was made with PyTorch." in item.notes
    library.close()
    assert runtime_choice.resolve("auto", "cpu") == ("torch", "")  # quietly, for "auto"


def test_a_runtime_that_runs_is_called_after_the_load_and_recorded(tmp_path, folders, monkeypatch):
    from PIL import Image

    module = fake_runtime()

    def accelerate(pipe, runtime, cache_dir, dtype_name, on_progress):
        on_progress(1, 2, "Converting the UNet for OpenVINO")
        module.calls.append((type(pipe).__name__, runtime, cache_dir.name, dtype_name))
        return "openvino"

    module.accelerate = accelerate
    monkeypatch.setattr(runtime_choice, "_fast_runtime", lambda: module)
    library, job = job_for(folders, tmp_path, runtime="openvino")
    updates = []
    item = run_image_job(job, ModelCache(2**34), DirectStore(library), updates.append).items[0]
    assert module.calls == [("StableDiffusionPipeline", "openvino", "image-runtime", "fp32")]
    assert [(u.unit, u.message) for u in updates if u.unit == "conversion"] == [
        ("conversion", "Converting the UNet for OpenVINO")]
    assert item.runtime == "openvino" and item.notes == []
    text = Image.open(item.path).text
    assert json.loads(text[ATELIER_KEY])["runtime"] == "openvino" and "Runtime: OpenVINO" in text["parameters"]
    library.close()


def test_a_runtime_that_fails_leaves_torch_and_says_so(tmp_path, folders, monkeypatch):
    def broken(*_args):
        raise RuntimeError("conversion crashed")

    monkeypatch.setattr(runtime_choice, "_fast_runtime", lambda: fake_runtime(accelerate=broken))
    library, job = job_for(folders, tmp_path, runtime="openvino")
    item = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None).items[0]
    assert item.runtime == "torch" and item.path.exists()
    assert "OpenVINO failed to load this model: it ran in PyTorch." in item.notes
    library.close()


def test_few_step_models_are_known_from_the_catalog_wherever_they_are(tmp_path):
    turbo = tmp_path / "hub" / "models--stabilityai--sd-turbo" / "snapshots" / "abc"
    classic = tmp_path / "hub" / "models--stable-diffusion-v1-5--stable-diffusion-v1-5" / "snapshots" / "abc"
    assert few_step_model(str(turbo), [tmp_path / "models"])
    assert not few_step_model(str(classic), [tmp_path / "models"])
    assert not few_step_model(str(tmp_path / "my-model"), [tmp_path / "models"])


def test_auto_takes_the_measured_runtime_for_a_few_step_model_on_a_cpu_only(monkeypatch):
    module = fake_runtime()
    module.PREFERRED = "openvino"
    monkeypatch.setattr(runtime_choice, "_fast_runtime", lambda: module)
    assert runtime_choice.resolve("auto", "cpu", few_step_model=True) == ("openvino", "")
    assert runtime_choice.resolve("auto", "cpu", few_step_model=False) == ("torch", "")
    assert runtime_choice.resolve("auto", "cuda", few_step_model=True) == ("torch", "")
    assert runtime_choice.resolve("torch", "cpu", few_step_model=True) == ("torch", "")
    module.available = lambda runtime: "not installed"
    assert runtime_choice.resolve("auto", "cpu", few_step_model=True) == ("torch", "")


def test_the_real_openvino_runtime_through_a_job_close_to_torch(tmp_path, folders):
    """fast_runtime converts the UNet and TAESD on the first load, with progress; fp32 pixels
    stay within 2 levels of torch's for the same seed."""
    pytest.importorskip("openvino")
    from desktop.core.image import fast_runtime

    if fast_runtime.available("openvino") is not None:
        pytest.skip(fast_runtime.available("openvino"))
    made = {}
    for runtime in ("torch", "openvino"):
        library, job = job_for(folders, tmp_path / runtime, runtime=runtime)
        updates = []
        item = run_image_job(job, ModelCache(2**34), DirectStore(library), updates.append).items[0]
        made[runtime] = np.asarray(open_rgb(item.path), np.int16)
        assert (item.runtime, item.decoder) == (runtime, "tiny")
        conversions = [u.message for u in updates if u.unit == "conversion"]
        assert bool(conversions) == (runtime == "openvino")
        library.close()
    assert any("UNet" in m for m in conversions) and any("decoder" in m for m in conversions)
    assert made["openvino"].shape == (64, 64, 3) and np.abs(made["openvino"] - made["torch"]).max() <= 2


def open_rgb(path):
    from PIL import Image

    return Image.open(path).convert("RGB")


def test_the_image_studio_says_which_decoder_made_an_image_and_redoes_it_with_the_full_one(
        qtbot, image_models_dir, request):
    from app_window import rows

    write_matching_taesd(image_models_dir / "taesd")
    panel = request.getfixturevalue("panel")  # opened after TAESD is there
    assert [panel.form.decoder.itemText(i) for i in range(3)] == ["Auto", "Fast (TAESD)", "Full quality"]
    assert panel.form.decoder_choice() == "auto" and panel.build_request().decoder == "auto"
    assert panel.redo_full_button.isHidden()
    panel.form.prompt.setPlainText("a lighthouse")
    panel.form.seed.setValue(77)
    panel.form.steps.setValue(2)
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=60000):
        panel.generate()
    qtbot.waitUntil(lambda: "saved" in panel.status.text())
    assert "fast decoder (TAESD) · " in panel.status.text() and "PyTorch" in panel.status.text()
    # Worked out on the thread pool when Generate was pressed (a loaded machine may answer after the image).
    qtbot.waitUntil(lambda: panel.speed.text.startswith("about ") and "estimate" in panel.speed.text, timeout=30000)
    assert not panel.redo_full_button.isHidden()
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=60000):
        panel.redo_full_button.click()
    qtbot.waitUntil(lambda: "full decoder" in panel.status.text())
    assert panel.redo_full_button.isHidden() and panel.form.decoder_choice() == "auto"  # the form is left as it was
    params = [p for (p,) in rows(panel, "SELECT params FROM generations ORDER BY id")]
    seeds = rows(panel, "SELECT seed FROM generations ORDER BY id")
    assert [json.loads(p)["decoder"] for p in params] == ["tiny", "full"] and seeds == [(77,), (77,)]
    # The last image of this model now corrects the estimate.
    panel.generate()
    qtbot.waitUntil(lambda: "from the last image of this model" in panel.speed.text, timeout=20000)
    qtbot.waitUntil(lambda: not panel.session.busy, timeout=60000)
    panel.form.decoder.setCurrentIndex(2)
    assert panel.build_request().decoder == "full"
