"""What a clip needs in memory, judged before its model loads (desktop/pipeline/load_guard.py
refuses a load that cannot fit, with the numbers): the weights in the precision they run in,
counted from the safetensors headers, plus the working memory of the clip — the UNet or
transformer over every frame at once (twice with guidance above 1), and the VAE decoding a
few frames at a time. Measured by bench/video_memory.py on AnimateDiff's real architecture."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

from desktop.core.errors import ModelFileError
from desktop.core.models import fit
from desktop.core.video.video_engine import CPU_DECODE_CHUNK, GPU_DECODE_CHUNK
from desktop.core.video.video_request import VideoRequest

PRECISION_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
# Working memory of the denoiser per output pixel of each frame in the batch, float32. Measured
# on AnimateDiff (SD 1.5 UNet + motion modules), 16 frames at 512², see bench/video_memory.py.
DENOISER_BYTES_PER_PIXEL = 700
BASE_BYTES = 256 * fit.MIB  # torch, diffusers, the tokenizer and the frames themselves


def parameters(path: Path) -> int:
    """Numbers in a .safetensors file or in a diffusers folder's weights (per component folder
    the plain files, else the variant ones such as *.fp16.*); header reads only."""
    from safetensors import SafetensorError, safe_open

    files = [path] if path.is_file() else sorted(path.rglob("*.safetensors"))
    by_folder: dict[Path, list[Path]] = {}
    for file in files:
        by_folder.setdefault(file.parent, []).append(file)
    total = 0
    for group in by_folder.values():
        plain = [f for f in group if f.name.count(".") == 1]
        for file in plain or group:
            try:
                with safe_open(str(file), "pt") as handle:
                    total += sum(math.prod(handle.get_slice(k).get_shape()) for k in handle.keys())
            except (SafetensorError, OSError) as exc:
                raise ModelFileError(f"{file.name} is not a readable .safetensors file ({exc}).") from None
    return total


def working_bytes(request: VideoRequest, precision_bytes: int, memory_saving: bool, device: str) -> int:
    """The clip's memory beyond the weights."""
    pixels = request.width * request.height
    batch = request.frames * (2 if request.guidance > 1.0 else 1)
    denoiser = batch * pixels * DENOISER_BYTES_PER_PIXEL * precision_bytes // 4
    chunk = request.frames if not memory_saving else (CPU_DECODE_CHUNK if device == "cpu" else GPU_DECODE_CHUNK)
    decode = min(chunk, request.frames) * fit.diffusion_activation_bytes(request.width, request.height,
                                                                         precision_bytes)
    return BASE_BYTES + max(denoiser, decode)


def estimate(weights: int, request: VideoRequest, precision: str, device: str, machine: fit.Machine,
             memory_saving: bool = True, loaded: bool = False) -> fit.FitEstimate:
    """On a CPU: weights and working memory in RAM. On a GPU: the fp16 weights pass through RAM
    as they load; GPU memory holds them (with offload, the largest third at a time) and the
    clip's working memory."""
    size = PRECISION_BYTES[precision]
    weight_bytes = 0 if loaded else weights * size
    if device == "cuda":
        work = working_bytes(request, 2, memory_saving, device)
        on_gpu = (weights * 2 // 3 if memory_saving else weights * 2) + work
        return fit.judge(weight_bytes, on_gpu, machine)
    return fit.judge(weight_bytes + working_bytes(request, size, memory_saving, device), None,
                     dataclasses.replace(machine, gpu=None))
