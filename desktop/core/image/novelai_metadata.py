"""NovelAI's settings: PNG text chunks Title, Description (the prompt), Software
("NovelAI"), Source (the model and its short hash, "NovelAI Diffusion V4.5 4BDE2A90") and
Comment, a JSON object of the request: prompt, uc (the negative), steps, scale, seed,
width, height, sampler ("k_euler_ancestral"), noise_schedule ("karras", "native"...),
cfg_rescale, request_type, and in V4 v4_prompt / v4_negative_prompt with a base caption and
one caption per character. The same keys come as one JSON object from the image's stealth
(alpha-channel) metadata, Comment then being a JSON string or an object.
"""

from __future__ import annotations

import re

from desktop.core.image import sampler_names
from desktop.core.image.image_settings import ImageSettings, as_float, as_int
from desktop.core.image.metadata_values import as_dict, as_list, join_unique, json_value, number, text

_SOURCE = re.compile(r"(.*\S)\s+([0-9A-Fa-f]{8})")
_REQUEST_KEYS = ("uc", "scale", "n_samples", "noise_schedule", "v4_prompt")


def is_novelai(texts: dict) -> bool:
    comment = _comment(texts)
    return text(texts.get("Software")) == "NovelAI" or any(k in comment for k in _REQUEST_KEYS)


def parse_novelai(texts: dict) -> ImageSettings | None:
    """Settings from NovelAI's keys (chunk keyword -> text); None when they are not NovelAI's."""
    if not isinstance(texts, dict) or not is_novelai(texts):
        return None
    request = _comment(texts)
    sampler, _ = sampler_names.sampler_name(text(request.get("sampler")))
    model = _SOURCE.fullmatch(text(texts.get("Source")).strip())
    img2img = "img2img" in text(request.get("request_type")).lower()
    extra = {label: request[key] for key, label in (("cfg_rescale", "CFG rescale"), ("uncond_scale", "Uncond scale"))
             if number(request.get(key)) is not None}
    return ImageSettings(
        prompt=join_unique([text(request.get("prompt")) or text(texts.get("Description")),
                            *_captions(request.get("v4_prompt"))]),
        negative=join_unique([text(request.get("uc")), *_captions(request.get("v4_negative_prompt"))]),
        steps=as_int(number(request.get("steps"))), guidance=as_float(number(request.get("scale"))),
        seed=as_int(number(request.get("seed"))),
        width=as_int(number(request.get("width"))), height=as_int(number(request.get("height"))),
        sampler=sampler, scheduler=sampler_names.schedule_name(text(request.get("noise_schedule"))),
        strength=as_float(number(request.get("strength"))) if img2img else None,
        model_name=model[1] if model else text(texts.get("Source")), model_hash=model[2] if model else "",
        source="novelai", extra=extra,
    )


def _comment(texts: dict) -> dict:
    comment = texts.get("Comment") if isinstance(texts, dict) else None
    return as_dict(comment if isinstance(comment, dict) else json_value(comment))


def _captions(v4_prompt) -> list[str]:
    """V4's base caption, then each character's caption."""
    caption = as_dict(as_dict(v4_prompt).get("caption"))
    characters = [text(as_dict(c).get("char_caption")) for c in as_list(caption.get("char_captions"))]
    return [text(caption.get("base_caption")), *characters]
