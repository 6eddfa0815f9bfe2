"""One tiny model of every kind a person can add (File › Add model…, a drop on the window),
written in the test session, plus the files Atelier must refuse: for tests/shell/test_add_model.py
and tests/models/test_model_routing.py."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "video"))  # tiny_video_models lives with the video tests

from ldm_layout import write_single_file  # noqa: E402
from tiny_models import tiny_sd_pipeline, write_tiny_esrgan, write_tiny_sd  # noqa: E402
from tiny_video_models import write_tiny_motion_adapter, write_tiny_motion_adapter_file  # noqa: E402

# kind -> (file or folder name in the kinds folder, the list (model_routing key) that must take it)
KINDS = {
    "gguf": ("tiny-llama.gguf", "text"),
    "checkpoint": ("tiny-sd-checkpoint.safetensors", "image"),
    "diffusers": ("tiny-sd", "image"),
    "esrgan": ("tiny-esrgan-x4.safetensors", "upscaler"),
    "motion-file": ("tiny-motion_diffusers.safetensors", "video"),
    "motion-folder": ("tiny-motion-adapter", "video"),
    "piper": ("voices/en_US-added-medium.onnx", "audio"),
    "vits": ("tiny-vits", "audio"),
}


def write_model_kinds(folder: Path, tiny_gguf: Path, piper_voice: Path, tiny_vits: Path) -> Path:
    """Every kind of KINDS under `folder` (tiny random weights; the Piper voice and the GGUF
    are copies of real files so their paths are new to the lists)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tiny_gguf, folder / KINDS["gguf"][0])
    write_single_file(tiny_sd_pipeline(), folder / KINDS["checkpoint"][0])
    write_tiny_sd(folder / KINDS["diffusers"][0])
    write_tiny_esrgan(folder / KINDS["esrgan"][0])
    write_tiny_motion_adapter_file(folder / KINDS["motion-file"][0])
    write_tiny_motion_adapter(folder / KINDS["motion-folder"][0])
    voice = folder / KINDS["piper"][0]
    voice.parent.mkdir()
    shutil.copyfile(piper_voice, voice)
    shutil.copyfile(piper_voice.with_name(piper_voice.name + ".json"), voice.with_name(voice.name + ".json"))
    shutil.copytree(tiny_vits, folder / KINDS["vits"][0])
    return folder


def write_refused(folder: Path, piper_voice: Path) -> dict[str, Path]:
    """Files Atelier must refuse: a pickle (a real torch.save), random bytes named .safetensors,
    and a Piper .onnx without its .onnx.json."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    pickle = folder / "model.ckpt"
    torch.save({"state_dict": {"w": torch.zeros(2)}}, pickle)
    noise = folder / "noise.safetensors"
    noise.write_bytes(os.urandom(4096))
    lone = folder / "lonely" / "en_US-lonely-medium.onnx"
    lone.parent.mkdir()
    os.symlink(piper_voice, lone)  # the voice's weights, without their settings file
    return {"pickle": pickle, "noise": noise, "lone-voice": lone}


def write_flux_gguf(path: Path) -> bytes:
    """A GGUF whose architecture is a diffusion model (as city96's FLUX GGUFs are)."""
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(path), "flux")
    writer.add_tensor("img_in.weight", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()
