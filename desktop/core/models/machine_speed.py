"""A one-time measurement of this machine's throughput, and the rough time estimates made
from it ("about 25 tokens/s", "about 9 s an image"), always labelled as estimates.

The measurement (< 2 s, numpy only — no torch, no llama.cpp — on a background thread):
- `gflops`: float32 matrix products (1024 × 1024) through numpy's BLAS, best of repeated runs;
- `bandwidth_gb_s`: a 128 MB array copied by one thread per physical core, bytes read +
  written per second, best of repeated runs (numpy releases the GIL for the copy).
Kept in `machine_speed.json` in the cache folder, and measured again when the machine's
signature (architecture, physical cores, RAM) changes or the format does.

Estimates (CPU only: a GPU's speed is not measured, so none is given for a GPU machine):
- tokens/s ≈ LLM_EFFICIENCY × bandwidth / file bytes. Decoding a token reads every weight
  once, so llama.cpp's decode is bound by memory bandwidth; the efficiency folds in what the
  copy benchmark does not see (cache reuse, compute for the smallest models).
- seconds per image ≈ steps × UNet step + decode, each a fixed amount of work divided by
  `gflops`: a step is STEP_GFLOP × (fp16 weight bytes / SD 2.1's 2.6 GB) × (pixels / 512²),
  halved in bfloat16 on a CPU that computes it natively; a decode is VAE_GFLOP × (pixels /
  512²) for the full VAE, TAESD_GFLOP × (pixels / 512²) for a model whose own VAE is a tiny
  one (SDXS). TAESD used for previews does not change the final decode.

Calibration (the development machine: 2 cores, no GPU; CALIBRATION below has its own
measurement): Gemma 3 270M Q4_K_M (253 MB) decodes at 52–60 tokens/s on 2 threads; the SD 2.1
/ SD-Turbo UNet takes 3.8 s a step at 512² in float32 (1.9 s in bfloat16), the full VAE
decode 9.1 s and TAESD 0.73 s (/work/shared/STACK_NOTES.md).
Only the calibration machine was measured: elsewhere the estimate is this machine's figures
scaled by the other machine's own benchmark, and can be off by 2× (another BLAS, cache
sizes, memory channels, a GPU llama.cpp uses). Attention grows faster than the pixels, so
images well above 512² take longer than the linear scaling says.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from desktop import paths
from desktop.core import hardware
from desktop.core.models import fit
from desktop.core.models.catalog import CatalogEntry, files_for
from desktop.core.models.machine import Machine

log = logging.getLogger(__name__)

FORMAT = 1
CACHE_NAME = "machine_speed.json"
MATMUL_SIDE = 1024
COPY_BYTES = 128 * 1024 * 1024
PHASE_SECONDS = 0.3

# The calibration machine (2 cores, AVX-512, no GPU), by `measure()` at its best (it is shared;
# under load every figure here drops several-fold, so the best of repeated runs is taken):
# numpy 350 GFLOP/s (torch's own fp32 matmul: 380) and 26 GB/s. With the engine timings in
# the module docstring (measured on the same kind of machine when idle):
CALIBRATION = {"gflops": 350.0, "bandwidth_gb_s": 26.0}
# Gemma 3 270M: 56 tokens/s × 253 MB = 14.2 GB/s read, 0.55 of the copy benchmark. The
# smallest models waste the most per token (sampling, the Python loop), so larger ones may
# run somewhat faster than this predicts: the estimate errs on the slow side.
LLM_EFFICIENCY = 0.55
# GFLOP-equivalents of numpy matmul for one SD 2.1 UNet step at 512² in float32 (3.8 s), a
# full SD VAE decode at 512² (9.1 s) and a TAESD decode (0.73 s), at 350 GFLOP/s.
STEP_GFLOP = 3.8 * 350.0
VAE_GFLOP = 9.1 * 350.0
TAESD_GFLOP = 0.73 * 350.0
SD21_FP16_BYTES = 2.6e9
TINY_DECODER_BYTES = 50 * 10**6
REFERENCE_PIXELS = 512 * 512


@dataclass(frozen=True)
class MachineSpeed:
    gflops: float           # float32 matrix multiply, numpy BLAS
    bandwidth_gb_s: float   # memory copy, one thread per physical core
    seconds: float = 0.0    # how long the measurement took
    signature: str = ""     # the machine it was measured on


def signature() -> str:
    return f"{platform.machine()}/{hardware.physical_cores()}c/{hardware.total_ram_bytes() // 2**30}G"


def cache_path() -> Path:
    return paths.cache_dir() / CACHE_NAME


def measure(phase_seconds: float = PHASE_SECONDS) -> MachineSpeed:
    """Measure now (blocking, about 2 × phase_seconds plus allocation). Call off the GUI thread."""
    import numpy as np

    started = time.perf_counter()
    rng = np.random.default_rng(0)
    a = rng.random((MATMUL_SIDE, MATMUL_SIDE), dtype=np.float32)
    b = rng.random((MATMUL_SIDE, MATMUL_SIDE), dtype=np.float32)
    flops = 2 * MATMUL_SIDE**3
    best = _best_time(lambda: a @ b, phase_seconds)
    gflops = flops / best / 1e9

    source = np.ones(COPY_BYTES // 4, dtype=np.float32)
    target = np.empty_like(source)
    chunks = _chunks(len(source), hardware.physical_cores())
    best = _best_time(lambda: _parallel_copy(np, source, target, chunks), phase_seconds)
    bandwidth = 2 * COPY_BYTES / best / 1e9
    return MachineSpeed(round(gflops, 1), round(bandwidth, 2), round(time.perf_counter() - started, 3), signature())


def cached(path: Path | None = None) -> MachineSpeed | None:
    """The stored measurement of this machine, or None (none yet, another machine's, damaged)."""
    path = path or cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("signature") != signature():
            return None
        speed = MachineSpeed(float(data["gflops"]), float(data["bandwidth_gb_s"]),
                             float(data.get("seconds", 0.0)), data["signature"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return speed if speed.gflops > 0 and speed.bandwidth_gb_s > 0 else None


def save(speed: MachineSpeed, path: Path | None = None) -> None:
    path = path or cache_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"format": FORMAT, **asdict(speed)}, indent=1), encoding="utf-8")
    os.replace(temporary, path)


