"""Tiny random-weight video models written inside the tests (no downloads): an AnimateDiff
motion adapter for the tiny Stable Diffusion of tests/tiny_models.py, and a tiny Stable
Video Diffusion (spatio-temporal UNet, temporal VAE decoder, CLIP vision encoder), from the
small configurations diffusers' own pipeline tests use."""

from __future__ import annotations

from pathlib import Path


def tiny_motion_adapter(seed: int = 0):
    """Matches tests/tiny_models.tiny_sd_pipeline's UNet (block_out_channels (32, 64))."""
    import torch
    from diffusers import MotionAdapter

    torch.manual_seed(seed)
    return MotionAdapter(block_out_channels=(32, 64), motion_layers_per_block=1, motion_norm_num_groups=16,
                         motion_num_attention_heads=4, motion_max_seq_length=32)


def write_tiny_motion_adapter(folder: Path, seed: int = 0) -> Path:
    tiny_motion_adapter(seed).save_pretrained(folder, safe_serialization=True)
    return Path(folder)


def write_tiny_motion_adapter_file(path: Path, seed: int = 0) -> Path:
    """The same adapter as one .safetensors file in diffusers' layout (how AnimateDiff-Lightning
    ships its *_diffusers.safetensors), with its configuration nowhere beside it."""
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in tiny_motion_adapter(seed).state_dict().items()}, str(path))
    return Path(path)


def tiny_svd_pipeline(seed: int = 0):
    import torch
    from diffusers import (AutoencoderKLTemporalDecoder, EulerDiscreteScheduler, StableVideoDiffusionPipeline,
                           UNetSpatioTemporalConditionModel)
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    unet = UNetSpatioTemporalConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=32, in_channels=8, out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"), cross_attention_dim=32,
        num_attention_heads=8, projection_class_embeddings_input_dim=96, addition_time_embed_dim=32)
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
        num_train_timesteps=1000, prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002,
        steps_offset=1, timestep_spacing="leading", timestep_type="continuous", use_karras_sigmas=True)
    vae = AutoencoderKLTemporalDecoder(block_out_channels=[32, 64], in_channels=3, out_channels=3,
                                       down_block_types=["DownEncoderBlock2D", "DownEncoderBlock2D"],
                                       latent_channels=4)
    image_encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=32, num_hidden_layers=2, num_attention_heads=4, image_size=224,
        intermediate_size=37, patch_size=32))  # SVD resizes to 224 itself
    feature_extractor = CLIPImageProcessor(crop_size=32, size=32)
    return StableVideoDiffusionPipeline(vae=vae, image_encoder=image_encoder, unet=unet, scheduler=scheduler,
                                        feature_extractor=feature_extractor)


def write_tiny_svd(folder: Path, seed: int = 0) -> Path:
    tiny_svd_pipeline(seed).save_pretrained(folder, safe_serialization=True)
    return Path(folder)


def tiny_ltx_pipeline(seed: int = 0):
    """LTX-Video with a one-layer transformer, a small causal video VAE and a tiny T5 text
    encoder whose SentencePiece-style vocabulary is written here (no tokenizer download)."""
    import torch
    from diffusers import AutoencoderKLLTXVideo, FlowMatchEulerDiscreteScheduler, LTXPipeline, LTXVideoTransformer3DModel
    from transformers import T5Config, T5EncoderModel, T5TokenizerFast

    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + \
        [(f"▁{w}", -1.0) for w in "a red cube turning slowly cat on mat".split()] + \
        [(c, -2.0) for c in "abcdefghijklmnopqrstuvwxyz"]
    tokenizer = T5TokenizerFast(vocab=pieces, extra_ids=0)
    torch.manual_seed(seed)
    text_encoder = T5EncoderModel(T5Config(vocab_size=len(pieces), d_model=32, d_kv=8, d_ff=37, num_layers=1,
                                           num_heads=4))
    transformer = LTXVideoTransformer3DModel(in_channels=8, out_channels=8, patch_size=1, patch_size_t=1,
                                             num_attention_heads=4, attention_head_dim=8, cross_attention_dim=32,
                                             num_layers=1, caption_channels=32)
    vae = AutoencoderKLLTXVideo(latent_channels=8, block_out_channels=(8, 8, 8, 8),
                                spatio_temporal_scaling=(True, True, False, False), layers_per_block=(1, 1, 1, 1, 1),
                                patch_size=1, patch_size_t=1, encoder_causal=True, decoder_causal=False)
    return LTXPipeline(transformer=transformer, vae=vae, scheduler=FlowMatchEulerDiscreteScheduler(),
                       text_encoder=text_encoder, tokenizer=tokenizer)


def write_tiny_ltx(folder: Path, seed: int = 0) -> Path:
    tiny_ltx_pipeline(seed).save_pretrained(folder, safe_serialization=True)
    return Path(folder)
