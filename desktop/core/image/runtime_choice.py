"""Which runtime computes the UNet and the decoder: torch, or an optional faster one
(core/image/fast_runtime.py, installed as an extra). This side of the contract only chooses
and records; fast_runtime converts, caches and falls back. Without that module every runtime
but torch is unavailable, and the image says it ran in torch."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Callable

from desktop.core.errors import UserFacingError

log = logging.getLogger(__name__)

AUTO, TORCH = "auto", "torch"
# Every runtime a request may name (the CLI's choices, read without importing torch);
# fast_runtime.RUNTIMES says which of them it knows.
RUNTIMES = (AUTO, TORCH, "openvino", "onnx")
_DISPLAY = {"torch": "PyTorch", "openvino": "OpenVINO", "onnx": "ONNX Runtime"}


def check(choice: str) -> None:
    if choice not in RUNTIMES:
        raise UserFacingError(f"The runtime must be one of {', '.join(RUNTIMES)} (got {choice!r}).")


def display_name(runtime: str) -> str:
    return _DISPLAY.get(runtime, runtime)


def _fast_runtime():
    """The optional module, or None while it is not there (imported lazily: it may pull in
    the runtime's own package)."""
    try:
        return importlib.import_module("desktop.core.image.fast_runtime")
    except ImportError as exc:
        if exc.name not in ("desktop.core.image.fast_runtime", None):
            log.warning("The faster image runtime could not be imported: %s", exc)
        return None


def resolve(choice: str, device: str, few_step_model: bool = False) -> tuple[str, str]:
    """(the runtime to load the model with, a note when a runtime asked for by name cannot
    run here). "auto": fast_runtime's measured winner (`PREFERRED`) for a model made for few
    steps (the catalog's Turbo / SDXS / LCM models) on a CPU when it can run here, else torch —
    quietly. Other models keep torch unless it is chosen: a first conversion blocks the first
    image (25 s for the 2 M-parameter test model on the 2-core development machine; the real
    UNets are 400× larger), a wait that someone who picked a speed model expects and someone
    trying an SD 1.5 checkpoint for a 25-step picture does not."""
    check(choice)
    if choice == TORCH:
        return TORCH, ""
    if choice == AUTO and (device != "cpu" or not few_step_model):
        return TORCH, ""
    module = _fast_runtime()
    if choice == AUTO:
        preferred = getattr(module, "PREFERRED", TORCH) if module is not None else TORCH
        if preferred == TORCH or module.available(preferred) is not None:
            return TORCH, ""
        return preferred, ""
    if module is None:
        why = "its module is not part of this installation"
    elif choice not in getattr(module, "RUNTIMES", ()):
        why = "this installation does not know it"
    else:
        why = module.available(choice)
        if why is None:
            return choice, ""
    return TORCH, f"{display_name(choice)} is not available ({why}): the image was made with PyTorch."


def accelerate(pipe, runtime: str, cache_dir: Path, dtype_name: str,
               on_progress: Callable[[int, int, str], None] | None = None) -> str:
    """The runtime in use after asking fast_runtime to take over `pipe` (torch: nothing to do).
    Never raises: a runtime that fails leaves the pipeline in torch (fast_runtime's promise,
    kept here too for a module that breaks it)."""
    return _call("accelerate", pipe, runtime, cache_dir, dtype_name, on_progress)


def accelerate_decoder(vae, runtime: str, cache_dir: Path, dtype_name: str,
                       on_progress: Callable[[int, int, str], None] | None = None) -> str:
    """The same for TAESD, which decodes outside the pipeline."""
    return _call("accelerate_decoder", vae, runtime, cache_dir, dtype_name, on_progress)


def _call(name: str, target, runtime: str, cache_dir: Path, dtype_name: str, on_progress) -> str:
    if runtime == TORCH:
        return TORCH
    function = getattr(_fast_runtime(), name, None)
    if function is None:
        return TORCH
    try:
        return function(target, runtime, Path(cache_dir), dtype_name, on_progress)
    except Exception:  # noqa: BLE001 - the contract says never raised; torch still works
        log.exception("The %s runtime failed; the image is made with PyTorch", runtime)
        return TORCH
