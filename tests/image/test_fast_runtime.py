"""The optional fast runtime (core/image/fast_runtime.py) on the tiny SD / SDXL models: the
same pixels as torch in fp32, converted models reused from disk, and the fallback to torch
when the package is missing or conversion fails (those tests run with or without OpenVINO)."""

import importlib.util
import logging
import sys
import types

import numpy as np
import pytest
import torch

from desktop.core.image import fast_runtime, runtime_cache
from tiny_models import tiny_sd_pipeline, tiny_sdxl_pipeline

needs_openvino = pytest.mark.skipif(importlib.util.find_spec("openvino") is None,
                                    reason="OpenVINO is not installed (pip install 'atelier[fast]')")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One cache for the module: tests reuse what earlier ones converted, as a second start does."""
    return tmp_path_factory.mktemp("runtime-cache")


def image(pipe, width=64, height=64, seed=1, guidance=5.0):
    pipe.set_progress_bar_config(disable=True)
    with torch.inference_mode():
        return pipe(prompt="a red fox", num_inference_steps=2, guidance_scale=guidance, width=width, height=height,
                    generator=torch.Generator().manual_seed(seed), output_type="np").images[0] * 255


def untouched(pipe, unet, decode_before) -> bool:
    return pipe.unet is unet and "decode" not in pipe.vae.__dict__ and pipe.vae.decode == decode_before


# ---- fallbacks: always run ----

def test_torch_needs_nothing_and_changes_nothing(cache_dir):
    pipe = tiny_sd_pipeline()
    unet, decode = pipe.unet, pipe.vae.decode
    assert fast_runtime.available("torch") is None
    assert fast_runtime.accelerate(pipe, "torch", cache_dir, "fp32") == "torch"
    assert untouched(pipe, unet, decode)


def test_unknown_runtime_is_named_and_falls_back(tmp_path):
    pipe = tiny_sd_pipeline()
    unet, decode = pipe.unet, pipe.vae.decode
    assert "Unknown runtime 'tensorrt'" in fast_runtime.available("tensorrt")
    assert fast_runtime.accelerate(pipe, "tensorrt", tmp_path, "fp32") == "torch"
    assert untouched(pipe, unet, decode)


def test_missing_package_falls_back_to_torch(monkeypatch, tmp_path, caplog):
    monkeypatch.setitem(sys.modules, "openvino", None)  # `import openvino` now raises ImportError
    pipe = tiny_sd_pipeline()
    unet, decode = pipe.unet, pipe.vae.decode
    assert "not installed" in fast_runtime.available("openvino")
    assert fast_runtime.resolve("auto") == "torch"
    with caplog.at_level(logging.WARNING):
        assert fast_runtime.accelerate(pipe, "openvino", tmp_path, "fp32") == "torch"
        assert fast_runtime.accelerate(pipe, "auto", tmp_path, "fp32") == "torch"
    assert "not installed" in caplog.text
    assert untouched(pipe, unet, decode)
    assert not any(tmp_path.iterdir())


def fake_openvino(convert_model):
    module = types.ModuleType("openvino")
    module.__version__ = "0.0.0-fake"
    module.Core = type("Core", (), {"available_devices": ["CPU"]})
    module.convert_model = convert_model
    return module


def test_conversion_error_falls_back_and_leaves_no_partial_files(monkeypatch, tmp_path, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("unsupported operation aten::frobnicate")

    monkeypatch.setitem(sys.modules, "openvino", fake_openvino(broken))
    no_child_process(monkeypatch)
    pipe = tiny_sd_pipeline()
    unet, decode = pipe.unet, pipe.vae.decode
    with caplog.at_level(logging.ERROR):
        assert fast_runtime.accelerate(pipe, "openvino", tmp_path, "fp32") == "torch"
    assert "aten::frobnicate" in caplog.text
    assert untouched(pipe, unet, decode)
    assert not list(tmp_path.rglob("*.xml")) and not list(tmp_path.rglob("*.bin"))


def test_an_exception_from_on_progress_propagates(monkeypatch, tmp_path):
    """A caller cancelling the first conversion through its progress callback gets its own
    exception back (not a silent fallback), and the pipeline stays as it was."""
    monkeypatch.setitem(sys.modules, "openvino", fake_openvino(lambda *a, **k: None))
    no_child_process(monkeypatch)

    class Stop(Exception):
        pass

    def cancel(done, total, message):
        raise Stop()

    pipe = tiny_sd_pipeline()
    unet, decode = pipe.unet, pipe.vae.decode
    with pytest.raises(Stop):
        fast_runtime.accelerate(pipe, "openvino", tmp_path, "fp32", cancel)
    assert untouched(pipe, unet, decode)


# ---- OpenVINO itself ----

def counting_conversions(monkeypatch) -> list:
    """The conversions asked for (kind per call). Each must run in a child process: the window's
    process never calls OpenVINO's converter (it holds the GIL for seconds)."""
    import openvino

    from desktop.core.image import openvino_conversion

    calls = []
    real = openvino_conversion.convert_in_child

    def counted(store_root, key, kind, *args, **kwargs):
        calls.append(kind)
        return real(store_root, key, kind, *args, **kwargs)

    def in_this_process(*args, **kwargs):
        raise AssertionError("converted in the app's own process")

    monkeypatch.setattr(openvino_conversion, "convert_in_child", counted)
    monkeypatch.setattr(openvino, "convert_model", in_this_process)
    return calls


