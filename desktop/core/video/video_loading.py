"""Opening video model files safely: pickle-based weights are refused (never unpickled), and a
motion adapter is loaded from a MotionAdapter folder or from a single .safetensors file.

A single-file adapter (AnimateDiff-Lightning's `*_diffusers.safetensors`, or an original /
ComfyUI-layout AnimateDiff module saved as .safetensors) comes without a configuration: its
shape is read from the tensors themselves (channels per block, motion modules per block,
the position table's length, a mid block or not), and the original layout is converted to
diffusers' with diffusers' own converter."""

from __future__ import annotations

import re
from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.weight_files import refuse_pickle, weight_variant


def is_lightning(adapter_path: str | Path) -> bool:
    """AnimateDiff-Lightning's adapters are named animatediff_lightning_{1,2,4,8}step_*."""
    return "lightning" in Path(adapter_path).name.lower()


def lightning_steps(adapter_path: str | Path) -> int | None:
    found = re.search(r"(\d+)step", Path(adapter_path).name.lower())
    return int(found.group(1)) if found and is_lightning(adapter_path) else None


def load_motion_adapter(path: Path, dtype):
    """A diffusers MotionAdapter from a folder (config.json + safetensors) or a single file."""
    from diffusers import MotionAdapter

    refuse_pickle(path, "motion adapter")
    try:
        if path.is_dir():
            return MotionAdapter.from_pretrained(path, dtype=dtype, use_safetensors=True, local_files_only=True,
                                                 variant=weight_variant(path))
        state = _read_tensors(path)
        if any(".temporal_transformer." in key for key in state):  # the original (ComfyUI / A1111) layout
            from diffusers.loaders.single_file_utils import convert_animatediff_checkpoint_to_diffusers

            state = convert_animatediff_checkpoint_to_diffusers(state)
        adapter = MotionAdapter(**adapter_config(state))
        missing, unexpected = adapter.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ModelFileError(f"{path.name} is not an AnimateDiff motion module Atelier recognises "
                                 f"({len(missing)} weights missing, {len(unexpected)} unexpected).")
        return adapter.to(dtype)
    except ModelFileError:
        raise
    except (OSError, ValueError, RuntimeError, KeyError) as exc:
        raise ModelFileError(f"{path.name} could not be loaded as a motion adapter: {exc}") from None


def _read_tensors(path: Path) -> dict:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        state = load_file(str(path))
    except (SafetensorError, OSError) as exc:
        raise ModelFileError(f"{path.name} is not a readable .safetensors file ({exc}).") from None
    if not any("motion_modules" in key for key in state):
        raise ModelFileError(f"{path.name} holds no motion modules: it is not an AnimateDiff motion adapter.")
    return state


def adapter_config(state: dict) -> dict:
    """MotionAdapter arguments that fit a diffusers-layout state dict. The attention heads and
    norm groups do not show in the weights; AnimateDiff v1–v3 and Lightning all use 8 and 32."""
    channels, per_block, layers = {}, {}, {}
    for key, tensor in state.items():
        found = re.match(r"down_blocks\.(\d+)\.motion_modules\.(\d+)\.", key)
        if found:
            block, module = int(found.group(1)), int(found.group(2))
            per_block[block] = max(per_block.get(block, 0), module + 1)
            if key.endswith("proj_in.weight"):
                channels[block] = tensor.shape[0]
            inner = re.match(r"down_blocks\.\d+\.motion_modules\.\d+\.transformer_blocks\.(\d+)\.", key)
            if inner:
                layers[block] = max(layers.get(block, 0), int(inner.group(1)) + 1)
    if not channels:
        raise ModelFileError("The file has no down-block motion modules in diffusers' layout.")
    blocks = sorted(channels)
    positions = [t.shape[1] for k, t in state.items() if k.endswith("pos_embed.pe") or k.endswith("pos_encoder.pe")]
    return dict(block_out_channels=tuple(channels[b] for b in blocks),
                motion_layers_per_block=max(per_block.values()),
                motion_transformer_layers_per_block=max(layers.values(), default=1),
                motion_max_seq_length=positions[0] if positions else 32,
                use_motion_mid_block=any(k.startswith("mid_block.") for k in state))
