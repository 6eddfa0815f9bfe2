"""Splitting long text into sentences, so speech comes in order with progress, can be
cancelled between sentences, and can start playing before the end is written."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … (and their CJK forms) followed by space, or at a blank line.
_END = re.compile(r"(?<=[.!?…。！？])[\"'”’)\]]*\s+|\n\s*\n")
MAX_SENTENCE_CHARS = 400   # a run-on "sentence" is cut at a comma or space near this length


def split_sentences(text: str) -> list[str]:
    sentences = []
    for part in _END.split(text):
        part = " ".join(part.split())
        while len(part) > MAX_SENTENCE_CHARS:
            cut = max(part.rfind(", ", 0, MAX_SENTENCE_CHARS), part.rfind(" ", 0, MAX_SENTENCE_CHARS))
            cut = cut if cut > MAX_SENTENCE_CHARS // 2 else MAX_SENTENCE_CHARS
            sentences.append(part[:cut + 1].strip())
            part = part[cut + 1:].strip()
        if part:
            sentences.append(part)
    return sentences
