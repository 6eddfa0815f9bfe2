"""Before an image starts: about how long it takes on this machine, for the Image studio (on
its thread pool). The model is machine_speed's (desktop/core/models/machine_speed.py): UNet
steps (twice the work with guidance above 1: the prompt and the negative go through the UNet
together) plus the decode the run will use — TAESD when "auto" or "tiny" picks it and one is
installed, else the model's VAE — from this machine's one-time matrix-multiply measurement.
Once an image of the same model has been made here, the panel scales it by how far that run
was from its estimate (`calibration`), which also absorbs an optional runtime's speed-up. A
GPU's speed is not measured: no estimate there."""

from __future__ import annotations

from pathlib import Path

from desktop.core.image import decoder_choice
from desktop.core.image.tiny_autoencoder import find_tiny_autoencoder
from desktop.core.json_files import read_object
from desktop.core.weight_files import weight_parameters


def decoder_for(model_path: str, request, model_dirs: list[Path], found: tuple = ()) -> str:
    """The decoder `request` will get with this model on a CPU ("full" or "tiny"), as the
    engine decides it (a TAESD whose scale does not fit is not checked here)."""
    from desktop.pipeline.image_job import few_step_model

    tiny = find_tiny_autoencoder(list(model_dirs), _is_sdxl(Path(model_path)), found)
    return decoder_choice.resolve(request.decoder, steps=request.steps, device="cpu",
                                  few_step_model=few_step_model(model_path, list(model_dirs)),
                                  tiny_problem=None if tiny is not None else "none found").decoder


def estimate_seconds(model_path: str, request, precision_setting: str, model_dirs: list[Path],
                     found: tuple = ()) -> float | None:
    """Seconds for one image of `request` (not counting the model's first load), or None on
    a GPU machine or for a model whose size cannot be read."""
    import torch

    from desktop.core import precision as precisions
    from desktop.core.models import machine_speed

    if torch.cuda.is_available():
        return None
    parameters = weight_parameters(Path(model_path))
    if parameters <= 0:
        return None
    precision = precisions.resolve(precision_setting, "cpu")
    steps = request.steps if request.init_image is None else max(1, int(request.steps * request.strength))
    passes = steps * (2 if request.guidance > 1.0 else 1)
    tiny = decoder_for(model_path, request, model_dirs, found) == decoder_choice.TINY
    return machine_speed.estimate_seconds_per_image(parameters * 2, request.width, request.height, passes,
                                                    machine_speed.measured(), native_bf16=precision == "bf16",
                                                    tiny_decoder=tiny)


def describe(seconds: float, calibrated: bool) -> str:
    rounded = f"{seconds:.1f}" if seconds < 10 else f"{round(seconds)}"
    source = "from the last image of this model" if calibrated else "estimate from this machine's speed"
    return f"about {rounded} s an image ({source})"


def _is_sdxl(path: Path) -> bool:
    if not path.is_dir():
        return "xl" in path.name.lower()  # a single file: its name is all there is to go on here
    try:
        return "XL" in str(read_object(path / "model_index.json").get("_class_name", ""))
    except (OSError, ValueError):
        return False
