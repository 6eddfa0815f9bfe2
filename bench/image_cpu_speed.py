"""A one-step 512² image on the CPU: the plain diffusers fp32 call (full VAE) against
Atelier's fastest path through its own engine, interleaved in one run, for the real SD-Turbo,
SDXL-Turbo and SD 1.5 + LCM (4 steps) architectures with random weights (timing does not
depend on weight values; bench/sd_architectures.py builds and caches them). Then each
component (text encoder, UNet step, full VAE and TAESD decode) in torch fp32 and bf16 and in
the optional runtime, and the UNet's FLOP/s against this machine's matmul peak in the same dtype.

    python bench/image_cpu_speed.py [--only sd-turbo|sdxl-turbo|sd15-lcm] [--repeats 2]
                                    [--threads N] [--cache DIR] [--levers]

`--levers`: torch-only measurements of the SD-Turbo UNet (threads, channels_last, attention
implementation, bf16 autocast vs bf16 weights, torch.compile).
Targets: fastest/plain <= 0.2 (goal 0.1); UNet FLOP/s / matmul peak >= 0.5.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import gc
import inspect
import os
import statistics
import time
import warnings
from pathlib import Path

from common import verdict  # also puts the repository on sys.path
import sd_architectures as arch_lib

PROMPT = "a lighthouse on a cliff at sunset, oil painting"
SIDE = 512
# What Atelier's fastest path is asked for, by option name; each is passed where the engine or
# the request has a parameter of that name (the options are being added as this is written).
FASTEST = {"precision": "auto", "decoder": "tiny", "runtime": "auto"}


def interleave(variants: dict, rounds: int) -> dict[str, list[float]]:
    """Seconds of each variant's `run`, round-robin (A B A B …) after one warm-up round;
    `setup` (untimed) runs before each call. variants: name -> (setup or None, run(round))."""
    times = {name: [] for name in variants}
    for round_ in range(rounds + 1):
        for name, (setup, run) in variants.items():
            if setup:
                setup()
            started = time.perf_counter()
            run(round_)
            if round_:
                times[name].append(time.perf_counter() - started)
    return times


def summary(seconds: list[float]) -> str:
    return f"best {min(seconds):.3f} s, median {statistics.median(seconds):.3f} s"


class MatmulPeak:
    """This machine's matrix-multiply peak per dtype: the best FLOP/s of a side² torch.matmul
    seen in the run. Sampled between the UNet calls too, so a peak and the step it is
    compared with share the machine's load (other work on a shared machine moves both)."""

    def __init__(self, side: int = 4096):
        import torch

        self.side, self.best = side, {}
        self.operands = {name: (torch.randn(side, side, dtype=dtype), torch.randn(side, side, dtype=dtype))
                         for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16))}

    def sample(self, name: str, tries: int = 1) -> None:
        import torch

        a, b = self.operands[name]
        for _ in range(tries):
            started = time.perf_counter()
            torch.matmul(a, b)
            self.best[name] = max(self.best.get(name, 0.0), 2 * self.side**3 / (time.perf_counter() - started))

    def variants(self) -> dict:
        """Entries for interleave(): one matmul per dtype per round."""
        return {f"matmul {name}": (None, lambda _r, n=name: self.sample(n)) for name in self.operands}

    def ratio(self, flops: int, seconds: float, name: str) -> str:
        achieved = flops / seconds
        share = achieved / self.best[name]
        return (f"{achieved / 1e9:.0f} GFLOP/s = {share:.2f} of the {name} matmul peak "
                f"{self.best[name] / 1e9:.0f} GFLOP/s (target >= 0.5) {verdict(share >= 0.5)}")


def quiet_libraries() -> None:
    """No progress bars or advice from diffusers/transformers between the figures."""
    from diffusers.utils import logging as diffusers_logging
    from torch.jit import TracerWarning
    from transformers.utils import logging as transformers_logging

    for module in (diffusers_logging, transformers_logging):
        module.set_verbosity_error()
        module.disable_progress_bar()
    warnings.filterwarnings("ignore", message="invalid value encountered")  # random weights' NaN pixels
    warnings.filterwarnings("ignore", category=UserWarning)
    warnings.filterwarnings("ignore", category=TracerWarning)  # while a runtime converts a module


