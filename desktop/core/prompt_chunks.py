"""A prompt cut into CLIP-sized chunks the way A1111 cuts it (sd_hijack_clip.tokenize_line):
75 tokens a chunk, each later framed by its own start and end tokens to make CLIP's 77;
BREAK closes a chunk early; when a chunk fills up within 20 tokens of a comma, the words
after that comma move to the next chunk (A1111's default "prompt word wrap length limit"),
so a phrase is not split between two chunks.

Pure Python: `tokenize` is any callable mapping texts to token ids without start/end
tokens, so the GUI's counter and the torch encoder share this code."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from desktop.core.prompt_syntax import Fragment, parse_prompt_attention

CHUNK_TOKENS = 75           # CLIP reads 77: a start token, 75 of the prompt, an end token
COMMA_BACKTRACK = 20        # A1111's default comma_padding_backtrack
MAX_CHUNKS = 10             # 750 tokens; past this the rest of the prompt is not read

Tokenize = Callable[[list[str]], Sequence[Sequence[int]]]


@dataclass
class Chunk:
    tokens: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)


@dataclass
class ChunkedPrompt:
    chunks: list[Chunk]     # each holds at most CHUNK_TOKENS tokens, without start/end/padding
    token_count: int        # A1111's count: full chunks as 75, the last one as its length
    weighted: bool          # some weight is not 1

    @property
    def chunk_count(self) -> int:
        return len(self.chunks)


def chunk_prompt(prompt: str, tokenize: Tokenize, comma_token: int | None = None,
                 fragments: list[Fragment] | None = None) -> ChunkedPrompt:
    """The prompt's tokens and weights in chunks of at most 75 (always at least one chunk)."""
    fragments = parse_prompt_attention(prompt) if fragments is None else fragments
    texts = [f for f in fragments if not f.is_break]
    ids = iter(tokenize([f.text for f in texts]) if texts else [])
    chunks: list[Chunk] = []
    chunk = Chunk()
    token_count = 0
    last_comma = -1

    def close(is_last: bool = False) -> None:
        nonlocal chunk, token_count, last_comma
        token_count += len(chunk.tokens) if is_last else CHUNK_TOKENS
        chunks.append(chunk)
        chunk, last_comma = Chunk(), -1

    for fragment in fragments:
        if fragment.is_break:
            close()
            continue
        for token in next(ids):
            if token == comma_token:
                last_comma = len(chunk.tokens)
            elif (len(chunk.tokens) == CHUNK_TOKENS and last_comma != -1
                  and len(chunk.tokens) - last_comma <= COMMA_BACKTRACK):
                cut = last_comma + 1
                moved = Chunk(chunk.tokens[cut:], chunk.weights[cut:])
                del chunk.tokens[cut:], chunk.weights[cut:]
                close()
                chunk = moved
            if len(chunk.tokens) == CHUNK_TOKENS:
                close()
            chunk.tokens.append(token)
            chunk.weights.append(fragment.weight)
    if chunk.tokens or not chunks:
        close(is_last=True)
    return ChunkedPrompt(chunks, token_count, any(f.weight != 1.0 for f in texts))


def framed(chunk: Chunk, start: int, end: int, pad: int) -> tuple[list[int], list[float]]:
    """The chunk as CLIP reads it: start, tokens, end, then padding to 77 (the pad token is the
    end token for SD 1.x and "!" for SD 2.x and SDXL's second encoder, as their tokenizers pad)."""
    padding = CHUNK_TOKENS - len(chunk.tokens)
    return ([start, *chunk.tokens, end] + [pad] * padding,
            [1.0, *chunk.weights, 1.0] + [1.0] * padding)


@dataclass(frozen=True)
class TokenCount:
    tokens: int
    chunks: int
    exact: bool = True      # False: estimated without the model's tokenizer

    @property
    def capacity(self) -> int:
        """Tokens the chunks hold: the "150" of A1111's "83/150"."""
        return self.chunks * CHUNK_TOKENS

    @property
    def over_limit(self) -> bool:
        return self.chunks > MAX_CHUNKS

    def label(self) -> str:
        about = "" if self.exact else "≈ "
        chunks = "1 chunk" if self.chunks == 1 else f"{self.chunks} chunks"
        text = f"{about}{self.tokens} tokens · {chunks}"
        if self.over_limit:
            text += f" · only the first {MAX_CHUNKS * CHUNK_TOKENS} are read"
        return text


def count_tokens(prompt: str, tokenize: Tokenize, comma_token: int | None = None) -> TokenCount:
    chunked = chunk_prompt(prompt, tokenize, comma_token)
    return TokenCount(chunked.token_count, chunked.chunk_count)


# CLIP's pre-tokenizer splits words, single digits and runs of other symbols; most common
# words are one token, long or rare ones several (about one per 6 letters beyond the first 6).
_PIECES = re.compile(r"[^\W\d_]+|\d|[^\s\w]+|_+", re.UNICODE)


def estimate_tokens(prompt: str) -> TokenCount:
    """A count without a tokenizer, for the moment before the real one is loaded: the
    syntax's brackets and weights are not tokens, words and punctuation are."""
    fragments = parse_prompt_attention(prompt)

    def tokenize(texts: list[str]) -> list[list[int]]:
        counts = []
        for text in texts:
            pieces = _PIECES.findall(text)
            counts.append([0] * sum(1 + max(0, math.ceil((len(p) - 6) / 6)) for p in pieces))
        return counts

    chunked = chunk_prompt(prompt, tokenize, fragments=fragments)
    return TokenCount(chunked.token_count, chunked.chunk_count, exact=False)
