"""An optional faster runtime for a pipeline's UNet and final decoder: OpenVINO (the
`atelier[fast]` extra), converted from the loaded torch modules once and cached on disk.

Contract with the engine: `accelerate(pipe, runtime, cache_dir, dtype_name)` swaps in the
compiled versions and returns the runtime in use; anything that goes wrong (package missing,
a conversion or compile error) is logged and answered with "torch", the pipeline left as it
was. "auto" is the measured winner on a CPU (PREFERRED) when it can run, else torch. A decoder
kept outside the pipeline (TAESD as the final decoder) goes through `accelerate_decoder`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

RUNTIMES = ("torch", "openvino")
AUTO = "auto"
# "auto" picks it: measured on the real SD-Turbo architecture at 512² (2 cores, AVX512-BF16 and
# AMX), a UNet step took 0.64 s in OpenVINO bf16 against 1.10 s in torch bf16 (2.55 s against
# 3.45 s in fp32) and TAESD's decode 0.15 s against 0.71 s (torch fp32); in fp32 the decoders
# were even (0.81 s against 0.71 s for TAESD). Same pixels as torch in fp32; in bf16 the same
# size of difference as torch's own bf16.
PREFERRED = "openvino"
INSTALL_HINT = "install it with: pip install 'atelier[fast]'"

LABELS = {"unet": "UNet", "decoder": "decoder"}

ProgressFn = Callable[[int, int, str], None]


def available(runtime: str) -> str | None:
    """None when `runtime` can run here; otherwise why not."""
    if runtime == "torch":
        return None
    if runtime == AUTO:
        return available(PREFERRED)
    if runtime not in RUNTIMES:
        return f"Unknown runtime '{runtime}': one of {', '.join(RUNTIMES)}."
    try:
        from desktop.core.image.openvino_runtime import openvino

        devices = openvino().Core().available_devices
    except ImportError as exc:
        return f"OpenVINO is not installed ({exc}); {INSTALL_HINT}."
    except Exception as exc:  # a broken install: say so rather than fail later
        return f"OpenVINO does not start here: {exc}"
    if "CPU" not in devices:
        return "OpenVINO finds no CPU device on this machine."
    return None


def resolve(runtime: str) -> str:
    """The runtime a choice means here ("auto" → the winner when it can run, else torch)."""
    if runtime == AUTO:
        return PREFERRED if available(PREFERRED) is None else "torch"
    return runtime


class _ProgressError(Exception):
    """An exception raised by the caller's on_progress (a cancel): passed through, not logged."""


def accelerate(pipe, runtime: str, cache_dir: Path, dtype_name: str, on_progress: ProgressFn | None = None) -> str:
    """Swap pipe.unet and pipe.vae's decode for `runtime`'s compiled versions, converting once
    and caching under cache_dir; `on_progress(done, total, message)` during a first
    conversion. Returns the runtime in use: "torch" when `runtime` is "torch", unavailable or
    fails (logged, never raised; an exception from on_progress itself does propagate)."""
    return _accelerate(lambda: _pipeline_parts(pipe), getattr(pipe, "device", None), runtime, cache_dir,
                       dtype_name, on_progress)


def accelerate_decoder(vae, runtime: str, cache_dir: Path, dtype_name: str,
                       on_progress: ProgressFn | None = None) -> str:
    """The same for an autoencoder outside the pipeline (TAESD decoding the final image): its
    `decode` runs compiled from then on. Returns the runtime in use, as accelerate does."""
    return _accelerate(lambda: _decoder_parts(vae), getattr(vae, "device", None), runtime, cache_dir,
                       dtype_name, on_progress)


def _accelerate(find_parts, device, runtime: str, cache_dir: Path, dtype_name: str, on_progress) -> str:
    runtime = resolve(runtime)
    if runtime == "torch":
        return "torch"
    why = available(runtime)
    if why is not None:
        log.warning("fast runtime %s unavailable, running on torch: %s", runtime, why)
        return "torch"
    if getattr(device, "type", "cpu") != "cpu":
        log.info("fast runtime %s is for CPUs; the model is on %s: running on torch", runtime, device)
        return "torch"

    def progress(done: int, total: int, message: str) -> None:
        if on_progress is not None:
            try:
                on_progress(done, total, message)
            except Exception as exc:
                raise _ProgressError() from exc

    try:
        swaps = _openvino_swaps(find_parts(), Path(cache_dir), dtype_name, progress)
    except _ProgressError as wrapped:
        raise wrapped.__cause__ from None
    except Exception:
        log.exception("fast runtime %s failed; running on torch", runtime)
        return "torch"
    for apply in swaps:  # only once everything converted and loaded: all or nothing
        apply()
    return runtime


