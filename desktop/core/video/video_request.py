"""Requests and results of the video studio. `validate()` is called by the CLI, the panel and
the pipeline alike, so a wrong size or an absurd frame count is refused with one message
before any model loads."""

from __future__ import annotations

from dataclasses import dataclass, field

from desktop.core import request_checks as checks
from desktop.core.errors import UserFacingError

MIN_SIDE, MAX_SIDE = 64, 1280
MAX_FRAMES = 257          # LTX-Video's longest; each family has its own limit (FAMILY_FRAMES)
MAX_STEPS = 100
MAX_GUIDANCE = 30.0
MIN_FPS, MAX_FPS = 1, 60
# Families' frame limits: AnimateDiff's motion modules see at most 32 frames (its position
# table; longer clips need context windows, which diffusers' AnimateDiff does not do); SVD
# was trained on 14 (img2vid) and 25 (-xt) frames and degrades past ~30; LTX takes 8k+1.
FAMILY_FRAMES = {"animatediff": (2, 32), "svd": (2, 30), "ltx": (9, MAX_FRAMES)}
# Extension (with the dot), MIME type. MP4 is the default: every player and browser plays it.
FILE_FORMATS = {"mp4": (".mp4", "video/mp4"), "webm": (".webm", "video/webm"),
                "gif": (".gif", "image/gif"), "webp": (".webp", "image/webp")}


@dataclass
class VideoRequest:
    prompt: str
    negative: str = ""
    frames: int = 16
    fps: int = 8
    width: int = 512
    height: int = 512
    steps: int = 20
    guidance: float = 7.5
    seed: int = -1              # -1: random (the seed used is recorded)
    init_image: object = None   # PIL image: animate it (image-to-video)
    strength: float = 0.8       # AnimateDiff from an image: how far the frames may leave it
    scheduler: str = ""         # "" keeps the model's own (or the adapter's recommended one)
    file_format: str = "mp4"
    motion_adapter: str = ""    # AnimateDiff: the MotionAdapter folder or .safetensors file
    previews: bool = True
    motion_bucket_id: int = 127  # SVD: how much motion (1-255)
    extends: str = ""           # the clip this one continues from its last frame ("" for none)
    extends_generation_id: int | None = None  # its library item, when it has one
    typed_prompt: str = ""      # what was typed, when `prompt` is its expansion (Enhance prompt)
    sources: tuple = ()         # lineage.Source: what it is made from (a hand-off, an image prompt)

    def validate(self, family: str = "") -> None:
        """`family` ("animatediff", "svd", "ltx"; "" before the model is known) adds its limits."""
        checks.text("The prompt", self.prompt)
        checks.text("The negative prompt", self.negative)
        if family == "svd":
            if self.init_image is None:
                raise UserFacingError("Stable Video Diffusion animates an image: drop or paste one first.")
        elif not self.prompt.strip() and self.init_image is None:
            raise UserFacingError("Describe the video first (or drop an image to animate).")
        self._check_sizes()
        if family == "ltx" and (self.width % 32 or self.height % 32):
            raise UserFacingError(f"LTX-Video needs sides that are multiples of 32 (got {self.width}×{self.height}).")
        low, high = FAMILY_FRAMES.get(family, (1, MAX_FRAMES))
        if isinstance(self.frames, bool) or not isinstance(self.frames, int) or not low <= self.frames <= high:
            which = {"animatediff": "AnimateDiff", "svd": "Stable Video Diffusion", "ltx": "LTX-Video"}.get(family)
            raise UserFacingError(f"Frames must be between {low} and {high}"
                                  f"{f' for {which}' if which else ''} (got {self.frames}).")
        if family == "ltx" and (self.frames - 1) % 8:
            raise UserFacingError(f"LTX-Video makes 8k+1 frames (9, 17, 25, …); got {self.frames}.")
        if isinstance(self.fps, bool) or not isinstance(self.fps, int) or not MIN_FPS <= self.fps <= MAX_FPS:
            raise UserFacingError(f"Frames per second must be a whole number between {MIN_FPS} and {MAX_FPS} "
                                  f"(got {self.fps}).")
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or not 1 <= self.steps <= MAX_STEPS:
            raise UserFacingError(f"Steps must be between 1 and {MAX_STEPS} (got {self.steps}).")
        checks.in_range("Guidance", self.guidance, 0.0, MAX_GUIDANCE)
        checks.finite("Strength", self.strength)
        if self.init_image is not None and not 0.0 < self.strength <= 1.0:
            raise UserFacingError(f"Strength must be above 0 and at most 1 (got {self.strength}).")
        if family == "animatediff" and self.init_image is not None and int(self.steps * self.strength) < 1:
            # diffusers runs int(steps × strength) steps from the image: none would leave nothing to animate
            raise UserFacingError(f"{self.steps} step(s) at strength {self.strength:g} leave no step to animate the "
                                  "image: use more steps or a higher strength.")
        if isinstance(self.motion_bucket_id, bool) or not isinstance(self.motion_bucket_id, int) \
                or not 1 <= self.motion_bucket_id <= 255:
            raise UserFacingError(f"Motion amount must be between 1 and 255 (got {self.motion_bucket_id}).")
        checks.seed(self.seed, checks.TORCH_SEED_MAX)
        if self.file_format not in FILE_FORMATS:
            raise UserFacingError(f"Clips are saved as {', '.join(FILE_FORMATS)} (got {self.file_format!r}).")

    def _check_sizes(self) -> None:
        checks.side("Width", self.width, MIN_SIDE, MAX_SIDE)
        checks.side("Height", self.height, MIN_SIDE, MAX_SIDE)

    @property
    def kind(self) -> str:
        """What the library calls it: text-to-video or image-to-video."""
        return "txt2vid" if self.init_image is None else "img2vid"

    @property
    def seconds(self) -> float:
        return self.frames / self.fps


@dataclass
class GeneratedVideo:
    frames: list              # PIL RGB images, all the same size
    fps: int
    seed: int
    seconds: float            # how long the generation took
    notes: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return len(self.frames) / self.fps
