"""Image engine on diffusers: Stable Diffusion 1.x/2.x, SDXL and the few-step families
(Turbo, LCM) from a diffusers folder. One loaded pipeline serves text-to-image,
image-to-image and inpainting (`from_pipe` shares its components). Prompts reach the
pipelines as embeddings (core/prompt_encoder.py): longer than CLIP's 77 tokens, with A1111's
emphasis syntax. The final decode is the model's VAE or, for a few-step run on a CPU, TAESD
(core/image/decoder_choice.py); the UNet and VAE may run in an optional faster runtime
(core/image/runtime_choice.py), chosen when the model is loaded.

Pickle-based weights are never loaded: folders must hold .safetensors weights.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections import OrderedDict
from pathlib import Path

from desktop.core import precision as precisions
from desktop.core.weight_files import refuse_pickle, weight_variant
from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled, ModelFileError, UserFacingError
from desktop.core.image import decoder_choice, runtime_choice
from desktop.core.image.image_request import GeneratedImage, ImageRequest
from desktop.core.jobs import Progress
from desktop.core.prompt_encoder import EncodedPrompts, encode_prompts

SMALL_GPU_BYTES = 8 * 1024**3
# Prompts whose embeddings are kept: going back to an earlier prompt (A, B, A) skips the
# text encoder (OpenCLIP-H is a tenth of a one-step SD-Turbo image on a CPU). A few MB each.
PROMPT_CACHE_SIZE = 4


def pick_dtype(device: str, choice: str = precisions.AUTO):
    """The torch dtype for a precision choice on `device` (see core/precision.py)."""
    return precisions.torch_dtype(precisions.resolve(choice, device))


# Display name -> (diffusers scheduler class, extra config)
SCHEDULERS = {
    "Euler": ("EulerDiscreteScheduler", {}),
    "Euler a": ("EulerAncestralDiscreteScheduler", {}),
    "DPM++ 2M": ("DPMSolverMultistepScheduler", {}),
    "DPM++ 2M Karras": ("DPMSolverMultistepScheduler", {"use_karras_sigmas": True}),
    "DDIM": ("DDIMScheduler", {}),
    "LCM": ("LCMScheduler", {}),
}


def check_model_path(path: Path) -> None:
    """Refuse what cannot or must not be loaded, with the reason."""
    if path.is_dir() and not (path / "model_index.json").exists():
        raise ModelFileError(f"{path.name} is not a diffusers model folder (no model_index.json).")
    refuse_pickle(path, "checkpoint")


class DiffusionEngine:
    modality = "image"

    def __init__(self, model_path: str | Path, *, n_threads: int = 1, device: str | None = None,
                 preview_folders: list[Path] = (), config_candidates: list[Path] = (),
                 precision: str = precisions.AUTO, preview_found: tuple = (), few_step: bool = False,
                 runtime: str = runtime_choice.TORCH, runtime_cache: Path | None = None, on_progress=None):
        """`few_step`: the model is made for 1–4 steps (the catalog says so), which makes TAESD
        its automatic decoder on a CPU. `runtime`: a resolved runtime (runtime_choice.resolve)
        that fast_runtime converts the UNet and VAE to, cached in `runtime_cache`;
        `on_progress(done, total, message)` during a first conversion."""
        import torch
        from diffusers import AutoPipelineForText2Image
        from diffusers.utils import logging as diffusers_logging

        diffusers_logging.disable_progress_bar()  # progress goes to the UI, not to stderr
        path = Path(model_path)
        check_model_path(path)
        self.model_path = str(path)
        self.n_threads = n_threads
        torch.set_num_threads(n_threads)
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.precision = precisions.resolve(precision, self.device)  # "fp32", "bf16" or "fp16"
        self.dtype = precisions.torch_dtype(self.precision)
        started = time.perf_counter()
        try:
            if path.is_file():
                self.base = self._load_single_file(path, list(config_candidates))
            else:
                self.base = AutoPipelineForText2Image.from_pretrained(
                    path, dtype=self.dtype, use_safetensors=True, local_files_only=True, variant=weight_variant(path))
        except ModelFileError:
            raise
        except (OSError, ValueError, EnvironmentError) as exc:
            raise ModelFileError(f"diffusers could not load {path.name}: {exc}") from None
        self.base.set_progress_bar_config(disable=True)
        if self.device == "cuda":
            self._fit_on_gpu()
        self.default_scheduler = self.base.scheduler
        self.is_sdxl = "XL" in type(self.base).__name__
        self._pipes = {"txt2img": self.base}
        self._encoded: tuple[tuple, EncodedPrompts] | None = None  # the last prompt's embeddings
        self._encoded_recent: OrderedDict[tuple, EncodedPrompts] = OrderedDict()
        self.few_step_model = few_step
        self.preview_decoder, self.tiny_problem = self._tiny_decoder(list(preview_folders), preview_found)
        self.runtime = runtime_choice.TORCH
        if runtime != runtime_choice.TORCH:
            from desktop.core.image.runtime_cache import default_folder

            cache = runtime_cache or default_folder()
            self.runtime = runtime_choice.accelerate(self.base, runtime, cache, self.precision, on_progress)
            if self.runtime != runtime_choice.TORCH and self.preview_decoder is not None:  # TAESD too
                runtime_choice.accelerate_decoder(self.preview_decoder.vae, self.runtime, cache, self.precision,
                                                  on_progress)
        self.load_s = time.perf_counter() - started

    def _load_single_file(self, path: Path, candidates: list[Path]):
        import diffusers

        from desktop.core.image.single_file_models import find_config_folder

        config, pipeline_class = find_config_folder(path, candidates)
        return getattr(diffusers, pipeline_class).from_single_file(
            str(path), config=str(config), local_files_only=True, dtype=self.dtype)

    def _fit_on_gpu(self) -> None:
        import torch

        self.base.enable_attention_slicing()
        self.base.enable_vae_tiling()  # large images decode in tiles, bounding VRAM
        if torch.cuda.get_device_properties(0).total_memory < SMALL_GPU_BYTES:
            self.base.enable_model_cpu_offload()  # components visit the GPU one at a time
        else:
            self.base.to(self.device)

    def _tiny_decoder(self, folders: list[Path], found: tuple = ()):
        """(the TAESD / TAESDXL that draws previews, or None; None when it may also decode the
        final image, else why not)."""
        from desktop.core.image.tiny_autoencoder import TinyDecoder, find_tiny_autoencoder

        folder = find_tiny_autoencoder(folders, self.is_sdxl, found)
        name = decoder_choice.display_name(decoder_choice.TINY, self.is_sdxl)
        if folder is None:
            return None, f"no {name} was found"
        decoder = TinyDecoder(folder, self.dtype if self.device == "cpu" else None)
        own = getattr(self.base, "vae_scale_factor", None)
        if own is not None and own != decoder.scale_factor:
            return decoder, f"the {name} found scales latents by {decoder.scale_factor}, this model's VAE by {own}"
        return decoder, None

    def decoder_for(self, request: ImageRequest) -> decoder_choice.DecoderChoice:
        """What decodes `request`'s images here (see core/image/decoder_choice.py)."""
        return decoder_choice.resolve(request.decoder, steps=request.steps, few_step_model=self.few_step_model,
                                      device=self.device, tiny_problem=self.tiny_problem)

    def preview(self, latents):
        if self.preview_decoder is not None:
            return self.preview_decoder.decode(latents)
        from desktop.core.latent_preview import latents_to_preview

        return latents_to_preview(latents, self.is_sdxl)

    def memory_bytes(self) -> int:
        total = 0
        for component in self.base.components.values():
            parameters = getattr(component, "parameters", None)
            if callable(parameters):
                total += sum(p.numel() * p.element_size() for p in parameters())
        return total

    def close(self) -> None:
        self._pipes.clear()
        self._encoded = None
        self._encoded_recent.clear()
        self.base = None

    def pipeline(self, kind: str):
        """The pipeline for txt2img / img2img / inpaint, sharing the loaded components."""
        if kind not in self._pipes:
            from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

            factory = AutoPipelineForInpainting if kind == "inpaint" else AutoPipelineForImage2Image
            pipe = factory.from_pipe(self.base)
            pipe.set_progress_bar_config(disable=True)
            self._pipes[kind] = pipe
        return self._pipes[kind]

    def set_scheduler(self, pipe, name: str) -> str:
        if not name:
            pipe.scheduler = self.default_scheduler
            return type(self.default_scheduler).__name__
        if name not in SCHEDULERS:
            raise UserFacingError(f"Unknown scheduler '{name}'. Choose one of: {', '.join(SCHEDULERS)}.")
        import diffusers

        class_name, extra = SCHEDULERS[name]
        pipe.scheduler = getattr(diffusers, class_name).from_config(self.default_scheduler.config, **extra)
        return class_name

    def generate(self, request: ImageRequest, progress: ProgressCallback, cancel: threading.Event,
                 seed: int) -> GeneratedImage:
        """One image with an explicit seed (a batch is a loop of these, each kept as it ends)."""
        import torch

        request.validate()
        pipe = self.pipeline(request.kind)
        self.set_scheduler(pipe, request.scheduler)
        started = time.perf_counter()
        # Noise is drawn on the CPU from a seeded generator: the same seed gives the same
        # image on any device.
        generator = torch.Generator("cpu").manual_seed(seed)
        total = request.steps if request.kind == "txt2img" else max(1, int(request.steps * request.strength))

        def on_step_end(pipe_, step, _timestep, kwargs):
            if cancel.is_set():
                raise Cancelled()
            preview = self.preview(kwargs["latents"]) if request.previews and "latents" in kwargs else None
            elapsed = time.perf_counter() - started
            done = step + 1
            progress(Progress(done=done, total=total, unit="steps", preview=preview,
                              eta_s=elapsed / done * (total - done)))
            return kwargs

        encoded = self.encoded_prompts(pipe, request)
        decoder = self.decoder_for(request)
        arguments = dict(**encoded.arguments, num_inference_steps=request.steps, guidance_scale=request.guidance,
                         generator=generator, callback_on_step_end=on_step_end)
        if decoder.decoder == decoder_choice.TINY:
            arguments["output_type"] = "latent"  # the pipeline stops before its VAE; TAESD decodes
        if request.kind == "txt2img":
            arguments.update(width=request.width, height=request.height)
        else:
            arguments.update(image=request.init_image.convert("RGB").resize((request.width, request.height)),
                             strength=request.strength, width=request.width, height=request.height)
            if request.kind == "inpaint":
                arguments["mask_image"] = request.mask.convert("L").resize((request.width, request.height))
        with torch.inference_mode():
            image = pipe(**arguments).images[0]
            if decoder.decoder == decoder_choice.TINY:
                image = self.preview_decoder.decode(image[None])
        if cancel.is_set():
            raise Cancelled()
        notes = [*encoded.notes, *([decoder.note] if decoder.note else [])]
        tiny_missing = decoder.wanted_tiny and decoder.decoder != decoder_choice.TINY
        return GeneratedImage(image=image, seed=seed, seconds=time.perf_counter() - started, notes=notes,
                              decoder=decoder.decoder, tiny_missing=tiny_missing)

    def encoded_prompts(self, pipe, request: ImageRequest) -> EncodedPrompts:
        """The prompt and negative as embeddings (any length, A1111's emphasis), computed once
        for the images of a batch and kept for the last few prompts: the text encoders are
        shared by every pipeline here, and a loaded model's weights never change."""
        import torch

        accepted = inspect.signature(pipe.__call__).parameters
        guided = (request.guidance > 1.0 and "negative_prompt_embeds" in accepted
                  and getattr(pipe.unet.config, "time_cond_proj_dim", None) is None)
        key = (request.prompt, request.negative, guided)
        encoded = self._encoded_recent.pop(key, None)
        if encoded is None:
            with torch.inference_mode():
                encoded = encode_prompts(pipe, request.prompt, request.negative, guided)
        self._encoded_recent[key] = encoded  # the newest last; the oldest goes first
        while len(self._encoded_recent) > PROMPT_CACHE_SIZE:
            self._encoded_recent.popitem(last=False)
        self._encoded = (key, encoded)
        return encoded
