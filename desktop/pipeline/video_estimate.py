"""Before a clip starts: how much memory and time it needs on this machine, for the Video
panel (on its thread pool) and the CLI alike — it reads safetensors headers and, once,
measures the machine.

Memory is the estimate the job refuses a load with (video_memory.estimate), so the panel and
the job never disagree. Time is the Image studio's per-image model (desktop/core/models/
machine_speed) applied to every frame — a motion UNet step over N frames is N image steps,
twice with guidance above 1 — and, once a clip of the same model has been made here, scaled by
how far that clip's real time was from its estimate (`calibration`). A GPU's speed is not
measured: no time is given."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ClipEstimate:
    memory: str             # "needs about 5.1 GB of 15.6 GB free — fits"
    refused: bool           # it would be refused before loading
    raw_seconds: float | None  # the uncalibrated time estimate (None: not known, e.g. on a GPU)
    seconds: float | None      # calibrated

    def text(self) -> str:
        memory = f"Memory: {self.memory}."
        if self.seconds is None:
            return memory
        return f"{memory} Time: about {describe(self.seconds)} on this machine (estimate)."


def describe(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def estimate_clip(model_path: str, request, precision_setting: str, calibration: float = 1.0) -> ClipEstimate:
    import torch

    from desktop.core import precision as precisions
    from desktop.core.models import machine_speed
    from desktop.pipeline import load_guard, video_memory

    device = "cuda" if torch.cuda.is_available() else "cpu"
    precision = precisions.resolve(precision_setting, device)
    path = Path(model_path)
    weights, copy = video_memory.clip_weights(path, request.motion_adapter)
    machine = load_guard.current_machine()
    fit = video_memory.estimate(weights, request, precision, device, machine, load_copy=copy)
    raw = None
    if device == "cpu":
        speed = machine_speed.measured()
        passes = request.steps * (2 if request.guidance > 1.0 else 1)
        raw = request.frames * machine_speed.estimate_seconds_per_image(
            weights * 2, request.width, request.height, passes, speed, native_bf16=precision == "bf16")
    return ClipEstimate(fit.text(), fit.refused, raw, None if raw is None else raw * calibration)
