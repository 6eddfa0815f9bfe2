"""What a voice can say: emoji and pictographs are left out (and counted), letters of a
script the voice does not speak are refused with the characters named."""

from __future__ import annotations

import unicodedata

# Languages written in the Latin alphabet (Piper voice families).
LATIN_FAMILIES = {"ca", "cs", "cy", "da", "de", "en", "es", "et", "eu", "fi", "fr", "ga", "gl", "hr", "hu", "id",
                  "is", "it", "lb", "lt", "lv", "ms", "nb", "nl", "no", "pl", "pt", "ro", "sk", "sl", "sq", "sv",
                  "sw", "tr", "vi"}
_PICTOGRAPH_RANGES = [(0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0xFE00, 0xFE0F), (0x200D, 0x200D),
                      (0xE000, 0xF8FF)]


def _is_pictograph(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in _PICTOGRAPH_RANGES)


def drop_pictographs(text: str) -> tuple[str, int]:
    kept = [c for c in text if not _is_pictograph(c)]
    return "".join(kept), len(text) - len(kept)


def dropped_note(count: int) -> list[str]:
    return [f"{count} emoji/symbol character(s) were left out."] if count else []


def foreign_letters(text: str, is_known) -> list[str]:
    """Distinct letters `is_known(letter)` rejects, in order of appearance."""
    seen = []
    for char in text:
        if unicodedata.category(char).startswith("L") and char not in seen and not is_known(char):
            seen.append(char)
    return seen


def latin(char: str) -> bool:
    return unicodedata.name(char, "").startswith("LATIN")


def describe_foreign(letters: list[str], voice: str, language: str) -> str:
    shown = " ".join(letters[:12]) + (" …" if len(letters) > 12 else "")
    return (f"{voice} speaks {language} and cannot pronounce these characters: {shown}. "
            "Remove them, or choose a voice for that language.")
