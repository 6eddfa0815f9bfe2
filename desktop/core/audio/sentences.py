"""Cutting text into the pieces every voice speaks one at a time, so speech comes in order
with progress, can be cancelled between pieces, can start playing before the end is made,
and needs bounded memory: a voice synthesizes a piece in one pass, with memory that grows
with the audio it makes (Piper: ~17 MB a second of speech; 2,000 run-on characters took
3 GB, 100,000 would need 238 GB). So no piece is longer than MAX_SENTENCE_CHARS (~15-20 s
of speech); a longer one is cut at the best boundary there is: clause punctuation, else a
space, else anywhere."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … with closing quotes or brackets, then space, unless a lowercase
# letter follows ("e.g. this", "Wait... what?"), as espeak decides too; at 。！？ (no space
# needed); and at a blank line.
_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+|(?<=[。！？])[」』”’)\]]*\s*|\n\s*\n")
_BLANK_LINE = re.compile(r"\n\s*\n")
# Clause punctuation a piece may end with; CJK forms need no space after them.
_CLAUSE = re.compile(r"[,;:)\]—–](?=\s)|[，；：、]")
MAX_SENTENCE_CHARS = 300


def split_sentences(text: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Sentences with whitespace collapsed, none longer than `limit` characters."""
    pieces = []
    for sentence in _sentences(text):
        pieces.extend(cut_run_on(" ".join(sentence.split()), limit))
    return pieces


def _sentences(text: str):
    start = 0
    for end in _END.finditer(text):
        if text[end.end():end.end() + 1].islower() and not _BLANK_LINE.search(end.group()):
            continue  # not a sentence end: an abbreviation or a pause within the sentence
        yield text[start:end.start()] + end.group().strip()
        start = end.end()
    yield text[start:]


def cut_run_on(text: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """`text` in pieces of at most `limit` characters, each ending at the best boundary."""
    pieces = []
    while len(text) > limit:
        cut = best_cut(text, limit)
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    if text.strip():
        pieces.append(text.strip())
    return pieces


def best_cut(text: str, limit: int) -> int:
    """Where to end the first piece (1..limit): after the last clause mark in the second half
    of the window (a shorter cut would make many short pieces), else at the last space, else
    at the limit itself."""
    window = text[:limit + 1]  # a space right after the limit still ends a piece of `limit`
    clauses = [m.end() for m in _CLAUSE.finditer(window, limit // 2) if m.end() <= limit]
    if clauses:
        return clauses[-1]
    space = max(window.rfind(" "), window.rfind("\n"))
    return space if space > 0 else limit
