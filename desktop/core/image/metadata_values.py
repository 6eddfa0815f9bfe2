"""Reading values out of metadata that other programs wrote: any JSON, any types. Every
helper takes anything and gives the expected type or an empty value, never raises, so
the readers can stay declarative about what they want."""

from __future__ import annotations

import json


def json_value(text):
    """Parsed JSON, or None for anything that is not JSON (or absurdly nested)."""
    try:
        return json.loads(text) if isinstance(text, (str, bytes)) else None
    except (ValueError, RecursionError):
        return None


def text(value) -> str:
    """A text field: strings as they are, numbers written out, anything else (lists,
    objects, which could be huge or deeply nested) as missing."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return value if isinstance(value, list) else []


def is_id(value) -> bool:
    """A node or link id as graphs write them: an int or a str, never a bool."""
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def number(value):
    """An int or float as written (JSON numbers, or numbers in strings), else None; bools
    are not numbers here."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and len(value) <= 40:
        try:
            return float(value)
        except ValueError:
            return None
    return None


def join_unique(texts, separator: str = "\n") -> str:
    """The non-empty texts, each once, in order (SDXL's two encoders often hold the same
    words; a prompt combined with itself is still one prompt)."""
    seen: list[str] = []
    for item in texts:
        item = item.strip() if isinstance(item, str) else ""
        if item and item not in seen:
            seen.append(item)
    return separator.join(seen)