def _openvino_swaps(parts: list[tuple], cache_dir: Path, dtype_name: str, progress) -> list[Callable[[], None]]:
    """Convert (first time) and load each part; the swaps to make, not yet made."""
    import torch

    from desktop.core.image import runtime_cache
    from desktop.core.image.openvino_runtime import CompiledGraph, ModelStore, model_key

    root = openvino_folder(cache_dir)
    store = ModelStore(root / runtime_cache.IR)
    threads = torch.get_num_threads()
    total, done = 2 * len(parts), 0
    swaps, keys = [], set()
    for kind, module, names, graph, example, make in parts:
        key = model_key(kind, module, names)
        keys.add(key)
        shown = LABELS[kind]
        if not store.has(key):
            message = f"Converting the {shown} for OpenVINO (first time only)…"
            progress(done, total, message)
            _convert(store, key, kind, module, names, lambda: graph(module, names), lambda: example(module),
                     lambda: progress(done, total, message), threads)
        done += 1
        progress(done, total, f"Compiling the {shown} for this CPU (cached after the first time)…")
        compiled = CompiledGraph(store.path(key), runtime_cache.compiled_folder(root, key), dtype_name, threads)
        runtime_cache.mark_used(root, key)
        swaps.append(make(module, compiled))
        done += 1
        progress(done, total, f"The {shown} is ready in OpenVINO.")
    runtime_cache.prune(root, keep=keys)
    return swaps


def _convert(store, key: str, kind: str, module, names, graph, example, still_wanted, threads: int) -> None:
    """In a child process (openvino_conversion says why); in this one if a child cannot be had."""
    from desktop.core.image.openvino_conversion import convert_in_child

    try:
        convert_in_child(store.root, key, kind, module, names, still_wanted, threads)
    except _ProgressError:
        raise
    except Exception:
        log.warning("converting %s in a child process failed; converting here (the window may pause)", key,
                    exc_info=True)
        store.convert(key, graph(), example())


def openvino_folder(cache_dir: Path) -> Path:
    """Where OpenVINO's converted models live under the runtime cache (runtime_cache's layout)."""
    return Path(cache_dir) / "openvino"


def _pipeline_parts(pipe) -> list[tuple]:
    """(label, torch module, graph inputs, graph builder, example builder, swap maker) for the
    pipeline's UNet and decoder, those not converted already."""
    from diffusers import UNet2DConditionModel

    from desktop.core.image import openvino_modules as modules

    parts = []
    unet = getattr(pipe, "unet", None)
    if isinstance(unet, UNet2DConditionModel):
        names = modules.unet_inputs(unet)

        def swap_unet(module, compiled):
            return lambda: setattr(pipe, "unet", modules.OpenVINOUNet(module, compiled, names))

        parts.append(("unet", unet, names, modules.unet_graph, lambda m: modules.unet_example(m, names), swap_unet))
    vae = getattr(pipe, "vae", None)
    return parts + (_decoder_parts(vae) if vae is not None else [])


def _decoder_parts(vae) -> list[tuple]:
    from diffusers import AutoencoderKL, AutoencoderTiny

    from desktop.core.image import openvino_modules as modules

    if not isinstance(vae, (AutoencoderKL, AutoencoderTiny)) or isinstance(vae.__dict__.get("decode"),
                                                                          modules.OpenVINODecode):
        return []

    def swap_decoder(module, compiled):
        return lambda: setattr(module, "decode", modules.OpenVINODecode(module, compiled))

    return [("decoder", vae, ("latents",), modules.decoder_graph, modules.decoder_example, swap_decoder)]


def restore(pipe) -> None:
    """Put the torch UNet and decode back (e.g. before running the pipeline on a GPU)."""
    from desktop.core.image.openvino_modules import OpenVINODecode, OpenVINOUNet

    if isinstance(getattr(pipe, "unet", None), OpenVINOUNet):
        pipe.unet = pipe.unet.torch_module
    vae = getattr(pipe, "vae", None)
    if vae is not None and isinstance(vae.__dict__.get("decode"), OpenVINODecode):
        del vae.decode
