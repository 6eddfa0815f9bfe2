"""What the video engines share: the device, precision and threads; memory options (frames
decoded a few at a time, the text encoder's output kept for a repeated prompt, model CPU
offload on small GPUs); and one denoising loop wrapper with per-step progress, a preview
strip of a few frames, and cancel within a step.

Seeds: noise is drawn on the CPU from a seeded torch.Generator, so the same seed gives the
same clip on any device (in the same precision), and the same frames as a plain diffusers
call with the same generator and settings (tests/video check it)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path

from desktop.core import precision as precisions
from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled
from desktop.core.jobs import Progress
from desktop.core.video.video_preview import FramePreviewer, find_taesd
from desktop.core.video.video_request import GeneratedVideo, VideoRequest

SMALL_GPU_BYTES = 12 * 1024**3   # below this, video models visit the GPU one component at a time
CPU_DECODE_CHUNK = 1              # frames the VAE decodes at once on a CPU (memory, not speed, decides)
GPU_DECODE_CHUNK = 8
PROMPT_CACHE_SIZE = 4


def _return_freed_memory() -> None:
    """Give the memory freed while loading back to the system: AnimateDiff builds its motion
    UNet from a copy of the base's UNet, and glibc keeps the freed copy (GBs) in the process
    unless asked to return it."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not glibc (musl): nothing to do
            pass


class VideoEngine:
    """Subclasses load `self.pipe` in `_load()` and build a call's arguments in `_arguments()`."""

    modality = "video"
    family = ""                  # "animatediff", "svd", "ltx": the limits VideoRequest.validate applies
    frames_first = False         # the latents' layout, for previews

    def __init__(self, model_path: str | Path, *, n_threads: int = 1, device: str | None = None,
                 precision: str = precisions.AUTO, preview_folders: list[Path] = (), memory_saving: bool = True):
        import torch
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.disable_progress_bar()  # progress goes to the UI, not to stderr
        self.model_path = str(model_path)
        self.n_threads = n_threads
        torch.set_num_threads(n_threads)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.precision = precisions.resolve(precision, self.device)
        self.dtype = precisions.torch_dtype(self.precision)
        self.memory_saving = memory_saving
        self._prompts: OrderedDict[tuple, tuple] = OrderedDict()
        started = time.perf_counter()
        self.pipe = self._load()
        self.pipe.set_progress_bar_config(disable=True)
        _return_freed_memory()
        self._place()
        taesd = find_taesd(list(preview_folders)) if self.family in ("animatediff", "svd") else None
        self.previewer = FramePreviewer(taesd) if self.family in ("animatediff", "svd") else None
        self.load_s = time.perf_counter() - started

    # --- for subclasses ------------------------------------------------------------------

    def _load(self):
        raise NotImplementedError

    def _arguments(self, request: VideoRequest, generator) -> tuple[object, dict, int, list[str]]:
        """(pipeline, its call's arguments, steps that will run, notes)."""
        raise NotImplementedError

    # --- shared --------------------------------------------------------------------------

    def _place(self) -> None:
        """On a GPU: everything on it, or on a small one each component in turn."""
        import torch

        if self.device != "cuda":
            self._chunk_feed_forward()
            return
        if self.memory_saving and torch.cuda.get_device_properties(0).total_memory < SMALL_GPU_BYTES:
            self.pipe.enable_model_cpu_offload()
        else:
            self.pipe.to(self.device)

    def _chunk_feed_forward(self) -> None:
        """On a CPU with the memory options, the UNet's feed-forward layers run a token at a time
        over the frames (diffusers' forward chunking): at 16 frames of 512² fp32 this took the
        denoising peak from 8.86 to 7.88 GB at the same speed (bench/video_memory.py)."""
        unet = getattr(self.pipe, "unet", None)
        if self.memory_saving and hasattr(unet, "enable_forward_chunking"):
            unet.enable_forward_chunking(chunk_size=1, dim=1)

    @property
    def decode_chunk_size(self) -> int | None:
        """Frames decoded at once: the VAE decode of every frame together is the peak of a clip's
        memory (about 0.5 GB a frame at 512² in fp32), so a few at a time; None decodes all."""
        if not self.memory_saving:
            return None
        return CPU_DECODE_CHUNK if self.device == "cpu" else GPU_DECODE_CHUNK

    def preview(self, latents):
        return self.previewer.strip(latents, self.frames_first) if self.previewer is not None else None

    def generate(self, request: VideoRequest, progress: ProgressCallback, cancel: threading.Event,
                 seed: int) -> GeneratedVideo:
        """One clip with an explicit seed. Cancel lands within a step: the step callback raises
        (diffusers' own interrupt flag would still VAE-decode every frame before returning)."""
        import torch

        request.validate(self.family)
        started = time.perf_counter()
        generator = torch.Generator("cpu").manual_seed(seed)
        pipe, arguments, total, notes = self._arguments(request, generator)

        def on_step_end(_pipe, step, _timestep, kwargs):
            if cancel.is_set():
                raise Cancelled()
            preview = self.preview(kwargs["latents"]) if request.previews and "latents" in kwargs else None
            done = step + 1
            elapsed = time.perf_counter() - started
            progress(Progress(done=done, total=total, unit="steps", preview=preview,
                              eta_s=elapsed / done * (total - done), message=f"Step {done}/{total}"))
            return kwargs

        with torch.inference_mode():
            frames = pipe(**arguments, generator=generator, callback_on_step_end=on_step_end).frames[0]
        if cancel.is_set():
            raise Cancelled()
        return GeneratedVideo(frames=[f.convert("RGB") for f in frames], fps=request.fps, seed=seed,
                              seconds=time.perf_counter() - started, notes=notes)

    def memory_bytes(self) -> int:
        total = 0
        for component in self.pipe.components.values():
            parameters = getattr(component, "parameters", None)
            if callable(parameters):
                total += sum(p.numel() * p.element_size() for p in parameters())
        return total

    def close(self) -> None:
        self._prompts.clear()
        self.pipe = None
