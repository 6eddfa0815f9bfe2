"""Write a diffusers Stable Diffusion 1.x pipeline as one original-layout (LDM / A1111)
.safetensors checkpoint, so the tests can load a single-file model made here.

The mapping mirrors diffusers' own LDM -> diffusers conversion, for any block count and
layers per block."""

from __future__ import annotations

from pathlib import Path

_RESNET = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("time_emb_proj", "emb_layers.1"),
           ("norm2", "out_layers.0"), ("conv2", "out_layers.3"), ("conv_shortcut", "skip_connection")]
_VAE_RESNET = [("conv_shortcut", "nin_shortcut")]
_VAE_ATTENTION = [("group_norm", "norm"), ("to_q", "q"), ("to_k", "k"), ("to_v", "v"), ("to_out.0", "proj_out")]


def _rename(key: str, pairs) -> str:
    for new, old in pairs:
        key = key.replace(f".{new}.", f".{old}.")
    return key


def unet_key(key: str, layers: int, blocks: int) -> str:
    simple = {"time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
              "conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2"}
    for new, old in simple.items():
        if key.startswith(new + "."):
            return old + key[len(new):]
    parts = key.split(".")
    if parts[0] == "down_blocks":
        b, kind, i = int(parts[1]), parts[2], int(parts[3])
        if kind == "downsamplers":
            return f"input_blocks.{(b + 1) * (layers + 1)}.0.op." + ".".join(parts[5:])
        index = 1 + b * (layers + 1) + i
        rest = ".".join(parts[4:])
        return _rename(f"input_blocks.{index}.{0 if kind == 'resnets' else 1}.{rest}", _RESNET) if kind == "resnets" \
            else f"input_blocks.{index}.1.{rest}"
    if parts[0] == "mid_block":
        kind, i, rest = parts[1], int(parts[2]), ".".join(parts[3:])
        if kind == "attentions":
            return f"middle_block.1.{rest}"
        return _rename(f"middle_block.{0 if i == 0 else 2}.{rest}", _RESNET)
    if parts[0] == "up_blocks":
        b, kind, i = int(parts[1]), parts[2], int(parts[3])
        if kind == "upsamplers":
            index = b * (layers + 1) + layers
            return f"output_blocks.{index}.{{up}}.conv." + ".".join(parts[5:])
        index = b * (layers + 1) + i
        rest = ".".join(parts[4:])
        if kind == "resnets":
            return _rename(f"output_blocks.{index}.0.{rest}", _RESNET)
        return f"output_blocks.{index}.1.{rest}"
    raise KeyError(key)


def vae_key(key: str, blocks: int) -> str:
    parts = key.split(".")
    side = parts[0]
    if parts[1] == "down_blocks":
        b, kind = int(parts[2]), parts[3]
        if kind == "downsamplers":
            return f"encoder.down.{b}.downsample.conv." + ".".join(parts[6:])
        return _rename(f"encoder.down.{b}.block.{parts[4]}." + ".".join(parts[5:]), _VAE_RESNET)
    if parts[1] == "up_blocks":
        b, kind = blocks - 1 - int(parts[2]), parts[3]
        if kind == "upsamplers":
            return f"decoder.up.{b}.upsample.conv." + ".".join(parts[6:])
        return _rename(f"decoder.up.{b}.block.{parts[4]}." + ".".join(parts[5:]), _VAE_RESNET)
    if parts[1] == "mid_block":
        if parts[2] == "attentions":
            return _rename(f"{side}.mid.attn_1." + ".".join(parts[4:]), _VAE_ATTENTION)
        return _rename(f"{side}.mid.block_{int(parts[3]) + 1}." + ".".join(parts[4:]), _VAE_RESNET)
    return key.replace("conv_norm_out", "norm_out")


def write_single_file(pipe, path: Path) -> Path:
    from safetensors.torch import save_file

    unet, vae = pipe.unet, pipe.vae
    layers, blocks = unet.config.layers_per_block, len(unet.config.block_out_channels)
    state = {}
    for key, value in unet.state_dict().items():
        new = unet_key(key, layers, blocks)
        if "{up}" in new:
            up_block = int(key.split(".")[1])
            has_attention = "CrossAttn" in unet.config.up_block_types[up_block]
            new = new.replace("{up}", "2" if has_attention else "1")
        state["model.diffusion_model." + new] = value
    vae_blocks = len(vae.config.block_out_channels)
    for key, value in vae.state_dict().items():
        new = vae_key(key, vae_blocks)
        if ".mid.attn_1." in new and new.endswith("weight") and value.ndim == 2:
            value = value[:, :, None, None]  # LDM keeps these attention projections as 1x1 convs
        state["first_stage_model." + new] = value
    for key, value in pipe.text_encoder.state_dict().items():
        # Original checkpoints keep CLIP's `text_model.` level (transformers 5 flattens it away).
        key = key if key.startswith("text_model.") else "text_model." + key
        state["cond_stage_model.transformer." + key] = value
    save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    return Path(path)
