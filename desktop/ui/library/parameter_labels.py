"""How the details pane names what made an item: the words the studios' forms use ("Guidance",
"Top-p", "Save as" → "Format") instead of stored keys (guidance, top_p, file_format), with
values a person reads ("Image 2 of 4", "512 × 768", "8.0 s"). A key no studio writes yet
(a newer Atelier's, an imported gallery's) still gets a readable label from its name."""

from __future__ import annotations

import json

LABELS = {
    # images and video
    "steps": "Steps", "guidance": "Guidance", "scheduler": "Scheduler", "strength": "Image strength",
    "precision": "Precision", "device": "Device", "file_format": "Format", "width": "Width", "height": "Height",
    "frames": "Frames", "fps": "Frames per second", "motion_bucket_id": "Motion amount", "family": "Model family",
    "motion_adapter": "Motion adapter", "extends": "Continues", "clips": "Clips",
    "factor": "Upscale factor", "upscaler": "Upscaler", "tile": "Tile size", "source": "Source image",
    # text
    "mode": "Mode", "temperature": "Temperature", "top_p": "Top-p", "top_k": "Top-k", "min_p": "Min-p",
    "repeat_penalty": "Repeat penalty", "max_tokens": "Max tokens", "seed": "Seed", "stop": "Stop strings",
    "n_ctx": "Context length", "n_threads": "Threads",
    # audio
    "length_scale": "Length scale", "noise_scale": "Noise scale", "noise_w": "Noise width", "speaker": "Speaker",
    "engine": "Engine", "duration_s": "Duration",
}
# Shown together in one row, under the first key's place.
_SIZE, _BATCH = ("width", "height"), ("batch_index", "batch")
_UNITS = {"duration_s": " s", "factor": "×", "fps": " fps"}


def label(key: str) -> str:
    """The table's label, else the key in sentence case: "motion_bucket_id" → "Motion bucket id"."""
    if key in LABELS:
        return LABELS[key]
    words = " ".join(str(key).replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else str(key)


def value_text(key: str, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "file_format" and isinstance(value, str):
        return value.upper()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return f"{value}{_UNITS.get(key, '')}"


def parameter_rows(params: dict) -> list[tuple[str, str]]:
    """(label, value) for each setting, sorted by label; width and height make one "Size", a
    batch's index and count one "Image" ("2 of 4"; nothing for a batch of one)."""
    rows, rest = [], dict(params)
    if all(isinstance(rest.get(k), int) for k in _SIZE):
        rows.append(("Size", f"{rest.pop('width')} × {rest.pop('height')}"))
    index, count = rest.pop("batch_index", None), rest.pop("batch", None)
    if isinstance(index, int) and isinstance(count, int) and count > 1:
        rows.append(("Image", f"{index + 1} of {count}"))
    elif isinstance(count, int) and count > 1:
        rows.append(("Batch count", str(count)))
    elif isinstance(index, int) and count is None and index > 0:
        rows.append(("Image", f"{index + 1} of a batch"))
    rows += [(label(key), value_text(key, value)) for key, value in rest.items() if value not in (None, "")]
    return sorted(rows, key=lambda row: row[0].casefold())
