"""Whether a model fits this machine: an estimate of the RAM (and GPU memory, where there
is a GPU) it needs, against what the machine has free, as "fits", "tight" or "too big" with
the numbers. Shown before a download and before a load; a load judged "too big" is
refused (desktop/pipeline/load_guard.py) instead of letting the OS kill the app.

Estimates, not measurements (they are labelled "about" wherever they are shown):
- language model (llama.cpp): the GGUF file + the f16 KV cache for the context
  (`kv_bytes_per_token × context`, the catalog's `kv_cache_bytes_per_token` or the GGUF
  header's layers × KV heads × head size) + 300 MiB of llama.cpp compute buffers — the same
  formula as the catalog's `memory.ram_mb` (resources/catalog/README.md). With a GPU, llama.cpp
  offloads every layer, so the same figure is needed in GPU memory; RAM is still counted in
  full because a CPU-only llama.cpp build runs it there.
- diffusion model: the weights in the precision they run in + the activations at the image
  size (`diffusion_activation_bytes`, measured on this machine, see there). On a CPU that is
  float32 (4 bytes a parameter), or bfloat16 on a CPU that computes it natively; on a GPU
  fp16 in GPU memory, with the weights passing through RAM while they load.
- other models (voices, upscalers, MusicGen): the catalog's `ram_mb` / `vram_mb`.

Verdicts — `need` against `room` (RAM available now + what unloading Atelier's other loaded
models gives back; GPU: its free memory):
- "fits": need ≤ 70 % of room. The rest is headroom for what the estimate leaves out (the
  app itself, ~0.3–0.5 GB with torch loaded; allocator slack; prompts and images in flight)
  and for the estimate's error. Checked here: Gemma 3 270M at a 4096 context grew the process
  by 393 MB against 643 MB estimated (the 300 MiB of buffers are sized for 1–8B models, so
  the smallest are over-stated); the image line lies 2–10 % above the measured decodes. The
  catalog's figures for models too big to run here are not checked;
- "tight": up to 95 % — it should load, but other apps may be pushed to swap: close some;
  also a model that would fit but is over the app's own memory budget (Settings › Memory for
  loaded models: other loaded models are unloaded for it);
- "too big": beyond 95 % — within the estimate's error of running out, which on Linux means
  the OOM killer ending the app. A load in this state is refused.
With a GPU the worse of the RAM and GPU verdicts is the verdict.
Sizes are shown in decimal GB (1 GB = 10⁹ bytes), as file sizes are elsewhere in the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.core.errors import UserFacingError
from desktop.core.models.catalog import CatalogEntry, files_for
from desktop.core.models.machine import Gpu, Machine, this_machine

__all__ = ["FITS", "TIGHT", "TOO_BIG", "UNKNOWN", "FitEstimate", "Gpu", "Machine", "ModelTooBigError",
           "diffusion_activation_bytes", "diffusion_weights_fp16", "for_diffusion", "for_entry", "for_language_model",
           "judge", "language_model_bytes", "this_machine"]

FITS, TIGHT, TOO_BIG = "fits", "tight", "too big"
UNKNOWN = "unknown"  # only when a catalog entry lacks the sizes to estimate from
_ORDER = (FITS, TIGHT, TOO_BIG)
FITS_PERCENT = 70
TIGHT_PERCENT = 95

MIB = 1024 * 1024
LLAMA_COMPUTE_BYTES = 300 * MIB
DEFAULT_CONTEXT = 4096
DEFAULT_IMAGE_SIDE = 512

# Activations of one image, float32, measured on this machine (torch 2.13 CPU, 2 threads,
# diffusers 0.42, random weights of the real SD 1.x/2.x architecture) as the peak RSS growth
# of one call in a fresh process. The full VAE decode is the peak: 366 MiB at 256², 1011 at
# 512², 2303 at 768², 3871 at 1024² (SDXL's VAE has the same layout); one step of the
# 865 M-parameter SD 2.1 UNet grew far less (~0.2 GB at 256² and 512², 0.86 GB at 1024²:
# torch's CPU attention does not keep the score matrix). The line below lies above all four points by 2–10 %.
# In bfloat16 the VAE decode at 512² grew 658 MiB, 0.65× the float32 figure (not 0.5×: some
# buffers stay float32), so a 16-bit precision is taken as 0.7× — one point, measured once.
ACTIVATION_BASE_BYTES = 128 * MIB
ACTIVATION_BYTES_PER_PIXEL = 3900          # float32
HALF_PRECISION_ACTIVATIONS = 0.7


class ModelTooBigError(UserFacingError):
    """A load refused because the model would not fit in memory; carries the estimate."""

    def __init__(self, message: str, estimate: "FitEstimate"):
        super().__init__(message)
        self.estimate = estimate


@dataclass(frozen=True)
class FitEstimate:
    ram_bytes: int | None           # None: not known (verdict "unknown")
    vram_bytes: int | None          # None: no GPU, or the model runs on the CPU only
    verdict: str                    # "fits", "tight", "too big" (or "unknown")
    reason: str
    ram_room_bytes: int = 0         # what the RAM need was judged against
    vram_room_bytes: int | None = None

    @property
    def refused(self) -> bool:
        return self.verdict == TOO_BIG

    def text(self) -> str:
        """One line for a badge's tooltip or a CLI column, e.g.
        "needs about 5.1 GB of 15.6 GB free — fits"."""
        if self.verdict == UNKNOWN or self.ram_bytes is None:
            return f"memory needed not known — {self.reason}"
        ram = f"{_gb(self.ram_bytes)} of {_gb(self.ram_room_bytes)} free"
        if self.vram_bytes is not None and self.vram_room_bytes is not None:
            return (f"needs about {_gb(self.vram_bytes)} of {_gb(self.vram_room_bytes)} free GPU memory "
                    f"and {ram} RAM — {self.verdict}")
        return f"needs about {ram} — {self.verdict}"


def judge(ram_bytes: int, vram_bytes: int | None, machine: Machine) -> FitEstimate:
    """The verdict for a need, against `machine` (see the module docstring for the thresholds)."""
    room = machine.room_bytes
    verdict = _level(ram_bytes, room)
    reason = _REASONS[verdict]
    if verdict == FITS and ram_bytes > machine.budget_bytes:
        verdict, reason = TIGHT, (f"more than the memory set aside for loaded models ({_gb(machine.budget_bytes)}, "
                                  "Settings › Memory for loaded models): other models are unloaded first")
    elif verdict == TOO_BIG:
        reason = ("more than this machine has free; closing other apps may free enough"
                  if _level(ram_bytes, machine.total_ram_bytes) != TOO_BIG
                  else f"more than this machine's {_gb(machine.total_ram_bytes)} of RAM")
    vram_room = machine.vram_room_bytes if vram_bytes is not None else None
    if vram_room is not None:
        gpu_verdict = _level(vram_bytes, vram_room)
        if _ORDER.index(gpu_verdict) > _ORDER.index(verdict):
            verdict = gpu_verdict
            reason = ("more than the GPU has free" if gpu_verdict == TOO_BIG
                      else "would use most of the GPU's free memory")
    return FitEstimate(ram_bytes, vram_bytes if vram_room is not None else None, verdict, reason, room, vram_room)


def language_model_bytes(file_bytes: int, kv_bytes_per_token: int, context: int) -> int:
    return file_bytes + max(0, kv_bytes_per_token) * max(0, context) + LLAMA_COMPUTE_BYTES


def for_language_model(file_bytes: int, kv_bytes_per_token: int, context: int,
                       machine: Machine | None = None) -> FitEstimate:
    """A GGUF of `file_bytes` run with `context` tokens of f16 KV cache."""
    machine = machine or this_machine()
    need = language_model_bytes(file_bytes, kv_bytes_per_token, context)
    return judge(need, need if machine.gpu else None, machine)


def diffusion_activation_bytes(width: int, height: int, precision_bytes: int = 4) -> int:
    """Working memory of one image at width × height beyond the weights (the VAE decode's
    peak; see ACTIVATION_* above for what was measured), in a precision of `precision_bytes`
    bytes a number (4: float32; 2: bfloat16 / float16)."""
    pixels = max(1, width) * max(1, height)
    share = 1.0 if precision_bytes >= 4 else HALF_PRECISION_ACTIVATIONS
    return round((ACTIVATION_BASE_BYTES + ACTIVATION_BYTES_PER_PIXEL * pixels) * share)


def for_diffusion(weights_bytes: int, width: int, height: int, precision_bytes: int,
                  machine: Machine | None = None, gpu_weights_bytes: int | None = None) -> FitEstimate:
    """A diffusion model whose weights take `weights_bytes` in the precision it runs in on the
    CPU (`precision_bytes` a number: 4 float32, 2 bfloat16), making a width × height image.
    With a GPU, `gpu_weights_bytes` (the fp16 weights; default: `weights_bytes` rescaled to
    2 bytes a number) plus fp16 activations are needed in GPU memory, and the fp16 weights in
    RAM while they load."""
    machine = machine or this_machine()
    if machine.gpu is not None:
        gpu_weights = gpu_weights_bytes if gpu_weights_bytes is not None else weights_bytes * 2 // precision_bytes
        return judge(gpu_weights, gpu_weights + diffusion_activation_bytes(width, height, 2), machine)
    return judge(weights_bytes + diffusion_activation_bytes(width, height, precision_bytes), None, machine)


def for_entry(entry: CatalogEntry, machine: Machine | None = None, context: int | None = None,
              width: int | None = None, height: int | None = None, quant: str | None = None) -> FitEstimate:
    """A catalog entry on this machine (or `machine`): a language model at `context` tokens
    (default: its recommended context) in `quant` (default: the one it downloads); an image
    model at width × height (default: its recommended size); anything else from the
    catalog's own figures."""
    machine = machine or this_machine()
    if entry.kind == "gguf":
        return _language_entry(entry, machine, context, quant)
    if entry.kind in ("diffusers", "single-file"):
        return _diffusion_entry(entry, machine, width, height)
    ram_mb, vram_mb = entry.memory.ram_mb, entry.memory.vram_mb
    if ram_mb is None:
        return _unknown("the catalog has no memory figure for this model yet")
    return judge(ram_mb * MIB, vram_mb * MIB if vram_mb is not None and machine.gpu else None, machine)