# --- end to end -----------------------------------------------------------------------------

def plain_pipeline(folder: Path):
    import torch
    from diffusers import AutoPipelineForText2Image

    pipe = AutoPipelineForText2Image.from_pretrained(folder, dtype=torch.float32, use_safetensors=True)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def plain_call(pipe, arch, seed: int) -> None:
    import torch

    pipe(PROMPT, num_inference_steps=arch.steps, guidance_scale=arch.guidance, width=SIDE, height=SIDE,
         generator=torch.Generator("cpu").manual_seed(seed))


def fastest_engine(folder: Path, cache: Path, threads: int):
    """Atelier's engine built as an image job builds it for a few-step catalog model (the
    runtime resolved first), with FASTEST's options where the engine or the request takes them.
    Returns (engine, request options, {option: where it went})."""
    from desktop.core.image.diffusion_engine import DiffusionEngine
    from desktop.core.image.image_request import ImageRequest

    engine_params = inspect.signature(DiffusionEngine.__init__).parameters
    request_fields = {f.name for f in dataclasses.fields(ImageRequest)}
    engine_kw = {k: v for k, v in FASTEST.items() if k in engine_params}
    request_kw = {k: v for k, v in FASTEST.items() if k in request_fields}
    used = {k: " and ".join(w for w, kw in (("engine", engine_kw), ("request", request_kw)) if k in kw)
            or "not available" for k in FASTEST}
    if "few_step" in engine_params:
        engine_kw["few_step"] = True  # the catalog marks Turbo and LCM models as few-step
    if "runtime" in engine_kw:
        from desktop.core.image import runtime_choice  # the engine takes a resolved runtime

        engine_kw["runtime"], note = runtime_choice.resolve(FASTEST["runtime"], "cpu", True)
        room, disk = arch_lib.fits_on_disk(cache, arch_lib.disk_gb(folder) * 1e9 * 2)  # IR + compiled, bf16
        if engine_kw["runtime"] != "torch" and not room:
            engine_kw["runtime"], note = "torch", f"not converted: {disk}"
        used["runtime"] += f", resolved to {engine_kw['runtime']}" + (f" ({note})" if note else "")
    if "runtime_cache" in engine_params:
        engine_kw["runtime_cache"] = cache / "runtime"
    engine = DiffusionEngine(folder, n_threads=threads, preview_folders=[cache], **engine_kw)
    return engine, request_kw, used


def fastest_call(engine, request_kw: dict, arch, seed: int, prompt: str = PROMPT):
    import threading

    from desktop.core.image.image_request import ImageRequest

    request = ImageRequest(prompt=prompt, steps=arch.steps, guidance=arch.guidance, width=SIDE, height=SIDE,
                           seed=seed, previews=False, **request_kw)
    return engine.generate(request, lambda _progress: None, threading.Event(), seed=seed)


def what_engine_used(engine, result) -> str:
    """What the engine says it ran with: its precision and runtime, and the result's own fields."""
    said = {k: getattr(engine, k) for k in ("precision", "runtime") if hasattr(engine, k)}
    said |= {k: v for k, v in vars(result).items() if k not in ("image", "seed", "seconds")}
    return ", ".join(f"{k}={v}" for k, v in said.items())


