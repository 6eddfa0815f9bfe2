"""Peak RAM of a 16-frame 512² AnimateDiff clip on the CPU, with and without the memory options
(frames decoded two at a time instead of all together; the other options — the text-encoder
cache, offload — matter for repeats and GPUs), on the real architecture with random weights:
Stable Diffusion 1.5's UNet, VAE and text encoder and AnimateDiff's default MotionAdapter
(timing and memory do not depend on the weights' values). Each configuration runs in its own
process, so one peak does not hide another. Also prints what desktop/pipeline/video_memory.py
estimates for the same clip, against which a load is refused.

    python bench/video_memory.py [--frames 16] [--size 512] [--steps 1] [--precision fp32]

Building the weights takes about a minute and ~2.6 GB of disk (fp16 files, removed after);
each run a few minutes on 2 cores. Target (issue 12): 16 frames at 512² within 8 GB.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

GB = 1024**3


def build(folder: Path) -> tuple[Path, Path]:
    """SD 1.5-sized components and a default MotionAdapter with random weights, saved in fp16."""
    import torch
    from diffusers import (AutoencoderKL, DDIMScheduler, MotionAdapter, StableDiffusionPipeline,
                           UNet2DConditionModel)
    from transformers import CLIPTextConfig, CLIPTextModel

    sys.path.insert(0, str(ROOT / "tests"))
    from tiny_models import tiny_clip_tokenizer

    torch.manual_seed(0)
    tokenizer = tiny_clip_tokenizer()
    text_encoder = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072,
                                                num_hidden_layers=12, num_attention_heads=12,
                                                max_position_embeddings=77, projection_dim=768))
    unet = UNet2DConditionModel(sample_size=64, cross_attention_dim=768, attention_head_dim=8,
                                block_out_channels=(320, 640, 1280, 1280), layers_per_block=2)
    vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), layers_per_block=2, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        sample_size=512)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="linear", clip_sample=False,
                              steps_offset=1)
    pipe = StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)
    pipe.to(torch.float16).save_pretrained(folder / "sd15")
    MotionAdapter().to(torch.float16).save_pretrained(folder / "motion")
    return folder / "sd15", folder / "motion"


CHILD = r"""
import json, resource, sys, threading, time
import psutil
sys.path.insert(0, {root!r})
from desktop.core.video.animatediff_engine import AnimateDiffEngine
from desktop.core.video.video_request import VideoRequest

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

args = json.loads(sys.argv[1])
started = time.perf_counter()
engine = AnimateDiffEngine(args["base"], args["adapter"], n_threads=args["threads"], precision=args["precision"],
                           memory_saving=args["saving"])
load_peak = peak()
load_s = time.perf_counter() - started
process = psutil.Process()
settled = process.memory_info().rss
highest = {{"now": settled}}
stop = threading.Event()

def sample():  # the load's peak stays in ru_maxrss: the clip's own peak is sampled
    while not stop.wait(0.02):
        highest["now"] = max(highest["now"], process.memory_info().rss)

threading.Thread(target=sample, daemon=True).start()
marks = {{}}
def progress(p):
    marks["denoise"] = highest["now"]
    marks["denoise_s"] = time.perf_counter() - started
request = VideoRequest("a lighthouse on a cliff", frames=args["frames"], width=args["size"], height=args["size"],
                       steps=args["steps"], guidance=args["guidance"], previews=False)
started = time.perf_counter()
engine.generate(request, progress, threading.Event(), seed=1)
stop.set()
print(json.dumps({{"load_peak": load_peak, "load_s": load_s, "settled": settled, "denoise": marks["denoise"],
                  "denoise_s": marks["denoise_s"], "clip": highest["now"], "total_s": time.perf_counter() - started}}))
"""


def run(base: Path, adapter: Path, args, saving: bool) -> dict:
    from desktop.core import hardware

    settings = dict(base=str(base), adapter=str(adapter), threads=hardware.physical_cores(), precision=args.precision,
                    saving=saving, frames=args.frames, size=args.size, steps=args.steps, guidance=args.guidance)
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), json.dumps(settings)],
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=1)
    parser.add_argument("--guidance", type=float, default=1.0, help="1.0: a Lightning adapter's (one UNet pass a step)")
    parser.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    parser.add_argument("--without-frames", type=int, default=4,
                        help="frames for the run without memory options when the full clip would not fit here")
    args = parser.parse_args()

    from desktop.core.models import fit
    from desktop.core.video.video_request import VideoRequest
    from desktop.pipeline import video_memory

    folder = Path(tempfile.mkdtemp(prefix="atelier-bench-video-"))
    try:
        started = time.perf_counter()
        base, adapter = build(folder)
        weights, copy = video_memory.clip_weights(base, adapter, "animatediff")
        print(f"built SD 1.5 + MotionAdapter ({weights / 1e9:.2f} B parameters) in {time.perf_counter() - started:.0f} s")
        print(f"{args.frames} frames at {args.size}², {args.steps} step(s), guidance {args.guidance}, {args.precision}")
        request = VideoRequest("x", frames=args.frames, width=args.size, height=args.size, guidance=args.guidance)
        size = video_memory.PRECISION_BYTES[args.precision]
        import psutil

        for saving in (True, False):
            frames = args.frames
            need = weights * size + video_memory.working_bytes(request, size, saving, "cpu")
            if need > 0.7 * psutil.virtual_memory().available:  # never push a shared machine into the OOM killer
                frames = args.without_frames
                print(f"without memory options {args.frames} frames would need about {need / GB:.1f} GB (estimate): "
                      f"measured with {frames} frames instead")
            run_args = argparse.Namespace(**{**vars(args), "frames": frames})
            result = run(base, adapter, run_args, saving)
            machine = dataclasses.replace(fit.this_machine(), available_ram_bytes=10**15, budget_bytes=10**15)
            estimate = video_memory.estimate(weights, dataclasses.replace(request, frames=frames), args.precision,
                                             "cpu", machine, saving, load_copy=copy)
            estimate = estimate.ram_bytes
            name = "with memory options   " if saving else "without memory options"
            print(f"{name} ({frames} frames): clip peak RSS {result['clip'] / GB:.2f} GB (after denoising "
                  f"{result['denoise'] / GB:.2f} GB, loaded and settled {result['settled'] / GB:.2f} GB; the load's own "
                  f"peak {result['load_peak'] / GB:.2f} GB); estimate {estimate / GB:.2f} GB; "
                  f"load {result['load_s']:.0f} s, denoise {result['denoise_s']:.0f} s, clip {result['total_s']:.0f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
