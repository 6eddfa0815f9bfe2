"""Fooocus's own metadata scheme ("fooocus"): a JSON object in the PNG `parameters` chunk
(with `fooocus_scheme` = "fooocus" beside it) or in JPEG/WebP EXIF UserComment (MakerNote
= the scheme), written by modules/meta_parser.py FooocusMetadataParser.to_string from the
log entries of modules/async_worker.py: prompt, negative_prompt, full_prompt /
full_negative_prompt (lists: the prompt after styles and the V2 expansion, what the model
was given), styles, performance, steps, resolution "(1152, 896)", guidance_scale,
sharpness, sampler / scheduler (k-diffusion names), seed (a string), base_model(_hash),
refiner_model, vae, loras [[name, weight, hash]], version "Fooocus v2.5.5".

Its A1111 scheme is A1111 text and read as such (a1111_parameters names it "fooocus").
The prompt taken is the full one, in both schemes: that is the text the model saw, so it
reproduces the image in a tool without Fooocus's styles; the typed prompt is kept in extra.
"""

from __future__ import annotations

import re

from desktop.core.image import sampler_names
from desktop.core.image.image_settings import ImageSettings, as_float, as_int
from desktop.core.image.metadata_values import as_list, json_value, number, text

_RESOLUTION = re.compile(r"\(\s*(\d{1,6})\s*,\s*(\d{1,6})\s*\)")
_EXTRA = {"styles": "Styles", "performance": "Performance", "sharpness": "Sharpness",
          "refiner_model": "Refiner", "vae": "VAE", "version": "Version"}


def is_fooocus(data) -> bool:
    """Whether a JSON value is Fooocus's scheme (and not another tool's JSON)."""
    return isinstance(data, dict) and (text(data.get("version")).startswith("Fooocus")
                                       or data.get("metadata_scheme") == "fooocus"
                                       or ("full_prompt" in data and "guidance_scale" in data))


def parse_fooocus(text_value: str) -> ImageSettings | None:
    data = json_value(text_value)
    if not is_fooocus(data):
        return None
    full = [p for p in as_list(data.get("full_prompt")) if isinstance(p, str)]
    full_negative = [p for p in as_list(data.get("full_negative_prompt")) if isinstance(p, str)]
    size = _RESOLUTION.fullmatch(text(data.get("resolution")).strip())
    sampler, _ = sampler_names.sampler_name(text(data.get("sampler")))
    extra = {label: text(data.get(key)) for key, label in _EXTRA.items() if text(data.get(key))}
    if full:
        extra["Raw prompt"] = text(data.get("prompt"))
    if full_negative:
        extra["Raw negative prompt"] = text(data.get("negative_prompt"))
    loras = [f"{text(lora[0])}: {text(lora[1])}" for lora in as_list(data.get("loras"))
             if isinstance(lora, list) and len(lora) >= 2]
    if loras:
        extra["Lora weights"] = ", ".join(loras)
    return ImageSettings(
        prompt=", ".join(full) if full else text(data.get("prompt")),
        negative=", ".join(full_negative) if full_negative else text(data.get("negative_prompt")),
        steps=as_int(number(data.get("steps"))), guidance=as_float(number(data.get("guidance_scale"))),
        seed=as_int(number(data.get("seed"))) if not isinstance(data.get("seed"), str) else as_int(data["seed"]),
        width=int(size[1]) if size else None, height=int(size[2]) if size else None,
        sampler=sampler, scheduler=sampler_names.schedule_name(text(data.get("scheduler"))),
        model_name=text(data.get("base_model")), model_hash=text(data.get("base_model_hash")),
        source="fooocus", extra={k: v for k, v in extra.items() if v},
    )
