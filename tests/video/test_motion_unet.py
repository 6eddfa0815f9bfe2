"""The motion UNet built without copying (desktop/core/video/motion_unet.py) is diffusers' own
from_unet2d result, tensor for tensor and output for output — only shared instead of copied —
and a fp16-variant download (what the hub's fp16 files are) loads."""

import threading

import pytest
import torch
from diffusers import MotionAdapter, UNetMotionModel

from desktop.core.video.motion_unet import motion_unet
from desktop.core.weight_files import weight_variant
from tiny_models import tiny_sd_pipeline
from tiny_video_models import tiny_motion_adapter


def outputs(model, seed=0):
    generator = torch.Generator().manual_seed(seed)
    sample = torch.randn(1, 4, 3, 16, 16, generator=generator, dtype=model.dtype)  # (batch, channels, frames, h, w)
    text = torch.randn(3, 77, model.config.cross_attention_dim, generator=generator, dtype=model.dtype)  # one per frame, as the pipeline repeats it
    with torch.inference_mode():
        return model(sample, 10, encoder_hidden_states=text).sample


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_the_motion_unet_shares_the_weights_and_equals_diffusers_copy(dtype):
    unet, adapter = tiny_sd_pipeline().unet.to(dtype), tiny_motion_adapter().to(dtype)
    reference = UNetMotionModel.from_unet2d(unet, adapter)
    lean = motion_unet(unet, adapter)
    assert lean.dtype == dtype
    assert set(lean.state_dict()) == set(reference.state_dict())
    for name, tensor in reference.state_dict().items():
        assert torch.equal(lean.state_dict()[name], tensor), name
    # shared, not copied: the base's and the adapter's own storage
    assert lean.conv_in.weight.data_ptr() == unet.conv_in.weight.data_ptr()
    module = lean.down_blocks[0].motion_modules[0]
    assert next(module.parameters()).data_ptr() == next(adapter.down_blocks[0].motion_modules[0].parameters()).data_ptr()
    assert not any(t.is_meta for t in lean.parameters())
    assert torch.equal(outputs(lean), outputs(reference))


def test_an_adapter_with_its_own_input_layer_takes_diffusers_path():
    """PIA's adapter widens conv_in: that layer is built from both, so diffusers builds it."""
    unet = tiny_sd_pipeline().unet
    torch.manual_seed(0)
    adapter = MotionAdapter(block_out_channels=(32, 64), motion_layers_per_block=1, motion_norm_num_groups=16,
                            motion_num_attention_heads=4, motion_max_seq_length=32, conv_in_channels=9)
    model = motion_unet(unet, adapter)
    assert model.conv_in.in_channels == 9
    reference = UNetMotionModel.from_unet2d(unet, adapter)
    assert all(torch.equal(model.state_dict()[k], v) for k, v in reference.state_dict().items())


def test_a_folder_of_fp16_variant_files_is_loaded_as_that_variant(tmp_path):
    pipe = tiny_sd_pipeline()
    pipe.save_pretrained(tmp_path / "plain")
    pipe.save_pretrained(tmp_path / "variant", variant="fp16")
    assert weight_variant(tmp_path / "plain") is None
    assert weight_variant(tmp_path / "variant") == "fp16"
    assert weight_variant(tmp_path / "variant" / "unet" / "config.json") is None  # not a folder
    # what "Get a model" downloads for SD-Turbo or SD 1.5 (fp16 files only) loads and draws
    from desktop.core.image.diffusion_engine import DiffusionEngine
    from desktop.core.image.image_request import ImageRequest
    from desktop.core.video.animatediff_engine import AnimateDiffEngine
    from desktop.core.video.video_request import VideoRequest
    from tiny_video_models import tiny_motion_adapter as adapter

    adapter().save_pretrained(tmp_path / "motion", variant="fp16")
    image = DiffusionEngine(tmp_path / "variant", n_threads=2, precision="fp32").generate(
        ImageRequest(prompt="a red cube", steps=1, width=64, height=64), lambda p: None, threading.Event(), seed=1)
    assert image.image.size == (64, 64)
    clip = AnimateDiffEngine(tmp_path / "variant", tmp_path / "motion", n_threads=2, precision="fp32").generate(
        VideoRequest("a red cube", frames=2, width=64, height=64, steps=1, guidance=1.0, previews=False),
        lambda p: None, threading.Event(), seed=1)
    assert len(clip.frames) == 2
