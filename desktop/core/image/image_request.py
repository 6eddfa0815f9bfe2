"""Requests and results of the image modality."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.core import request_checks as checks
from desktop.core.errors import UserFacingError
from desktop.core.image import decoder_choice, runtime_choice

MIN_SIDE, MAX_SIDE = 64, 2048
MAX_STEPS, MAX_BATCH = 150, 16
MAX_GUIDANCE = 30.0
FILE_FORMATS = {"PNG": (".png", "image/png"), "JPEG": (".jpg", "image/jpeg"), "WEBP": (".webp", "image/webp")}


@dataclass
class ImageRequest:
    prompt: str
    negative: str = ""
    steps: int = 20
    guidance: float = 7.0
    width: int = 512
    height: int = 512
    seed: int = -1            # -1: random; image i of a batch uses seed + i
    batch: int = 1
    scheduler: str = ""       # "" keeps the model's own scheduler
    init_image: object = None  # PIL image for img2img / inpainting
    strength: float = 0.75
    mask: object = None       # PIL "L" image: white = repaint
    previews: bool = True
    file_format: str = "PNG"  # PNG, JPEG or WEBP; metadata travels in each
    # "auto": TAESD for a few-step run on a CPU when one is installed, else the model's VAE
    # (core/image/decoder_choice.py); "full" or "tiny" to choose.
    decoder: str = decoder_choice.AUTO
    runtime: str = runtime_choice.AUTO  # "auto", "torch" or an optional faster runtime
    typed_prompt: str = ""      # what was typed, when `prompt` is its expansion (Enhance prompt)
    sources: tuple = ()         # lineage.Source: what it is made from (a hand-off, an image prompt)

    def validate(self) -> None:
        checks.text("The prompt", self.prompt)
        if not self.prompt.strip():
            raise UserFacingError("Describe the image first.")
        checks.text("The negative prompt", self.negative)
        checks.side("Width", self.width, MIN_SIDE, MAX_SIDE)
        checks.side("Height", self.height, MIN_SIDE, MAX_SIDE)
        if not 1 <= self.steps <= MAX_STEPS:
            raise UserFacingError(f"Steps must be between 1 and {MAX_STEPS} (got {self.steps}).")
        if not 1 <= self.batch <= MAX_BATCH:
            raise UserFacingError(f"Batch count must be between 1 and {MAX_BATCH} (got {self.batch}).")
        checks.in_range("Guidance", self.guidance, 0.0, MAX_GUIDANCE)
        checks.finite("Strength", self.strength)
        if self.init_image is not None and not 0.0 < self.strength <= 1.0:
            raise UserFacingError(f"Strength must be above 0 and at most 1 (got {self.strength}).")
        checks.seed(self.seed, checks.TORCH_SEED_MAX, count=self.batch)
        if self.file_format not in FILE_FORMATS:
            raise UserFacingError(f"Images are saved as {', '.join(FILE_FORMATS)} (got {self.file_format}).")
        decoder_choice.check(self.decoder)
        runtime_choice.check(self.runtime)
        if self.mask is not None and self.init_image is None:
            raise UserFacingError("A mask needs an image to paint over: drop an image first.")

    @property
    def kind(self) -> str:
        if self.init_image is None:
            return "txt2img"
        return "inpaint" if self.mask is not None else "img2img"


@dataclass
class GeneratedImage:
    image: object             # PIL image
    seed: int
    seconds: float
    notes: list[str] = field(default_factory=list)   # e.g. the prompt was cut to what the model reads
    decoder: str = decoder_choice.FULL   # what decoded it: "full" (the model's VAE) or "tiny" (TAESD)
    # The tiny decoder was asked for (or "auto" would have taken it) but the full one ran.
    tiny_missing: bool = False
