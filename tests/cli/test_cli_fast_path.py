"""`generate image` makes the fast path's choices: --decoder, --precision and --runtime before
or after the modality, "auto" taking TAESD by itself for a few-step run on a CPU, and the
recorded generation (and stderr) saying what was used."""

import json
import sqlite3

import pytest

pytest.importorskip("diffusers")

from desktop.cli import main  # noqa: E402
from desktop.core.image import runtime_choice  # noqa: E402
from tiny_models import write_tiny_sd  # noqa: E402


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("cli-fast") / "tiny-sd")


@pytest.fixture
def data(tmp_path):
    """A library whose models folder holds a TAESD that fits the tiny model (2× per latent)."""
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)
    taesd = AutoencoderTiny(encoder_block_out_channels=(8, 8), decoder_block_out_channels=(8, 8),
                            num_encoder_blocks=(1, 1), num_decoder_blocks=(1, 1))
    taesd.save_pretrained(tmp_path / "data" / "models" / "taesd")
    return tmp_path / "data"


def generate(data, tiny_sd, *before, after=(), steps="1"):
    return main(["--data-dir", str(data), "generate", *before, "image", "a lighthouse", "--model", str(tiny_sd),
                 "--steps", steps, "--width", "64", "--height", "64", "--seed", "5", *after])


def recorded(data) -> list[dict]:
    conn = sqlite3.connect(data / "library.sqlite3")
    params = [json.loads(p) for (p,) in conn.execute("SELECT params FROM generations ORDER BY id")]
    conn.close()
    return [{k: p[k] for k in ("decoder", "precision", "runtime")} for p in params]


def test_with_no_flag_a_few_step_run_takes_taesd_and_twenty_steps_the_full_vae(data, tiny_sd, capsys):
    assert generate(data, tiny_sd, after=("--precision", "fp32")) == 0
    err = capsys.readouterr().err
    assert "fp32 · TAESD decoder · PyTorch" in err
    assert generate(data, tiny_sd, after=("--precision", "fp32"), steps="20") == 0
    assert "fp32 · full VAE · PyTorch" in capsys.readouterr().err
    assert recorded(data) == [{"decoder": "tiny", "precision": "fp32", "runtime": "torch"},
                              {"decoder": "full", "precision": "fp32", "runtime": "torch"}]


@pytest.mark.parametrize("before, after", [
    (("--decoder", "full", "--precision", "bf16", "--runtime", "torch"), ()),
    ((), ("--decoder", "full", "--precision", "bf16", "--runtime", "torch")),
    (("--decoder", "tiny"), ("--decoder", "full", "--precision", "bf16")),  # after the modality wins
])
def test_the_flags_go_before_or_after_the_modality(data, tiny_sd, capsys, before, after):
    assert generate(data, tiny_sd, *before, after=after) == 0, capsys.readouterr().err
    assert recorded(data) == [{"decoder": "full", "precision": "bf16", "runtime": "torch"}]


def test_tiny_by_name_without_a_taesd_says_how_to_get_one(tmp_path, tiny_sd, capsys):
    assert generate(tmp_path / "bare", tiny_sd, "--decoder", "tiny", after=("--precision", "fp32")) == 0
    err = capsys.readouterr().err
    assert "Decoded with the full VAE: no TAESD was found (get TAESD from Models › Catalog" in err
    assert err.count("TAESD") == 2  # the note once, no second hint
    assert generate(tmp_path / "bare2", tiny_sd, after=("--precision", "fp32")) == 0
    assert "`atelier models download taesd`" in capsys.readouterr().err  # "auto" wanted it: a hint
    assert recorded(tmp_path / "bare")[0]["decoder"] == "full"


def test_an_unavailable_runtime_is_recorded_as_torch_with_a_note(data, tiny_sd, capsys, monkeypatch):
    monkeypatch.setattr(runtime_choice, "_fast_runtime", lambda: None)
    assert generate(data, tiny_sd, after=("--runtime", "openvino", "--precision", "fp32")) == 0
    err = capsys.readouterr().err
    assert "OpenVINO is not available (its module is not part of this installation): the image was made with " \
           "PyTorch." in err
    assert recorded(data)[0]["runtime"] == "torch"


@pytest.mark.parametrize("argv, message", [
    (["generate", "--decoder", "tiny", "text", "hi"], "--decoder and --runtime are options of generate image"),
    (["generate", "--runtime", "torch", "speech", "hi"], "--decoder and --runtime are options of generate image"),
    (["generate", "--precision", "fp32", "text", "hi"], "--precision is an option of generate image"),
    (["generate", "image", "x", "--model", "m", "--decoder", "fastest"], "invalid choice: 'fastest'"),
])
def test_the_flags_are_refused_where_they_mean_nothing(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as stopped:
        main(["--data-dir", str(tmp_path / "data"), *argv])
    assert stopped.value.code == 2 and message in capsys.readouterr().err


def test_precision_before_the_modality_reaches_video_too(tmp_path, monkeypatch):
    from desktop import cli_video

    seen = []
    monkeypatch.setattr(cli_video, "generate_video", lambda args: seen.append(args.precision) or 0)
    for argv in (["--precision", "fp32", "video"], ["video", "--precision", "bf16"], ["video"]):
        assert main(["--data-dir", str(tmp_path), "generate", *argv, "x", "--model", "m"]) == 0
    assert seen == ["fp32", "bf16", None]
