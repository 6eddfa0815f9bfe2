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


def count(value, default: int) -> int:
    """A non-negative count from a file's metadata; per-layer lists give their largest (the one
    that decides memory); anything else (a string, a float, a bool) gives `default`."""
    if isinstance(value, (list, tuple)):
        value = max((v for v in value if isinstance(v, int) and not isinstance(v, bool)), default=None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def section(values: dict, key: str) -> dict:
    """values[key] when it is an object, else {}."""
    found = values.get(key)
    return found if isinstance(found, dict) else {}
