"""Image precision: a setting and a CLI option, recorded with every image; the same seed gives
plain diffusers' pixels in the same precision. Every test runs as on a CPU with native bf16
and as on one without (the cpu_precision fixture), so any machine runs the same assertions."""

import json
import sqlite3

import numpy as np
import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from desktop.cli import main  # noqa: E402
from desktop.core.image.image_request import ImageRequest  # noqa: E402
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache  # noqa: E402
from desktop.pipeline.image_job import run_image_job  # noqa: E402
from desktop.pipeline.store_access import DirectStore  # noqa: E402
from desktop.store.library import Library  # noqa: E402
from tiny_models import write_tiny_sd  # noqa: E402

PROMPT = "a green hill"


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd")


def plain_diffusers(folder, dtype_name: str, seed: int, steps: int = 2):
    import torch
    from diffusers import StableDiffusionPipeline

    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype_name]
    pipe = StableDiffusionPipeline.from_pretrained(folder, dtype=dtype)
    pipe.set_progress_bar_config(disable=True)
    image = pipe(PROMPT, num_inference_steps=steps, guidance_scale=7.0, width=64, height=64,
                 generator=torch.Generator("cpu").manual_seed(seed)).images[0]
    return np.asarray(image)


@pytest.mark.parametrize("chosen", ["auto", "fp32", "bf16"])
def test_an_image_job_records_the_precision_it_ran_in(tmp_path, tiny_sd, cpu_precision, chosen):
    expected = cpu_precision if chosen == "auto" else chosen
    library = Library(tmp_path / "lib")
    job = Job(JobKind.IMAGE, ImageRequest(PROMPT, steps=2, width=64, height=64, seed=5), str(tiny_sd),
              JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2, precision=chosen))
    item = run_image_job(job, ModelCache(2**34), DirectStore(library), lambda p: None).items[0]
    row = library.generations.get(item.generation_id)
    library.close()
    assert item.precision == expected
    assert (row.params["precision"], row.params["device"], row.stats["precision"]) == (expected, "cpu", expected)
    atelier = json.loads(Image.open(item.path).text["atelier"])
    assert (atelier["precision"], atelier["device"]) == (expected, "cpu")
    assert np.array_equal(np.asarray(Image.open(item.path).convert("RGB")), plain_diffusers(tiny_sd, expected, 5))


def test_the_engine_cache_keeps_one_engine_per_precision(tmp_path, tiny_sd):
    from desktop.pipeline.image_job import load_image_engine

    cache = ModelCache(2**34)
    fp32 = load_image_engine(cache, str(tiny_sd), 2, precision="fp32")
    assert load_image_engine(cache, str(tiny_sd), 2, precision="fp32") is fp32
    bf16 = load_image_engine(cache, str(tiny_sd), 2, precision="bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    assert str(bf16.base.unet.dtype) == "torch.bfloat16"


def test_cli_same_seed_gives_the_pixels_of_plain_diffusers_in_the_same_precision(tmp_path, tiny_sd, cpu_precision,
                                                                                  capsys):
    base = ["--data-dir", str(tmp_path / "data"), "generate", "image", PROMPT, "--model", str(tiny_sd),
            "--steps", "2", "--width", "64", "--height", "64", "--guidance", "7", "--seed", "77", "--threads", "2"]
    assert main(base) == 0
    out = capsys.readouterr()
    automatic = np.asarray(Image.open(out.out.strip()).convert("RGB"))
    assert f"seed 77 · {cpu_precision}" in out.err
    assert np.array_equal(automatic, plain_diffusers(tiny_sd, cpu_precision, 77))
    other = "fp32" if cpu_precision == "bf16" else "bf16"
    assert main(base + ["--precision", other]) == 0
    forced = np.asarray(Image.open(capsys.readouterr().out.strip()).convert("RGB"))
    assert np.array_equal(forced, plain_diffusers(tiny_sd, other, 77))
    conn = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    stored = [json.loads(p)["precision"] for (p,) in conn.execute("SELECT params FROM generations ORDER BY id")]
    conn.close()
    assert stored == [cpu_precision, other]


def test_cli_precision_defaults_to_the_setting_and_fp16_on_a_cpu_is_refused(tmp_path, tiny_sd, capsys):
    from desktop import settings as settings_io

    settings_io.save(settings_io.Settings(image_precision="bf16"))
    base = ["--data-dir", str(tmp_path / "data"), "generate", "image", PROMPT, "--model", str(tiny_sd),
            "--steps", "1", "--width", "64", "--height", "64", "--threads", "2"]
    assert main(base) == 0
    assert "· bf16 ·" in capsys.readouterr().err
    assert main(base + ["--precision", "fp16"]) == 1
    assert "fp16 runs on CUDA GPUs only" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(base + ["--precision", "fp64"])
    assert "invalid choice: 'fp64'" in capsys.readouterr().err


def test_the_settings_dialog_sets_the_precision_that_jobs_use(qtbot, services):
    from desktop.ui.shell.settings_dialog import SettingsDialog

    assert services.engine_options().precision == "auto"
    dialog = SettingsDialog(services.settings, "/tmp/data")
    qtbot.addWidget(dialog)
    choice = dialog.editor("image_precision")
    assert [choice.itemData(i) for i in range(choice.count())] == ["auto", "fp32", "bf16", "fp16"]
    assert "CUDA" in choice.itemText(3)
    choice.setCurrentIndex(choice.findData("bf16"))
    dialog.apply()
    assert services.settings.get("image_precision") == "bf16"
    assert services.engine_options().precision == "bf16"


def test_the_automatic_label_names_this_cpus_choice(qtbot, services, cpu_precision):
    from desktop.ui.shell.settings_dialog import SettingsDialog

    dialog = SettingsDialog(services.settings, "/tmp/data")
    qtbot.addWidget(dialog)
    assert f"{cpu_precision} on this CPU" in dialog.editor("image_precision").itemText(0)
