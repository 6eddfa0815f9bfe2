"""The settings that make an image, as every tool names them, in one record."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields


@dataclass
class ImageSettings:
    prompt: str = ""
    negative: str = ""
    steps: int | None = None
    guidance: float | None = None
    seed: int | None = None
    width: int | None = None
    height: int | None = None
    sampler: str = ""        # A1111 sampler name, e.g. "Euler a", "DPM++ 2M"
    scheduler: str = ""      # schedule variant, e.g. "Karras" (A1111) or "karras" (ComfyUI)
    strength: float | None = None
    model_name: str = ""
    model_hash: str = ""
    source: str = ""         # which format these were read from: atelier, a1111, comfyui, invokeai
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ImageSettings":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def from_generation(cls, prompt: str, negative: str, seed: int | None, params: dict,
                        model_name: str) -> "ImageSettings":
        """The settings of an image the library made (its stored parameters)."""
        return cls(prompt=prompt, negative=negative, seed=seed, steps=as_int(params.get("steps")),
                   guidance=as_float(params.get("guidance")), width=as_int(params.get("width")),
                   height=as_int(params.get("height")), sampler=params.get("scheduler") or "",
                   strength=as_float(params.get("strength")), model_name=model_name, source="Library")

    def is_empty(self) -> bool:
        return not self.prompt and self.seed is None and self.steps is None


def as_int(value) -> int | None:
    """Lenient number reading for metadata written by other tools: None for anything that
    is not a number in the 64-bit range (int(inf) raises OverflowError, not ValueError)."""
    try:
        number = int(value) if value is not None and value != "" else None
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number is None or -2**63 <= number < 2**64 else None


def as_float(value) -> float | None:
    """None for anything that is not a finite number (float(10**400) raises OverflowError)."""
    try:
        number = float(value) if value is not None and value != "" else None
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number is None or math.isfinite(number) else None