def end_to_end(arch, folder: Path, cache: Path, args) -> dict:
    import torch

    from desktop.core import precision as precisions

    print(f"\n== {arch.name}: {SIDE}², {arch.steps} step(s), guidance {arch.guidance}, {args.threads} threads ==")
    engine_bytes = 2 if precisions.resolve("auto", "cpu") == "bf16" else 4
    parameters = arch_lib.disk_gb(folder) * 1e9 / 2  # the folder holds fp16 weights
    together, memory = arch_lib.fits_in_memory(parameters * (4 + engine_bytes) * 1.25)  # + activations
    started = time.perf_counter()
    pipe = plain_pipeline(folder)
    print(f"plain diffusers fp32 pipeline loaded in {time.perf_counter() - started:.1f} s")
    first = time.perf_counter()
    plain_call(pipe, arch, 0)
    first = time.perf_counter() - first
    if not together:  # both would not fit: plain first, then the engine (not interleaved)
        print(f"not interleaved (plain, then Atelier): {memory} for both")
        plain = interleave({"plain": (None, lambda r: plain_call(pipe, arch, 100 + r))}, args.repeats)["plain"]
        pipe = None
        gc.collect()
    started = time.perf_counter()
    engine, request_kw, used = fastest_engine(folder, cache, args.threads)
    loaded = time.perf_counter() - started
    torch.set_num_threads(args.threads)  # the engine sets its own; both run on the same count
    result = fastest_call(engine, request_kw, arch, 0)
    print(f"first calls (untimed): plain {first:.2f} s; Atelier {result.seconds:.2f} s after a {loaded:.1f} s load")
    print("Atelier options: " + "; ".join(f"{k}={FASTEST[k]} ({where})" for k, where in used.items()))
    print(f"Atelier ran with: {what_engine_used(engine, result)}")
    # The engine keeps the embeddings of recent prompts: a repeated prompt skips the text
    # encoder, a new one (each round's own words) does not; plain diffusers encodes every call.
    fast_runs = {"fastest, same prompt": (None, lambda r: fastest_call(engine, request_kw, arch, 100 + r)),
                 "fastest, new prompt": (None, lambda r: fastest_call(engine, request_kw, arch, 100 + r,
                                                                       f"{PROMPT}, variation {time.time()}"))}
    if together:
        times = interleave({"plain": (None, lambda r: plain_call(pipe, arch, 100 + r))} | fast_runs, args.repeats)
        plain = times.pop("plain")
    else:
        times = interleave(fast_runs, args.repeats)
    print(f"plain diffusers fp32, full VAE: {summary(plain)}")
    for name, fast in times.items():
        ratio, median_ratio = min(fast) / min(plain), statistics.median(fast) / statistics.median(plain)
        print(f"Atelier {name:20s} {summary(fast)}: / plain {ratio:.3f} best, {median_ratio:.3f} median "
              f"(target <= 0.2, goal 0.1) {verdict(ratio <= 0.2)}")
    fast_parts = engine_components(engine, result, args.repeats)
    engine.close()
    gc.collect()
    return {"ratio": ratio, "pipe": pipe, "fast_parts": fast_parts}  # the new-prompt ratio


def engine_components(engine, result, repeats: int) -> dict[str, float]:
    """The fastest path's own parts, as its engine holds them (whatever runtime and dtype they
    ended up in): best seconds per part."""
    import torch

    pipe, dtype = engine.base, engine.dtype
    tiny = getattr(result, "decoder", "full") == "tiny" and getattr(engine, "preview_decoder", None)
    decoder = engine.preview_decoder.vae if tiny else pipe.vae
    latents = torch.randn(1, 4, SIDE // 8, SIDE // 8, dtype=dtype)
    parts = {name: (None, lambda _r, f=run: f()) for name, (_m, run) in arch_lib.component_calls(pipe, None, dtype, PROMPT, SIDE).items()
             if name in ("text encoder", "UNet step")}
    parts["TAESD decode" if tiny else "full VAE decode"] = (None, lambda _r: decoder.decode(latents))
    try:
        with torch.inference_mode():
            times = interleave(parts, repeats)
    except Exception as exc:  # noqa: BLE001 - a runtime's wrapper may take other inputs
        print(f"(the fastest path's parts could not be called on their own: {exc})")
        return {}
    kinds = {name: type(decoder if "decode" in name else pipe.unet if "UNet" in name else pipe.text_encoder).__name__
             for name in times}
    print(f"fastest path's parts ({engine.precision}): " + "; ".join(
        f"{name} [{kinds[name]}] {summary(t)}" for name, t in times.items()))
    return {name: min(t) for name, t in times.items()} | {"dtype": engine.precision}


# --- components -----------------------------------------------------------------------------

def components(pipe, tiny, peak: MatmulPeak, args) -> dict[str, dict[str, float]]:
    """Best seconds per component and dtype, fp32 and bf16 interleaved (the modules are
    converted in place between calls, so no second copy is held); the matmul peak is sampled
    between the UNet steps."""
    import torch

    best = {}
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16}
    runs = {name: arch_lib.component_calls(pipe, tiny, dtype, PROMPT, SIDE) for name, dtype in dtypes.items()}
    with torch.inference_mode():
        for component in runs["fp32"]:
            variants = {}
            for name, dtype in dtypes.items():
                modules, run = runs[name][component]
                variants[name] = (lambda m=modules, d=dtype: [x.to(d) for x in m], lambda _r, f=run: f())
            times = interleave(variants | (peak.variants() if component == "UNet step" else {}), args.repeats)
            times = {name: t for name, t in times.items() if name in dtypes}
            best[component] = {name: min(t) for name, t in times.items()}
            print(f"{component:16s} " + "   ".join(f"{name} {summary(t)}" for name, t in times.items()))
    for module in (pipe.text_encoder, getattr(pipe, "text_encoder_2", None), pipe.unet, pipe.vae, tiny):
        if module is not None:
            module.to(torch.float32)
    return best


