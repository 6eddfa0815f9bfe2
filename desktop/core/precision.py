"""The number format a diffusion model (image or video) computes in. It changes pixels: the
same seed gives the same image or clip only with the same precision on the same kind of
device, so the choice is a setting (and --precision), and every image and clip records the
one it ran in. Shared by the image and video studios, hence at core's root.

No torch here: the settings dialog and the CLI parser list the choices at start-up."""

from __future__ import annotations

from desktop.core.errors import UserFacingError

AUTO = "auto"
# "auto": fp16 on CUDA; bf16 on a CPU that computes it natively (AVX512-BF16 / AMX);
# fp32 elsewhere, where bf16 is emulated and slower than fp32.
PRECISIONS = (AUTO, "fp32", "bf16", "fp16")
_TORCH_NAMES = {"fp32": "float32", "bf16": "bfloat16", "fp16": "float16"}


def resolve(choice: str, device: str) -> str:
    """The precision a model runs in on `device`: the choice itself, or what "auto" picks.
    Reads the CPU flags at each call (tests force either answer on any machine)."""
    if choice not in PRECISIONS:
        raise UserFacingError(f"Precision must be one of {', '.join(PRECISIONS)} (got {choice!r}).")
    if choice == "fp16" and device != "cuda":
        raise UserFacingError("fp16 runs on CUDA GPUs only, and this would run on the CPU: "
                              "choose Automatic, fp32 or bf16 (Settings › Image precision, or --precision).")
    if choice != AUTO:
        return choice
    from desktop.core import hardware  # psutil: not needed to parse a command line

    if device == "cuda":
        return "fp16"
    return "bf16" if hardware.cpu_has_native_bf16() else "fp32"


def torch_dtype(name: str):
    import torch

    return getattr(torch, _TORCH_NAMES[name])