def no_child_process(monkeypatch) -> None:
    """Fake OpenVINO modules live in this process only: convert here, as the fallback does."""
    from desktop.core.image import openvino_conversion

    def refuse(*args, **kwargs):
        raise OSError("no child process in this test")

    monkeypatch.setattr(openvino_conversion, "convert_in_child", refuse)


@needs_openvino
def test_fp32_gives_torchs_pixels_and_a_second_start_converts_nothing(monkeypatch, cache_dir, caplog):
    conversions = counting_conversions(monkeypatch)
    pipe = tiny_sd_pipeline()
    reference = {size: image(pipe, *size) for size in ((64, 64), (96, 64))}
    steps = []
    with caplog.at_level(logging.WARNING):
        assert fast_runtime.accelerate(pipe, "openvino", cache_dir, "fp32", lambda *p: steps.append(p)) == "openvino"
        for size, expected in reference.items():  # two sizes: one IR, compiled per shape
            assert np.abs(image(pipe, *size) - expected).max() <= 2
    assert caplog.text == ""  # no call fell back to torch
    assert len(conversions) == 2  # the UNet and the VAE decoder
    assert len(pipe.unet.compiled.shapes_seen) == 2
    assert steps[0][:2] == (0, 4) and "Converting the UNet" in steps[0][2] and steps[-1][:2] == (4, 4)

    again = tiny_sd_pipeline()  # the same weights loaded anew: a second start
    steps.clear()
    assert fast_runtime.accelerate(again, "openvino", cache_dir, "fp32", lambda *p: steps.append(p)) == "openvino"
    assert len(conversions) == 2
    assert not any("Converting" in message for _, _, message in steps)
    assert np.abs(image(again) - reference[(64, 64)]).max() <= 2
    # Each converted module is one entry (its IR and its compiled blobs), so it can be pruned whole.
    root = fast_runtime.openvino_folder(cache_dir)
    keys = {entry.key for entry in runtime_cache.entries(root)}
    assert {key.split("-")[0] for key in keys} == {"unet", "decoder"}
    assert {p.name for p in (root / "compiled").iterdir()} == keys


@needs_openvino
def test_other_weights_are_converted_anew(monkeypatch, cache_dir):
    """The cache is keyed by the weights' content: a model with the same config and other
    weights never reuses another's graph."""
    conversions = counting_conversions(monkeypatch)
    tiny_sd = tiny_sd_pipeline(seed=7)
    expected = image(tiny_sd)
    assert fast_runtime.accelerate(tiny_sd, "openvino", cache_dir, "fp32") == "openvino"
    assert len(conversions) == 2
    assert np.abs(image(tiny_sd) - expected).max() <= 2


@needs_openvino
def test_sdxl_fp32_gives_torchs_pixels(cache_dir, caplog):
    pipe = tiny_sdxl_pipeline()
    expected = image(pipe)
    with caplog.at_level(logging.WARNING):
        assert fast_runtime.accelerate(pipe, "openvino", cache_dir, "fp32") == "openvino"
        assert np.abs(image(pipe) - expected).max() <= 2
    assert caplog.text == ""


@needs_openvino
def test_bf16_mode_stays_close_to_fp32(cache_dir):
    """bf16 changes pixels (on a CPU without native bf16 OpenVINO runs f32 and nothing moves):
    the difference is bounded here and stated in the README."""
    pipe = tiny_sd_pipeline()
    expected = image(pipe)
    assert fast_runtime.accelerate(pipe, "openvino", cache_dir, "bf16") == "openvino"
    difference = np.abs(image(pipe) - expected)
    assert difference.mean() < 3 and difference.max() < 64


