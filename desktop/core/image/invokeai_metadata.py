"""InvokeAI's settings, in the three layouts it has written over the years:

- 3.x-5.x `invokeai_metadata`: a flat JSON object (positive_prompt, negative_prompt, SDXL's
  positive_style_prompt..., scheduler as InvokeAI names it, e.g. "dpmpp_2m_k" = DPM++ 2M
  on the Karras schedule, model {name, hash}).
- 2.x `sd-metadata`: {"model_weights" / "model_id", "model_hash", "image": {"prompt":
  [{"prompt", "weight"}], "sampler": "k_lms", "cfg_scale", ...}} (ldm/invoke/args.py
  metadata_dumps); a grid writes "images": [...].
- 2.x `Dream`: the command line that made the image, `"a cat [blurry]" -s 50 -S 42 -W 512
  -H 512 -C 7.5 -A k_lms` (Args.dream_prompt_str).
In 2.x the negative prompt is written inside the prompt in [square brackets]; it is split
out here.
"""

from __future__ import annotations

import re

from desktop.core.image import sampler_names
from desktop.core.image.image_settings import ImageSettings, as_float, as_int
from desktop.core.image.metadata_values import as_dict, as_list, join_unique, json_value, number, text

# Dream switches, short and long, and the field each one sets.
_SWITCHES = {"-s": "steps", "--steps": "steps", "-S": "seed", "--seed": "seed", "-W": "width",
             "--width": "width", "-H": "height", "--height": "height", "-C": "cfg_scale",
             "--cfg_scale": "cfg_scale", "-A": "sampler", "--sampler": "sampler", "-f": "strength",
             "--strength": "strength", "-m": "model", "--model": "model"}
MAX_SWITCHES = 200
_COMMAS = re.compile(r"(\s*,)+")


def parse_invokeai(text_value: str) -> ImageSettings | None:
    """`invokeai_metadata` (3.x-5.x) or `sd-metadata` (2.x); None when it is neither."""
    data = json_value(text_value)
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("image"), dict) or isinstance(data.get("images"), list):
        return _sd_metadata(data)
    model = as_dict(data.get("model"))
    sampler, schedule = sampler_names.sampler_name(text(data.get("scheduler")), karras_suffix=True)
    extra = {"Version": text(data.get("app_version"))} if text(data.get("app_version")) else {}
    return ImageSettings(
        prompt=join_unique([text(data.get("positive_prompt")), text(data.get("positive_style_prompt"))]),
        negative=join_unique([text(data.get("negative_prompt")), text(data.get("negative_style_prompt"))]),
        seed=as_int(number(data.get("seed"))), steps=as_int(number(data.get("steps"))),
        guidance=as_float(number(data.get("cfg_scale"))),
        width=as_int(number(data.get("width"))), height=as_int(number(data.get("height"))),
        sampler=sampler, scheduler=schedule, strength=as_float(number(data.get("strength"))),
        model_name=text(model.get("name") or model.get("model_name")), model_hash=text(model.get("hash")),
        source="invokeai", extra=extra,
    )


def _sd_metadata(data: dict) -> ImageSettings:
    image = as_dict(data.get("image")) or as_dict(next(iter(as_list(data.get("images"))), None))
    prompts = image.get("prompt")
    if isinstance(prompts, list):  # weighted sub-prompts
        prompts = [text(as_dict(p).get("prompt")) for p in prompts]
    else:
        prompts = [text(prompts)]
    split = [split_negative(p) for p in prompts]
    sampler, _ = sampler_names.sampler_name(text(image.get("sampler")))
    return ImageSettings(
        prompt=join_unique(p for p, _ in split), negative=join_unique(n for _, n in split),
        seed=as_int(number(image.get("seed"))), steps=as_int(number(image.get("steps"))),
        guidance=as_float(number(image.get("cfg_scale"))),
        width=as_int(number(image.get("width"))), height=as_int(number(image.get("height"))),
        sampler=sampler, strength=as_float(number(image.get("strength", image.get("strength_steps")))),
        model_name=text(data.get("model_weights") or data.get("model_id")), model_hash=text(data.get("model_hash")),
        source="invokeai",
    )


def parse_dream(command: str) -> ImageSettings | None:
    """The 2.x `Dream` chunk; None when it is not text."""
    if not isinstance(command, str) or not command.strip():
        return None
    prompt, switches = _split_command(command.strip())
    values: dict[str, str] = {}
    tokens = switches.split()[:MAX_SWITCHES]
    for i, token in enumerate(tokens):
        name, _, attached = token.partition("=")
        if name not in _SWITCHES and token[:2] in _SWITCHES and not token.startswith("--"):
            name, attached = token[:2], token[2:]  # "-s50": argparse accepts the value attached
        if name in _SWITCHES:
            values[_SWITCHES[name]] = attached or (tokens[i + 1] if i + 1 < len(tokens) else "")
    positive, negative = split_negative(prompt)
    sampler, _ = sampler_names.sampler_name(values.get("sampler", ""))
    return ImageSettings(
        prompt=positive, negative=negative, steps=as_int(values.get("steps")), seed=as_int(values.get("seed")),
        width=as_int(values.get("width")), height=as_int(values.get("height")),
        guidance=as_float(values.get("cfg_scale")), sampler=sampler, strength=as_float(values.get("strength")),
        model_name=values.get("model", ""), source="invokeai",
    )


def _split_command(command: str) -> tuple[str, str]:
    """(prompt, switches): the prompt is quoted ("..." with \\" inside) or runs up to the
    first switch."""
    if command.startswith('"'):
        i = 1
        while i < len(command):
            if command[i] == "\\":
                i += 2
                continue
            if command[i] == '"':
                return command[1:i].replace('\\"', '"'), command[i + 1:]
            i += 1
        return command[1:], ""
    cut = command.find(" -")
    while cut >= 0 and not (cut + 2 < len(command) and (command[cut + 2].isalpha() or command[cut + 2] == "-")):
        cut = command.find(" -", cut + 1)
    return (command, "") if cut < 0 else (command[:cut], command[cut:])


def split_negative(prompt: str) -> tuple[str, str]:
    """InvokeAI 2's prompt syntax: text in [square brackets] is the negative prompt.
    One pass over the text; nested brackets belong to their outermost group."""
    positive, negative, current, depth = [], [], [], 0
    for char in prompt:
        if char == "[":
            if depth == 0:
                positive.append("".join(current))
                current = []
            else:
                current.append(char)
            depth += 1
        elif char == "]" and depth > 0:
            depth -= 1
            if depth == 0:
                negative.append("".join(current))
                current = []
            else:
                current.append(char)
        else:
            current.append(char)
    (negative if depth else positive).append("".join(current))
    clean = lambda parts: ", ".join(p.strip(" ,") for p in parts if p.strip(" ,"))  # noqa: E731
    squeezed = _COMMAS.sub(",", " ".join(" ".join(positive).split()))  # "a, [b], c" leaves "a, , c"
    return squeezed.strip(" ,"), clean(negative)
