"""Refuse a load that would not fit, before anything is loaded: the OS killing the app for
lack of memory loses every unsaved thing and says nothing; a refusal names the model, the
numbers and what to do.

Each pipeline's load function says what the model needs (`desktop.core.models.fit`) and
calls `make_room` before the model cache loads it. The room is the RAM available now plus
what unloading Atelier's other loaded models gives back (they are unloaded, least recently
used first, when the new model would not otherwise fit comfortably — whatever the memory
budget says, since the budget alone would let a big model in beside them). A load judged
"too big" raises ModelTooBigError. Only RAM decides a refusal: running out of GPU memory
raises an error inside torch / llama.cpp that the job reports, while running out of RAM
gets the process killed.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Callable

from desktop.core.model_cache import ModelCache
from desktop.core.models import fit
from desktop.core.models.fit import FitEstimate, Machine, ModelTooBigError

log = logging.getLogger(__name__)


def current_machine() -> Machine:
    """The machine loads are judged against (tests put a small one here)."""
    return fit.this_machine()


def make_room(cache: ModelCache, key: tuple, need: Callable[[Machine], FitEstimate], name: str, advice: str,
              loaded_need: Callable[[Machine], FitEstimate] | None = None) -> None:
    """Before `cache` loads `key`: refuse when `need(machine)` is too big even with Atelier's
    other models unloaded, else unload the least recently used of them until it fits. When
    `key` is loaded already, only `loaded_need` (working memory of the request, e.g. an
    image's activations) is checked, if given."""
    loaded = key in cache.keys()
    if loaded and loaded_need is None:
        return
    machine = replace(current_machine(), budget_bytes=cache.budget_bytes)
    others_bytes = cache.used_bytes() - (_engine_bytes(cache, key) if loaded else 0)
    estimate = (loaded_need if loaded else need)(machine.with_reclaimable(others_bytes))
    if estimate.ram_bytes is None:
        return
    ram_only = fit.judge(estimate.ram_bytes, None, machine.with_reclaimable(others_bytes))
    if ram_only.refused:
        raise ModelTooBigError(refusal_message(name, ram_only, others_bytes, advice), ram_only)
    _unload_until_fits(cache, key, estimate.ram_bytes, machine.available_ram_bytes)


def refusal_message(name: str, estimate: FitEstimate, others_bytes: int, advice: str) -> str:
    counted = " (counting the models Atelier would unload for it)" if others_bytes > 0 else ""
    return (f"{name} was not loaded: it needs about {_gb(estimate.ram_bytes)} of memory, and this machine has "
            f"about {_gb(estimate.ram_room_bytes)} free{counted} — too big to run safely now. {advice} "
            "Closing other apps frees memory too.")


def _unload_until_fits(cache: ModelCache, key: tuple, need: int, available: int) -> None:
    freed = 0
    for other in [k for k in cache.keys() if k != key]:
        if need * 100 <= fit.FITS_PERCENT * (available + freed):
            return
        before = cache.used_bytes()
        cache.unload(other)
        freed += max(0, before - cache.used_bytes())
        log.info("Unloaded %s to make room for a model needing about %s", other[:2], _gb(need))


def _engine_bytes(cache: ModelCache, key: tuple) -> int:
    """The loaded engine's own memory (`get` of a loaded key only marks it recently used)."""
    return cache.get(key, _not_loaded).memory_bytes()


def _not_loaded():
    raise AssertionError("the key was listed as loaded")


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e9:.2f} GB"


# --- What each kind of model needs --------------------------------------------------

def upscale_working_bytes(width: int, height: int, scale: int, tile: int, overlap: int) -> int:
    """Memory of one upscale beyond the weights, following UpscaleEngine.upscale: the whole
    float32 output (12 bytes a pixel) and its conversion to 8-bit (two float32 temporaries
    and the uint8 array, then the PIL image: ~27 more bytes a pixel at the peak), plus one
    tile's activations (the RRDB trunk, 64 + 4 × 32 channels at the input tile, two 64-channel
    maps at the output tile), all float32."""
    output_pixels = width * height * scale * scale
    side = tile + 2 * overlap
    tile_bytes = side * side * 192 * 4 * 3 + side * side * scale * scale * 64 * 4 * 2
    return output_pixels * 39 + tile_bytes
