"""What a clip needs in memory, judged before its model loads (desktop/pipeline/load_guard.py
refuses a load that cannot fit, with the numbers): the weights in the precision they run in,
counted from the safetensors headers, plus the working memory of the clip — the UNet or
transformer over every frame at once (twice with guidance above 1), and the VAE decoding a
few frames at a time. Measured by bench/video_memory.py on AnimateDiff's real architecture."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from desktop.core.models import fit
from desktop.core.video.video_engine import CPU_DECODE_CHUNK, GPU_DECODE_CHUNK
from desktop.core.video.video_request import VideoRequest
from desktop.core.weight_files import weight_parameters

PRECISION_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2}
# Measured by bench/video_memory.py on AnimateDiff (SD 1.5 + the default MotionAdapter, 1.52 B
# parameters), 16 frames at 512², with the memory options: fp32 loaded and settled 6.06 GiB for
# 6.1 GB of weights, the denoising step +1.82 GiB with forward chunking (~470 bytes per output
# pixel of each frame; 2.8 GiB without), each frame decoded at once ~1.1 GiB, the load's own peak
# +0.8 GiB (the base UNet's file read while its tensors are converted; the motion UNet shares
# them: motion_unet.py). bf16: settled 3.23 GiB, load peak 4.42, clip peak 4.90.
DENOISER_BYTES_PER_PIXEL = 500
BASE_BYTES = 1024 * fit.MIB
LOAD_COPY_BYTES = 2  # per base-UNet parameter: its fp16 file mapped while the weights convert


def clip_weights(model: Path, adapter: str | Path = "", family: str = "") -> tuple[int, int]:
    """(parameters a clip's model loads, parameters held twice for a moment while it loads),
    from the safetensors headers: the model and its motion adapter; the second is AnimateDiff's
    base UNet (see LOAD_COPY_BYTES)."""
    model = Path(model)
    weights = weight_parameters(model) + (weight_parameters(Path(adapter)) if adapter else 0)
    unet = model / "unet"
    copy = weight_parameters(unet) if (family == "animatediff" or adapter) and unet.is_dir() else 0
    return weights, copy


def working_bytes(request: VideoRequest, precision_bytes: int, memory_saving: bool, device: str) -> int:
    """The clip's memory beyond the weights."""
    pixels = request.width * request.height
    batch = request.frames * (2 if request.guidance > 1.0 else 1)
    denoiser = batch * pixels * DENOISER_BYTES_PER_PIXEL  # measured about the same in bf16
    chunk = request.frames if not memory_saving else (CPU_DECODE_CHUNK if device == "cpu" else GPU_DECODE_CHUNK)
    decode = min(chunk, request.frames) * fit.diffusion_activation_bytes(request.width, request.height,
                                                                         precision_bytes)
    return BASE_BYTES + max(denoiser, decode)


def estimate(weights: int, request: VideoRequest, precision: str, device: str, machine: fit.Machine,
             memory_saving: bool = True, loaded: bool = False, load_copy: int = 0) -> fit.FitEstimate:
    """On a CPU: weights and the larger of the clip's working memory and what loading holds for
    a moment (`load_copy` parameters: AnimateDiff's base UNet, read from its file while it
    converts). On a GPU: the weights pass through RAM as they load; GPU memory holds them (with
    offload, the largest third at a time) and the clip's working memory."""
    size = PRECISION_BYTES[precision]
    weight_bytes = 0 if loaded else weights * size
    transient = 0 if loaded else load_copy * LOAD_COPY_BYTES
    if device == "cuda":
        work = working_bytes(request, 2, memory_saving, device)
        on_gpu = (weights * 2 // 3 if memory_saving else weights * 2) + work
        return fit.judge(weight_bytes + transient, on_gpu, machine)
    return fit.judge(weight_bytes + max(working_bytes(request, size, memory_saving, device), BASE_BYTES + transient),
                     None, dataclasses.replace(machine, gpu=None))
