"""AnimateDiff on diffusers: a Stable Diffusion 1.5 base (a diffusers folder) with a motion
adapter, for text-to-video, and video from an image prompt (the image repeated as every
frame, then partly re-noised and denoised with motion: AnimateDiff's video-to-video, the way
ComfyUI and InvokeAI users animate a still with AnimateDiff).

AnimateDiff-Lightning's few-step adapters (1/2/4/8 steps) need the scheduler their model
card gives — Euler with trailing timesteps and a linear beta schedule — and guidance 1.0; the
engine picks that scheduler for a Lightning adapter unless another is chosen, and notes a
guidance above 1. The base's VAE decodes a few frames at a time (decode_chunk_size), and in
tiles past 512 px. Prompts are read as the Image studio reads them (core/prompt_encoder.py):
A1111's emphasis syntax, and longer than CLIP's 77 tokens."""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import ModelFileError, UserFacingError
from desktop.core.json_files import read_object
from desktop.core.prompt_encoder import EncodedPrompts
from desktop.core.video.video_engine import PROMPT_CACHE_SIZE, VideoEngine
from desktop.core.video.video_loading import is_lightning, load_motion_adapter
from desktop.core.video.motion_unet import motion_unet
from desktop.core.weight_files import refuse_pickle, weight_variant
from desktop.core.video.video_request import VideoRequest

# Display name -> (diffusers scheduler class, settings on top of the base's scheduler config)
SCHEDULERS = {
    "Euler": ("EulerDiscreteScheduler", {}),
    "Euler a": ("EulerAncestralDiscreteScheduler", {}),
    "DDIM": ("DDIMScheduler", {"beta_schedule": "linear", "clip_sample": False, "timestep_spacing": "linspace",
                               "steps_offset": 1}),   # the original AnimateDiff's sampler
    "DPM++ 2M": ("DPMSolverMultistepScheduler", {}),
    "LCM": ("LCMScheduler", {"beta_schedule": "linear"}),  # AnimateLCM
    "Lightning": ("EulerDiscreteScheduler", {"timestep_spacing": "trailing", "beta_schedule": "linear"}),
}
TILED_DECODE_ABOVE = 512  # SD 1.5's VAE works on 512-px tiles; below that tiling changes nothing


def scheduler_named(class_name: str, config: dict) -> str | None:
    """The engine's name for a scheduler the catalog gives as a diffusers class and settings
    (the catalog speaks diffusers, the form and the metadata speak these names): the entry of
    that class whose settings the config holds, the most specific first."""
    fitting = [(len(extra), name) for name, (cls, extra) in SCHEDULERS.items()
               if cls == class_name and all(config.get(k) == v for k, v in extra.items())]
    return max(fitting)[1] if fitting else None


def check_base(path: Path) -> None:
    refuse_pickle(path, "model")
    if path.is_file():
        raise ModelFileError(f"{path.name} is a single file: AnimateDiff needs a Stable Diffusion 1.5 model as a "
                             "diffusers folder (with model_index.json).")
    try:
        index = read_object(path / "model_index.json")
    except (OSError, ValueError):
        raise ModelFileError(f"{path.name} is not a diffusers model folder (no readable model_index.json).") from None
    if index.get("_class_name") not in ("StableDiffusionPipeline", "AnimateDiffPipeline"):
        raise ModelFileError(f"{path.name} is a {index.get('_class_name')} model; AnimateDiff animates a Stable "
                             "Diffusion 1.5 model (StableDiffusionPipeline).")


class AnimateDiffEngine(VideoEngine):
    family = "animatediff"

    def __init__(self, model_path, motion_adapter: str | Path, **options):
        self.adapter_path = str(motion_adapter)
        super().__init__(model_path, **options)

    def _load(self):
        from diffusers import AnimateDiffPipeline, UNet2DConditionModel

        base = Path(self.model_path)
        check_base(base)
        adapter = load_motion_adapter(Path(self.adapter_path), self.dtype)
        files = dict(dtype=self.dtype, use_safetensors=True, local_files_only=True, variant=weight_variant(base))
        try:
            unet = motion_unet(UNet2DConditionModel.from_pretrained(base, subfolder="unet", **files), adapter)
            pipe = AnimateDiffPipeline.from_pretrained(base, unet=unet, motion_adapter=adapter, **files)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"diffusers could not load {base.name} with {Path(self.adapter_path).name}: "
                                 f"{exc}") from None
        self.default_scheduler = pipe.scheduler
        self._video_to_video = None
        return pipe

    @property
    def lightning(self) -> bool:
        return is_lightning(self.adapter_path)

    def scheduler_for(self, name: str):
        """The scheduler a clip runs with: the chosen one, else Lightning's for a Lightning
        adapter, else the base model's own."""
        import diffusers

        name = name or ("Lightning" if self.lightning else "")
        if not name:
            return self.default_scheduler
        if name not in SCHEDULERS:
            raise UserFacingError(f"Unknown scheduler '{name}'. Choose one of: {', '.join(SCHEDULERS)}.")
        class_name, extra = SCHEDULERS[name]
        return getattr(diffusers, class_name).from_config(self.default_scheduler.config, **extra)

    def prompt_embeddings(self, pipe, prompt: str, negative: str, guided: bool) -> EncodedPrompts:
        """The text encoder's output for this prompt (A1111's syntax, any length), computed once
        and kept for the next clip with the same prompt (a person iterating on seeds or motion
        re-sends it every time). Both pipelines share the text encoder."""
        import torch

        from desktop.core.prompt_encoder import encode_prompts

        key = (prompt, negative, guided)
        if key not in self._prompts:
            with torch.inference_mode():
                self._prompts[key] = encode_prompts(pipe, prompt, negative, guided)
            while len(self._prompts) > PROMPT_CACHE_SIZE:
                self._prompts.popitem(last=False)
        self._prompts.move_to_end(key)
        return self._prompts[key]

    def video_to_video(self):
        """The image-prompt pipeline, sharing the loaded components."""
        if self._video_to_video is None:
            from diffusers import AnimateDiffVideoToVideoPipeline

            self._video_to_video = AnimateDiffVideoToVideoPipeline.from_pipe(self.pipe)
            self._video_to_video.set_progress_bar_config(disable=True)
        return self._video_to_video

    def _arguments(self, request: VideoRequest, generator):
        pipe = self.pipe if request.init_image is None else self.video_to_video()
        pipe.scheduler = self.scheduler_for(request.scheduler)
        if self.memory_saving and max(request.width, request.height) > TILED_DECODE_ABOVE:
            pipe.vae.enable_tiling()
        else:
            pipe.vae.disable_tiling()
        guided = request.guidance > 1.0
        encoded = self.prompt_embeddings(pipe, request.prompt, request.negative, guided)
        arguments = dict(**encoded.arguments, height=request.height, width=request.width,
                         num_inference_steps=request.steps, guidance_scale=request.guidance)
        if self.decode_chunk_size:
            arguments["decode_chunk_size"] = self.decode_chunk_size
        total = request.steps
        if request.init_image is None:
            arguments["num_frames"] = request.frames
        else:
            still = request.init_image.convert("RGB").resize((request.width, request.height))
            arguments.update(video=[still] * request.frames, strength=request.strength)
            total = max(1, int(request.steps * request.strength))
        notes = list(encoded.notes)
        if self.lightning and request.guidance > 1.0:
            notes.append("AnimateDiff-Lightning was distilled for guidance 1.0; higher guidance over-saturates "
                         "and doubles the work.")
        return pipe, arguments, total, notes
