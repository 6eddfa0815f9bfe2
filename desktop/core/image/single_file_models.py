"""Single-file (A1111-style) Stable Diffusion checkpoints in .safetensors.

A single file holds the weights but not the configuration and tokenizer diffusers needs
to build the pipeline; online, diffusers fetches those from the Hub. Offline, Atelier
borrows them from a diffusers model of the same architecture already on this machine (in
a model folder or the Hugging Face cache); only the weights come from the file.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.json_files import read_object
from desktop.core.safetensors_header import read_header, shape_dim

UNET_PREFIX = "model.diffusion_model."
FAMILY_PIPELINES = {"SDXL": "StableDiffusionXLPipeline", "SD 1.x": "StableDiffusionPipeline",
                    "SD 2.x": "StableDiffusionPipeline"}


def describe_checkpoint(path: Path) -> dict | None:
    """Family, text width and UNet input channels read from the file's header, or None
    when the file is not a Stable Diffusion checkpoint. Raises ModelFileError (naming the
    file, saying what to do) when it is not a readable .safetensors file at all."""
    header = read_header(path)
    if not any(key.startswith(UNET_PREFIX) for key in header):
        return None
    unet_in = shape_dim(header.get(UNET_PREFIX + "input_blocks.0.0.weight"), 1)
    unet_in = 4 if unet_in is None else unet_in
    if any(key.startswith("conditioner.embedders.1.") for key in header):
        return {"family": "SDXL", "text_width": None, "in_channels": unet_in}
    clip = header.get("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight")
    if clip is not None:
        return {"family": "SD 1.x", "text_width": shape_dim(clip, 1), "in_channels": unet_in}
    open_clip = header.get("cond_stage_model.model.token_embedding.weight")
    if open_clip is not None:  # SD 2.x: OpenCLIP ViT-H text encoder (1024 wide)
        return {"family": "SD 2.x", "text_width": shape_dim(open_clip, 1), "in_channels": unet_in}
    return None


def find_config_folder(checkpoint: Path, candidates: list[Path]) -> tuple[Path, str]:
    """A diffusers folder whose architecture matches the checkpoint, and its pipeline class."""
    info = describe_checkpoint(checkpoint)
    if info is None:
        raise ModelFileError(f"{checkpoint.name} is not a Stable Diffusion checkpoint.")
    wanted = FAMILY_PIPELINES[info["family"]]
    for folder in candidates:
        try:
            index = read_object(folder / "model_index.json")
            unet = read_object(folder / "unet" / "config.json")
            text = read_object(folder / "text_encoder" / "config.json")
        except (OSError, ValueError):
            continue
        if index.get("_class_name") != wanted or unet.get("in_channels") != info["in_channels"]:
            continue
        if info["text_width"] is not None and text.get("hidden_size") != info["text_width"]:
            continue
        return folder, wanted
    raise ModelFileError(
        f"{checkpoint.name} is a single-file {info['family']} checkpoint. To build it offline Atelier "
        f"needs the configuration of a diffusers {info['family']} model (its JSON files and tokenizer; "
        "the weights are not needed) in a model folder or the Hugging Face cache, and found none. "
        "Add such a folder, or use the model as a diffusers folder.")