def runtime_components(pipe, tiny, peak: MatmulPeak, cache: Path, args) -> None:
    """The optional runtime's UNet and decoders in fp32 and bf16, through fast_runtime's
    contract on copies: `accelerate` on the pipeline (UNet and full VAE), `accelerate_decoder`
    on TAESD."""
    try:
        from desktop.core.image import fast_runtime
    except ImportError:
        print("runtime: desktop.core.image.fast_runtime does not exist yet; skipped")
        return
    flops = arch_lib.unet_flops(pipe.unet.config, SIDE)
    unet_bytes = arch_lib.parameter_count(pipe.unet) * 4
    room, memory = arch_lib.fits_in_memory(unet_bytes * 3)  # a conversion's peak
    if room:  # two precisions, each an IR and a compiled blob
        room, memory = arch_lib.fits_on_disk(cache, unet_bytes * 4)
    for runtime in [r for r in fast_runtime.RUNTIMES if r != "torch"]:
        if not room:
            print(f"runtime {runtime}: not converted from fp32 here ({memory}); see the fastest path's parts")
            continue
        why_not = fast_runtime.available(runtime)
        if why_not is not None:
            print(f"runtime {runtime}: not available ({why_not})")
            continue
        for dtype_name in ("fp32", "bf16"):
            _one_runtime(pipe, tiny, fast_runtime, runtime, dtype_name, cache / "runtime", peak, flops, args)