@needs_openvino
def test_calls_the_graph_does_not_cover_run_on_torch(cache_dir):
    """A latent side the UNet's upsamplers cannot double blindly (diffusers then passes
    explicit sizes) and ControlNet-style residuals run on the kept torch module."""
    pipe = tiny_sd_pipeline()
    assert fast_runtime.accelerate(pipe, "openvino", cache_dir, "fp32") == "openvino"
    unet, states = pipe.unet, torch.randn(1, 77, 32)
    with torch.inference_mode():
        odd = torch.randn(1, 4, 9, 8)  # 9 rows: not a multiple of the tiny UNet's factor 2
        assert torch.equal(unet(odd, 10, states).sample, unet.torch_module(odd, 10, states).sample)
        even = torch.randn(1, 4, 8, 8)
        residual = unet(even, 10, states, mid_block_additional_residual=torch.ones(1, 64, 4, 4)).sample
        plain = unet(even, 10, states).sample
    assert not torch.allclose(residual, plain)  # the residual was applied: torch ran that call
    assert [shapes[0] for shapes in unet.compiled.shapes_seen] == [(1, 4, 8, 8)]


@needs_openvino
def test_a_compile_error_falls_back_to_torch(monkeypatch, tmp_path, caplog):
    import openvino

    def refuse(*args, **kwargs):
        raise RuntimeError("out of memory while compiling")

    monkeypatch.setattr(openvino.Core, "compile_model", refuse)
    pipe = tiny_sd_pipeline()
    unet, decode = pipe.unet, pipe.vae.decode
    with caplog.at_level(logging.ERROR):
        assert fast_runtime.accelerate(pipe, "openvino", tmp_path, "fp32") == "torch"
    assert "out of memory while compiling" in caplog.text
    assert untouched(pipe, unet, decode)


@needs_openvino
def test_a_failing_call_runs_on_torch(monkeypatch, cache_dir, caplog):
    from desktop.core.image.openvino_runtime import CompiledGraph

    pipe = tiny_sd_pipeline()
    expected = image(pipe)
    assert fast_runtime.accelerate(pipe, "openvino", cache_dir, "fp32") == "openvino"

    def fail(self, tensors):
        raise RuntimeError("cannot allocate memory for a new shape")

    monkeypatch.setattr(CompiledGraph, "run", fail)
    with caplog.at_level(logging.ERROR):
        assert np.abs(image(pipe) - expected).max() <= 2
    assert "UNet failed" in caplog.text and "decoder failed" in caplog.text


@needs_openvino
@pytest.mark.parametrize("tiny", [False, True], ids=["AutoencoderKL", "AutoencoderTiny"])
def test_decoders_give_torchs_pixels(cache_dir, tiny):
    from diffusers import AutoencoderTiny

    torch.manual_seed(0)
    vae = (AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                           num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1))
           if tiny else tiny_sd_pipeline().vae).eval()
    latents = torch.randn(1, 4, 12, 8)
    with torch.inference_mode():
        expected = vae.decode(latents).sample
        assert fast_runtime.accelerate_decoder(vae, "openvino", cache_dir, "fp32") == "openvino"
        assert "decode" in vae.__dict__
        decoded = vae.decode(latents).sample
        as_tuple = vae.decode(latents, return_dict=False)[0]
    assert (decoded - expected).abs().max() * 127.5 <= 2
    assert torch.equal(decoded, as_tuple)


@needs_openvino
def test_restore_puts_torch_back(cache_dir):
    pipe = tiny_sd_pipeline()
    unet, decode = pipe.unet, pipe.vae.decode
    assert fast_runtime.accelerate(pipe, "auto", cache_dir, "fp32") == fast_runtime.PREFERRED
    assert pipe.unet is not unet and pipe.unet.config == unet.config and pipe.unet.dtype == torch.float32
    assert fast_runtime.accelerate(pipe, "openvino", cache_dir, "fp32") == "openvino"  # again: nothing to redo
    fast_runtime.restore(pipe)
    assert untouched(pipe, unet, decode)


@needs_openvino
def test_a_cancel_during_a_conversion_stops_the_child_and_keeps_nothing(tmp_path):
    import multiprocessing

    class Stop(Exception):
        pass

    said = []

    def cancel_while_converting(done, total, message):
        said.append(message)
        if len(said) >= 3:  # the announcement, then the polls while the child works
            raise Stop()

    pipe = tiny_sd_pipeline()
    unet, decode = pipe.unet, pipe.vae.decode
    with pytest.raises(Stop):
        fast_runtime.accelerate(pipe, "openvino", tmp_path, "fp32", cancel_while_converting)
    assert all("Converting the UNet" in message for message in said)
    assert untouched(pipe, unet, decode)
    assert not list(tmp_path.rglob("*.xml")) and not list(tmp_path.rglob("*.bin"))
    assert not [child for child in multiprocessing.active_children() if child.name.startswith("atelier-convert")]
