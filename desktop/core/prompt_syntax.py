"""Prompt emphasis as A1111 (and ComfyUI, Forge, Civitai) users write it, read the way
A1111's `modules/prompt_parser.py` reads it (parse_prompt_attention):

    (word)        weight x 1.1          ((word)) x 1.21, and so on
    [word]        weight / 1.1
    (word:1.3)    weight x 1.3          spaces around the number are allowed: (word : 1.3)
    \\( \\) \\[ \\] \\\\   the bracket or backslash itself, as text
    BREAK         ends the current 75-token chunk (the rest of the prompt starts a new one)

An unclosed bracket weighs everything after it, and a closing bracket without an opening
one is plain text, as in A1111. Written here rather than taken from compel: compel reads
its own syntax (`word++`, `(word)1.3`) and not A1111's, and weighs down by blending, not
A1111's multiply-then-restore-the-mean (see prompt_encoder.py).

Pure Python: the GUI's token counter uses it without torch."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

ROUND_MULTIPLIER = 1.1
SQUARE_MULTIPLIER = 1 / 1.1

# A1111's token pattern: escapes, brackets, a ":number)" closing a weighted group, text runs.
_ATTENTION = re.compile(r"""
\\\(|
\\\)|
\\\[|
\\]|
\\\\|
\\|
\(|
\[|
:\s*([+-]?[.\d]+)\s*\)|
\)|
]|
[^\\()\[\]:]+|
:
""", re.X)
_BREAK = re.compile(r"\s*\bBREAK\b\s*", re.S)


@dataclass
class Fragment:
    """A run of prompt text with one weight; `is_break` marks a BREAK between runs."""
    text: str
    weight: float = 1.0
    is_break: bool = False


def _number(text: str) -> float | None:
    """The weight in "(word:1.3)", or None when it is no finite number (":.)", ":1.2.3)"):
    A1111 would fail on those; here the text stays text."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_prompt_attention(text: str) -> list[Fragment]:
    """The prompt as runs of text and their weights, neighbours of equal weight merged.
    An empty prompt is one empty fragment of weight 1."""
    fragments: list[Fragment] = []
    round_open: list[int] = []
    square_open: list[int] = []

    def multiply_from(start: int, multiplier: float) -> None:
        for fragment in fragments[start:]:
            if not fragment.is_break:  # A1111 multiplies its BREAK marker too (and then misses it)
                fragment.weight *= multiplier

    def add_text(run: str) -> None:
        for i, part in enumerate(_BREAK.split(run)):
            if i > 0:
                fragments.append(Fragment("BREAK", 1.0, is_break=True))
            fragments.append(Fragment(part))

    for match in _ATTENTION.finditer(text):
        token, weight = match.group(0), match.group(1)
        number = _number(weight) if weight is not None else None
        if token.startswith("\\"):
            fragments.append(Fragment(token[1:]))
        elif token == "(":
            round_open.append(len(fragments))
        elif token == "[":
            square_open.append(len(fragments))
        elif number is not None and round_open:
            multiply_from(round_open.pop(), number)
        elif weight is not None and round_open:  # "(a:.)": the ":." is text, the ")" closes the group
            add_text(token[:-1])
            multiply_from(round_open.pop(), ROUND_MULTIPLIER)
        elif token == ")" and round_open:
            multiply_from(round_open.pop(), ROUND_MULTIPLIER)
        elif token == "]" and square_open:
            multiply_from(square_open.pop(), SQUARE_MULTIPLIER)
        else:
            add_text(token)
    for start in round_open:
        multiply_from(start, ROUND_MULTIPLIER)
    for start in square_open:
        multiply_from(start, SQUARE_MULTIPLIER)
    return _merged(fragments) or [Fragment("")]


def _merged(fragments: list[Fragment]) -> list[Fragment]:
    merged: list[Fragment] = []
    for fragment in fragments:
        last = merged[-1] if merged else None
        if last is not None and not last.is_break and not fragment.is_break and last.weight == fragment.weight:
            last.text += fragment.text
        else:
            merged.append(fragment)
    return merged


def is_weighted(fragments: list[Fragment]) -> bool:
    return any(f.weight != 1.0 for f in fragments if not f.is_break)