def _one_runtime(pipe, tiny, fast_runtime, runtime, dtype_name, cache, peak, flops, args) -> None:
    import torch

    copied = type(pipe)(**{**pipe.components, "vae": copy.deepcopy(pipe.vae)})
    started = time.perf_counter()
    in_use = fast_runtime.accelerate(copied, runtime, cache, dtype_name)
    tiny_copy = copy.deepcopy(tiny)
    tiny_in_use = getattr(fast_runtime, "accelerate_decoder", lambda *_: "torch")(tiny_copy, runtime, cache, dtype_name)
    label = f"{runtime} {dtype_name} (ready in {time.perf_counter() - started:.1f} s; UNet+VAE in {in_use}, " \
            f"TAESD in {tiny_in_use})"
    if in_use == "torch":
        print(f"runtime {label}: fell back to torch")
        return
    unet_in = arch_lib.unet_inputs(pipe.unet.config, torch.float32)
    latents = torch.randn(1, 4, SIDE // 8, SIDE // 8)
    parts = {"UNet step": (None, lambda _r: copied.unet(**unet_in)),
             "full VAE decode": (None, lambda _r: copied.vae.decode(latents)),
             "TAESD decode": (None, lambda _r: tiny_copy.decode(latents))}
    try:
        with torch.inference_mode():
            times = interleave(parts | peak.variants(), args.repeats)
    except Exception as exc:  # noqa: BLE001 - measure what can be measured, say what could not
        print(f"runtime {label}: the swapped modules could not be called on their own: {exc}")
        return
    print(f"runtime {label}:")
    for name in parts:
        print(f"  {name:16s} {summary(times[name])}")
    print(f"  UNet {peak.ratio(flops, min(times['UNet step']), dtype_name)}")


def flop_report(arch_name: str, flops: int, best: dict, peak: MatmulPeak, fast_parts: dict) -> None:
    print(f"{arch_name} UNet: {flops / 1e9:.0f} GFLOP per step at {SIDE}² (counted on the meta device)")
    for name in ("fp32", "bf16"):
        print(f"  torch {name}: {peak.ratio(flops, best['UNet step'][name], name)}")
    if "UNet step" in fast_parts:
        dtype = fast_parts["dtype"] if fast_parts["dtype"] in peak.best else "fp32"
        print(f"  fastest path's UNet ({fast_parts['dtype']}): {peak.ratio(flops, fast_parts['UNet step'], dtype)}")


def run_architecture(name: str, args, peak: MatmulPeak) -> float:
    import torch
    from diffusers import AutoencoderTiny

    arch = arch_lib.ARCHITECTURES[name]
    folder = arch_lib.ensure_saved(name, args.cache)
    print(f"\n{name}: {folder} ({arch_lib.disk_gb(folder):.2f} GB on disk, fp16)")
    outcome = end_to_end(arch, folder, args.cache, args)
    pipe = outcome["pipe"] or plain_pipeline(folder)
    tiny = AutoencoderTiny.from_pretrained(args.cache / ("taesdxl" if arch.sdxl else "taesd")).eval()
    sizes = {k: arch_lib.parameter_count(v) / 1e6 for k, v in pipe.components.items() if hasattr(v, "parameters")}
    print("parameters (M): " + ", ".join(f"{k} {v:.0f}" for k, v in sizes.items())
          + f", TAESD {arch_lib.parameter_count(tiny) / 1e6:.1f}")
    print(f"-- components in torch, {args.repeats} interleaved rounds after a warm-up --")
    best = components(pipe, tiny, peak, args)
    runtime_components(pipe, tiny, peak, args.cache, args)
    flop_report(name, arch_lib.unet_flops(pipe.unet.config, SIDE), best, peak, outcome["fast_parts"])
    del pipe, tiny
    gc.collect()
    torch.set_num_threads(args.threads)
    return outcome["ratio"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=list(arch_lib.ARCHITECTURES))
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="default: physical cores")
    parser.add_argument("--cache", type=Path, default=arch_lib.DEFAULT_CACHE)
    parser.add_argument("--levers", action="store_true", help="torch-only lever measurements on SD-Turbo's UNet")
    args = parser.parse_args()

    import torch

    from desktop.core import hardware

    quiet_libraries()
    args.threads = args.threads or hardware.physical_cores()
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    peak = MatmulPeak()
    for name in peak.operands:
        peak.sample(name, tries=3)
    print(f"torch {torch.__version__}, {args.threads} threads, native bf16: {hardware.cpu_has_native_bf16()}; "
          f"load average {load_average()}; matmul 4096² at the start: "
          + ", ".join(f"{name} {flops / 1e9:.0f} GFLOP/s" for name, flops in peak.best.items()))
    if args.levers:
        from image_cpu_levers import levers

        levers(args, peak)
        return
    ratios = {name: run_architecture(name, args, peak) for name in arch_lib.ARCHITECTURES
              if args.only in (None, name)}
    print("\n== summary: fastest (new prompt) / plain, best of each (target <= 0.2, goal 0.1) ==")
    for name, ratio in ratios.items():
        print(f"{name:11s} {ratio:.3f} {verdict(ratio <= 0.2)}")
    print(f"whole run {time.perf_counter() - started:.0f} s, load average at the end {load_average()}; "
          f"models cached in {args.cache} ({arch_lib.disk_gb(args.cache):.1f} GB)")


def load_average() -> str:
    """Other work on the machine (figures from a loaded machine wander; ratios less so)."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
