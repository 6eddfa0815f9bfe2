"""The A1111 `parameters` text: the de-facto way images carry their settings (read by
Fooocus, ComfyUI's importer, Civitai, Krita). Written and read here.

    a cat in a hat
    Negative prompt: blurry
    Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x768, Model hash: 1a2b3c4d5e, Model: v1-5
"""

from __future__ import annotations

import json
import re

from desktop.core.image import sampler_names
from desktop.core.image.image_settings import ImageSettings
from desktop.core.image.image_settings import as_float as _float
from desktop.core.image.image_settings import as_int as _int

NEGATIVE_PREFIX = "Negative prompt:"
# The end of the text before a colon that can be a key (read on the reversed text, so the
# match is anchored and linear: a regex searched forwards is quadratic on hostile lines).
_KEY_TAIL = re.compile(r"[\w ./+\-()]*")
_QUOTED = re.compile(r'"(?:\\.|[^\\"])*"')
_SIZE = re.compile(r"(\d{1,6})x(\d{1,6})")
# Real settings lines hold a few dozen pairs; reading stops after this many colons.
MAX_PAIRS = 10_000
_SCHEDULE_SUFFIXES = ("Karras", "Exponential", "Polyexponential", "SGM Uniform")


def format_parameters(s: ImageSettings) -> str:
    lines = [s.prompt.strip()]
    if s.negative.strip():
        lines.append(f"{NEGATIVE_PREFIX} {s.negative.strip()}")
    pairs = []
    if s.steps is not None:
        pairs.append(("Steps", s.steps))
    if s.sampler:
        pairs.append(("Sampler", s.sampler))
    if s.scheduler:
        pairs.append(("Schedule type", s.scheduler))
    if s.guidance is not None:
        pairs.append(("CFG scale", _number(s.guidance)))
    if s.seed is not None:
        pairs.append(("Seed", s.seed))
    if s.width and s.height:
        pairs.append(("Size", f"{s.width}x{s.height}"))
    if s.model_hash:
        pairs.append(("Model hash", s.model_hash[:10]))
    if s.model_name:
        pairs.append(("Model", s.model_name))
    if s.strength is not None:
        pairs.append(("Denoising strength", _number(s.strength)))
    pairs += [(k, v) for k, v in s.extra.items() if isinstance(v, (str, int, float))]
    lines.append(", ".join(f"{k}: {_quote(v)}" for k, v in pairs))
    return "\n".join(lines)


def parse_parameters(text: str) -> ImageSettings:
    """Any text gives settings (possibly empty ones); never raises. Time is linear in
    the length of the text, whatever it holds."""
    lines = text.strip().splitlines()
    settings = ImageSettings(source="a1111")
    if lines and _looks_like_pairs(lines[-1]):
        pairs = dict(_pairs(lines.pop()))
    else:
        pairs = {}
    prompt, negative, in_negative = [], [], False
    for line in lines:
        if line.startswith(NEGATIVE_PREFIX):
            in_negative = True
            line = line[len(NEGATIVE_PREFIX):].strip()
        (negative if in_negative else prompt).append(line)
    settings.prompt = "\n".join(prompt).strip()
    settings.negative = "\n".join(negative).strip()
    settings.steps = _int(pairs.pop("Steps", None))
    settings.sampler = pairs.pop("Sampler", "")
    # Fooocus writes its schedule as "Scheduler" (k-diffusion name), A1111 as "Schedule type".
    settings.scheduler = pairs.pop("Schedule type", "") or sampler_names.schedule_name(pairs.pop("Scheduler", ""))
    settings.sampler, settings.scheduler = _split_schedule(settings.sampler, settings.scheduler)
    settings.guidance = _float(pairs.pop("CFG scale", None))
    settings.seed = _int(pairs.pop("Seed", None))
    size = _SIZE.fullmatch(pairs.pop("Size", ""))
    if size:  # bounded digits: int() of a 5000-digit number raises
        settings.width, settings.height = int(size[1]), int(size[2])
    settings.model_hash = pairs.pop("Model hash", "")
    settings.model_name = pairs.pop("Model", "")
    settings.strength = _float(pairs.pop("Denoising strength", None))
    settings.extra = pairs
    settings.source = _source(pairs.get("Version", ""))
    return settings


def _split_schedule(sampler: str, schedule: str) -> tuple[str, str]:
    """A1111 before 1.9 and Fooocus name the schedule inside the sampler ("DPM++ 2M Karras");
    1.9 and later write it apart ("Schedule type: Karras"). Read both the later way."""
    for suffix in _SCHEDULE_SUFFIXES:
        if sampler.endswith(" " + suffix) and schedule.lower() in ("", suffix.lower()):
            return sampler[: -len(suffix) - 1], suffix
    return sampler, schedule


def _source(version: str) -> str:
    """Which program wrote the text, from its Version: Forge's read "f2.0.1v1.10.1-...",
    Fooocus's "Fooocus v2.5.5"; A1111's "v1.10.1" and others are A1111."""
    if version.startswith("Fooocus"):
        return "fooocus"
    if version[:1] == "f" and version[1:2].isdigit():
        return "forge"
    return "a1111"


def _looks_like_pairs(line: str) -> bool:
    return line.startswith("Steps:") or ("Seed:" in line and "Sampler:" in line)


def _pairs(line: str):
    """`Key: value` pairs, left to right; a value is a quoted string (which may hold commas)
    or runs to the next comma. Each character is looked at a bounded number of times."""
    pos, end, quotes_close = 0, len(line), True
    for _ in range(MAX_PAIRS):
        colon = line.find(":", pos)
        if colon < 0:
            return
        before = line[pos:colon]
        key = before[len(before) - _KEY_TAIL.match(before[::-1]).end():].strip()
        if not key:
            pos = colon + 1  # a colon with no key before it: look for the next pair after it
            continue
        start = colon + 1
        while start < end and line[start].isspace():
            start += 1
        quoted = _QUOTED.match(line, start) if quotes_close and line.startswith('"', start) else None
        if quoted is None and line.startswith('"', start):
            quotes_close = False  # no later quote can close either: do not scan to the end again
        if quoted and (quoted.end() == end or line[quoted.end()] == ","):
            value, pos = quoted.group(), quoted.end() + 1
        else:
            comma = line.find(",", start)
            comma = end if comma < 0 else comma
            value, pos = line[start:comma], comma + 1
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = _unquote(value)
        yield key, value


def _unquote(value: str) -> str:
    """A1111 and Fooocus quote with json.dumps (so \\n, \\u00e9 may appear); Atelier's own
    quoting is a subset of it."""
    try:
        unquoted = json.loads(value)
    except ValueError:
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return unquoted if isinstance(unquoted, str) else value[1:-1]


def _quote(value) -> str:
    text = str(value)
    if any(c in text for c in ',:"\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
    return text


def _number(value: float) -> str:
    return f"{value:g}"
