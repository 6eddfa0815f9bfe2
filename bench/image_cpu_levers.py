"""Levers for a one-step 512² image on the CPU, measured in torch alone on SD-Turbo's UNet
(and its decoders): thread count, channels_last, the attention implementation, bf16
autocast against bf16 weights, and torch.compile (and whether it works without a C++
compiler, as on most users' machines). Run through `bench/image_cpu_speed.py --levers`,
which measures the matmul peaks first."""

from __future__ import annotations

import time
from pathlib import Path

import sd_architectures as arch_lib
from image_cpu_speed import SIDE, interleave, summary


def levers(args, peak) -> None:
    """SD-Turbo's UNet step under each lever, interleaved; the module is put in each variant's
    state (untimed) before its call. Then the decoders in channels_last, and torch.compile."""
    import torch
    from diffusers import UNet2DConditionModel
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0

    folder = arch_lib.ensure_saved("sd-turbo", args.cache)
    unet = UNet2DConditionModel.from_pretrained(folder / "unet", dtype=torch.float32).eval()
    flops = arch_lib.unet_flops(unet.config, SIDE)
    inputs = {name: arch_lib.unet_inputs(unet.config, dtype) for name, dtype in
              (("fp32", torch.float32), ("bf16", torch.bfloat16))}

    def state(dtype, threads=args.threads, layout=torch.contiguous_format, attention=AttnProcessor2_0):
        def setup():
            torch.set_num_threads(threads)
            unet.to(dtype=dtype, memory_format=layout)
            unet.set_attn_processor(attention())
        return setup

    def call(name, layout=torch.contiguous_format, autocast=False):
        given = dict(inputs[name], sample=inputs[name]["sample"].contiguous(memory_format=layout))
        return lambda _r: _unet_call(unet, given, autocast)

    cl = torch.channels_last
    variants = {
        "fp32 (SDPA)": (state(torch.float32), call("fp32")),
        "fp32 channels_last": (state(torch.float32, layout=cl), call("fp32", cl)),
        "fp32 weights, bf16 autocast": (state(torch.float32), call("fp32", autocast=True)),
        "bf16 weights (SDPA)": (state(torch.bfloat16), call("bf16")),
        "bf16 channels_last": (state(torch.bfloat16, layout=cl), call("bf16", cl)),
        "bf16 classic attention": (state(torch.bfloat16, attention=AttnProcessor), call("bf16")),
        "bf16 1 thread": (state(torch.bfloat16, threads=1), call("bf16")),
    }
    print(f"-- levers: SD-Turbo UNet step at {SIDE}², {args.repeats} interleaved rounds after a warm-up --")
    with torch.inference_mode():
        for name, times in interleave(variants | peak.variants(), args.repeats).items():
            if not name.startswith("matmul"):  # autocast computes in bf16
                dtype = "fp32" if name.startswith("fp32") and "autocast" not in name else "bf16"
                print(f"{name:28s} {summary(times)}  {peak.ratio(flops, min(times), dtype)}")
        torch.set_num_threads(args.threads)
        _decoder_layouts(folder, args)
    unet.to(dtype=torch.bfloat16, memory_format=torch.contiguous_format)
    _compile_lever(unet, inputs["bf16"], flops, peak, args)


def _unet_call(unet, given: dict, autocast: bool):
    import torch

    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        return unet(**given)


def _decoder_layouts(folder: Path, args) -> None:
    """The decoders are convolutions at full resolution: does channels_last help them?"""
    import torch
    from diffusers import AutoencoderKL, AutoencoderTiny

    decoders = {"full VAE": AutoencoderKL.from_pretrained(folder / "vae").eval(),
                "TAESD": AutoencoderTiny.from_pretrained(args.cache / "taesd").eval()}
    for name, module in decoders.items():
        variants = {}
        for dtype in (torch.float32, torch.bfloat16):
            for layout in (torch.contiguous_format, torch.channels_last):
                latents = torch.randn(1, 4, SIDE // 8, SIDE // 8, dtype=dtype).contiguous(memory_format=layout)
                label = f"{str(dtype).removeprefix('torch.')} {'channels_last' if layout is torch.channels_last else 'contiguous'}"
                variants[label] = (lambda d=dtype, f=layout, m=module: m.to(dtype=d, memory_format=f),
                                   lambda _r, m=module, x=latents: m.decode(x))
        for label, times in interleave(variants, args.repeats).items():
            print(f"{name} decode {label:26s} {summary(times)}")


def _compile_lever(unet, inputs: dict, flops: int, peak, args) -> None:
    """torch.compile (inductor) on the bf16 UNet: whether it compiles, how long that takes,
    and the step after it; then whether it works without a C++ compiler (a user's machine)."""
    import os
    import subprocess
    import sys

    import torch

    started = time.perf_counter()
    try:
        compiled = torch.compile(unet)
        with torch.inference_mode():
            compiled(**inputs)
            first = time.perf_counter() - started
            times = interleave({"compiled": (None, lambda _r: compiled(**inputs))}, args.repeats)["compiled"]
        print(f"torch.compile bf16 UNet: first call (compiling) {first:.0f} s; then {summary(times)}, "
              f"{peak.ratio(flops, min(times), 'bf16')}")
    except Exception as exc:  # noqa: BLE001 - the failure is the measurement
        print(f"torch.compile bf16 UNet failed after {time.perf_counter() - started:.0f} s: {exc!s:.300}")
    probe = "import torch; f = torch.compile(lambda x: (x.sin() + 1).sum()); print(f(torch.ones(8)).item())"
    env = dict(os.environ, CXX="/nonexistent/c++", CC="/nonexistent/cc", PATH="/nonexistent")
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=600)
    last = (done.stderr.strip().splitlines() or [""])[-1]
    print(f"torch.compile without a C++ compiler on PATH: "
          f"{'works' if done.returncode == 0 else 'fails: ' + last[:200]}")

