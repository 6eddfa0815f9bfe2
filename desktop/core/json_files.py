"""Reading a JSON configuration file that another tool wrote (config.json, model_index.json,
a voice's .onnx.json): an object, or ValueError / OSError that names the file — never a
RecursionError from absurd nesting, nor an AttributeError later because it was a list."""

from __future__ import annotations

import json
from pathlib import Path


def read_object(path: Path) -> dict:
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except RecursionError:
        raise ValueError(f"{Path(path).name} is nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError(f"{Path(path).name} is not a JSON object")
    return value