_measuring = threading.Lock()


def measured(path: Path | None = None) -> MachineSpeed:
    """The stored measurement, or a new one (blocking, < 2 s) that is then stored. Callers on
    several threads at once (every studio's card at a first start) share one measurement:
    measurements running side by side would also disturb each other."""
    with _measuring:
        speed = cached(path)
        if speed is None:
            speed = measure()
            try:
                save(speed, path)
            except OSError as exc:  # a read-only cache folder: measure again next time
                log.warning("Could not keep the machine speed measurement: %s", exc)
        return speed


def measure_in_background(on_done: Callable[[MachineSpeed], None] | None = None,
                          path: Path | None = None) -> threading.Thread:
    """`measured()` on a daemon thread; `on_done(speed)` is called on that thread."""
    def run():
        speed = measured(path)
        if on_done is not None:
            on_done(speed)

    thread = threading.Thread(target=run, name="machine-speed", daemon=True)
    thread.start()
    return thread


def estimate_tokens_per_s(file_bytes: int, speed: MachineSpeed) -> float:
    """Decode speed of a GGUF of `file_bytes` on this CPU: an estimate (see the module docstring)."""
    return LLM_EFFICIENCY * speed.bandwidth_gb_s * 1e9 / max(file_bytes, 1)


def estimate_seconds_per_image(weights_fp16_bytes: int, width: int, height: int, steps: int,
                               speed: MachineSpeed, *, native_bf16: bool = False,
                               tiny_decoder: bool = False) -> float:
    """Seconds for one image on this CPU (UNet steps + the final decode): an estimate.
    `weights_fp16_bytes` is the model's size in fp16, which stands for its amount of work;
    `tiny_decoder`: the model's own VAE is a tiny one."""
    scale = width * height / REFERENCE_PIXELS
    step = STEP_GFLOP * (weights_fp16_bytes / SD21_FP16_BYTES) * scale / speed.gflops
    if native_bf16:
        step /= 2
    decode = (TAESD_GFLOP if tiny_decoder else VAE_GFLOP) * scale / speed.gflops
    return max(1, steps) * step + decode


def estimate_for_entry(entry: CatalogEntry, speed: MachineSpeed, machine: Machine) -> str | None:
    """The labelled time estimate for a catalog entry on this machine, or None: for a GPU
    machine (its speed is not measured), a model that is neither a GGUF nor a diffusion
    model, or one whose size the catalog does not know. Language models at their default
    quantization; images at the recommended size and steps."""
    if machine.gpu is not None:
        return None
    if entry.kind == "gguf":
        sizes = [item.approx_bytes for item in files_for(entry)]
        return None if None in sizes else describe_tokens_per_s(estimate_tokens_per_s(sum(sizes), speed))
    if entry.kind in ("diffusers", "single-file"):
        weights = fit.diffusion_weights_fp16(entry)
        if weights is None:
            return None
        values = entry.recommended
        seconds = estimate_seconds_per_image(
            weights, _count(values.get("width"), 512), _count(values.get("height"), 512), _count(values.get("steps"), 20),
            speed, native_bf16=machine.native_bf16, tiny_decoder=_tiny_decoder(entry))
        return describe_seconds_per_image(seconds)
    return None


def describe_tokens_per_s(tokens_per_s: float) -> str:
    return f"about {_round(tokens_per_s)} tokens/s on this machine (estimate)"


def describe_seconds_per_image(seconds: float) -> str:
    return f"about {_round(seconds)} s an image on this machine (estimate)"


def _tiny_decoder(entry: CatalogEntry) -> bool:
    """The model's own VAE is a tiny one (SDXS ships a ~10 MB decoder; the full SD VAE is
    ~160 MB in fp16). TAESD, when recommended, only draws the step previews: the final image
    is decoded by the model's VAE."""
    vae_sizes = [f.approx_bytes for f in entry.source.files if f.path.startswith("vae/")]
    return any(size is not None and size < TINY_DECODER_BYTES for size in vae_sizes)


def _count(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def _round(value: float) -> str:
    """Two significant figures at most: the estimate is not better than that."""
    if value >= 10:
        return f"{float(f'{value:.2g}'):.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def _best_time(work: Callable[[], object], phase_seconds: float) -> float:
    work()  # warm: page faults, BLAS thread start
    best, deadline = float("inf"), time.perf_counter() + phase_seconds
    while True:
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
        if time.perf_counter() >= deadline:
            return best


def _chunks(length: int, parts: int) -> list[slice]:
    step = -(-length // max(1, parts))
    return [slice(start, min(start + step, length)) for start in range(0, length, step)]


def _parallel_copy(np, source, target, chunks: list[slice]) -> None:
    if len(chunks) == 1:
        np.copyto(target, source)
        return
    threads = [threading.Thread(target=np.copyto, args=(target[c], source[c])) for c in chunks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