def _language_entry(entry: CatalogEntry, machine: Machine, context: int | None, quant: str | None) -> FitEstimate:
    recommended = _positive(entry.recommended.get("context_length")) or DEFAULT_CONTEXT
    context = context or recommended
    kv = entry.memory.kv_cache_bytes_per_token
    sizes = [item.approx_bytes for item in files_for(entry, quant)]
    if None not in sizes and kv is not None:
        return for_language_model(sum(sizes), kv, context, machine)
    ram_mb = entry.memory.ram_mb
    asked_default = quant is None or quant.lower() == (entry.default_quant or "").lower()
    if ram_mb is not None and asked_default and (kv is not None or context == recommended):
        # The catalog's figure is for the default quantization at the recommended context:
        # take the file back out of it and put in the KV cache for this context.
        file_bytes = ram_mb * MIB - (kv or 0) * recommended - LLAMA_COMPUTE_BYTES
        return for_language_model(max(0, file_bytes), kv or 0, context if kv else recommended, machine)
    return _unknown("the catalog does not know this file's size yet")


def _diffusion_entry(entry: CatalogEntry, machine: Machine, width: int | None, height: int | None) -> FitEstimate:
    """The catalog's figures hold at its recommended size: RAM = float32 weights + float32
    activations there, VRAM = fp16 weights + fp16 activations. The weights are taken back out
    of them with this module's activation formula, and the activations at the asked size
    put in."""
    ram_mb, vram_mb = entry.memory.ram_mb, entry.memory.vram_mb
    if ram_mb is None:
        return _unknown("the catalog has no memory figure for this model yet")
    rec_w = _positive(entry.recommended.get("width")) or DEFAULT_IMAGE_SIDE
    rec_h = _positive(entry.recommended.get("height")) or rec_w
    width, height = width or rec_w, height or rec_h
    fp32_weights = max(0, ram_mb * MIB - diffusion_activation_bytes(rec_w, rec_h, 4))
    precision_bytes = 2 if machine.native_bf16 else 4
    gpu_weights = diffusion_weights_fp16(entry) if vram_mb else None
    return for_diffusion(fp32_weights * precision_bytes // 4, width, height, precision_bytes, machine, gpu_weights)


def diffusion_weights_fp16(entry: CatalogEntry) -> int | None:
    """An image entry's weights in fp16, taken back out of the catalog's GPU figure (fp16
    weights + fp16 activations at the recommended size), else its CPU figure (float32), or None."""
    rec_w = _positive(entry.recommended.get("width")) or DEFAULT_IMAGE_SIDE
    rec_h = _positive(entry.recommended.get("height")) or rec_w
    if entry.memory.vram_mb:
        return max(0, entry.memory.vram_mb * MIB - diffusion_activation_bytes(rec_w, rec_h, 2))
    if entry.memory.ram_mb:
        return max(0, entry.memory.ram_mb * MIB - diffusion_activation_bytes(rec_w, rec_h, 4)) // 2
    return None


def _unknown(reason: str) -> FitEstimate:
    return FitEstimate(None, None, UNKNOWN, reason)


def _level(need: int, room: int) -> str:
    """Whole-number percentages: a need of exactly 70 % of the room still fits."""
    if need * 100 <= FITS_PERCENT * room:
        return FITS
    return TIGHT if need * 100 <= TIGHT_PERCENT * room else TOO_BIG


_REASONS = {
    FITS: "leaves room for the system and other apps",
    TIGHT: "would use most of the free memory: close other apps first",
    TOO_BIG: "more than this machine has free",
}


def _positive(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _gb(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e9:.2f} GB"
