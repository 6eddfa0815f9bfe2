"""Prompt embeddings for Stable Diffusion 1.x/2.x, SDXL and AnimateDiff pipelines the way
A1111 makes them, handed to diffusers as prompt_embeds instead of prompt strings:

- any length: the prompt is cut into 75-token chunks (prompt_chunks.py), each encoded on its
  own with its start and end tokens, and the chunks' outputs joined along the sequence;
- emphasis (prompt_syntax.py): each token's output is multiplied by its weight, then the
  chunk's mean is restored (A1111's "Original" emphasis, its default);
- SDXL: both text encoders' penultimate layers side by side, the pooled output of the
  second encoder's first chunk (as A1111 and ComfyUI);
- positive and negative of different chunk counts: the shorter one repeated to a common
  length, as ComfyUI and Forge do. Attention over a sequence repeated k times gives exactly
  what it gives over the sequence once, so this is what A1111 computes by default (it runs
  the two apart). When the common length would be over twice the longer one, the shorter is
  padded with empty-prompt chunks instead (A1111's "pad prompt/negative prompt" option).

An unweighted prompt of at most 75 tokens gives diffusers' own encode_prompt result, bit for
bit, including its choices: the last layer for SD 1.x/2.x (2.x folders already drop
OpenCLIP's last layer), the penultimate for SDXL, zeros for SDXL's empty negative prompt
when the model says so (force_zeros_for_empty_prompt)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from desktop.core.errors import UserFacingError
from desktop.core.prompt_chunks import CHUNK_TOKENS, MAX_CHUNKS, Chunk, ChunkedPrompt, chunk_prompt, framed

CLIP_TOKENS = CHUNK_TOKENS + 2


@dataclass
class EncodedPrompts:
    arguments: dict                     # prompt_embeds, negative_prompt_embeds (+ the pooled pair for SDXL)
    notes: list[str] = field(default_factory=list)


class _TextEncoder:
    """One tokenizer and its text encoder."""

    def __init__(self, tokenizer, text_encoder, penultimate: bool, device):
        self.tokenizer, self.model, self.penultimate, self.device = tokenizer, text_encoder, penultimate, device
        self.comma = tokenizer.get_vocab().get(",</w>")
        self.masked = bool(getattr(text_encoder.config, "use_attention_mask", False))

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        # verbose=False: a long prompt is expected here, not a reason for a warning
        return self.tokenizer(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]

    def chunked(self, prompt: str) -> ChunkedPrompt:
        return chunk_prompt(prompt, self.tokenize, self.comma)

    def encode(self, chunk: Chunk):
        """(hidden states (1, 77, width) with the chunk's emphasis, pooled output or None)."""
        import torch

        tokenizer = self.tokenizer
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        ids, weights = framed(chunk, tokenizer.bos_token_id, tokenizer.eos_token_id, pad)
        ids = torch.tensor([ids], dtype=torch.long, device=self.device)
        mask = None
        if self.masked:  # what the tokenizer's padding gives: start, tokens and end count, padding not
            seen = len(chunk.tokens) + 2
            mask = torch.tensor([[1] * seen + [0] * (CLIP_TOKENS - seen)], device=self.device)
        if self.penultimate:
            output = self.model(ids, output_hidden_states=True)
            pooled = output[0] if output[0].ndim == 2 else None
            hidden = output.hidden_states[-2]
        else:
            hidden, pooled = self.model(ids, attention_mask=mask)[0], None
        return _emphasised(hidden, weights), pooled


def _emphasised(hidden, weights: list[float]):
    """A1111's emphasis: each token's vector times its weight, then the mean restored."""
    import torch

    if all(w == 1.0 for w in weights):
        return hidden
    if not all(math.isfinite(w) for w in weights):
        raise UserFacingError("The prompt's emphasis multiplies a weight past what a number can hold: "
                              "use (word:1.5) instead of many nested brackets.")
    original = hidden.float()
    scaled = original * torch.tensor(weights, device=hidden.device, dtype=torch.float32)[None, :, None]
    before, after = original.mean(), scaled.mean()
    if after != 0 and torch.isfinite(after):
        scaled = scaled * (before / after)
    return scaled.to(hidden.dtype)


def _encoders(pipe, device) -> list[_TextEncoder]:
    if hasattr(pipe, "text_encoder_2"):  # SDXL; a refiner has only the second encoder
        pairs = [(pipe.tokenizer, pipe.text_encoder), (pipe.tokenizer_2, pipe.text_encoder_2)]
        return [_TextEncoder(t, m, True, device) for t, m in pairs if t is not None and m is not None]
    return [_TextEncoder(pipe.tokenizer, pipe.text_encoder, False, device)]


def _limited(chunked: ChunkedPrompt, what: str, notes: list[str]) -> list[Chunk]:
    if chunked.chunk_count > MAX_CHUNKS:
        notes.append(f"The {what} is {chunked.token_count} tokens long; Atelier reads the first "
                     f"{MAX_CHUNKS * CHUNK_TOKENS} ({MAX_CHUNKS} chunks of {CHUNK_TOKENS}), so the rest had no effect.")
    return chunked.chunks[:MAX_CHUNKS]


def _encode_chunks(encoders: list[_TextEncoder], chunk_lists: list[list[Chunk]]):
    """(1, 77 x chunks, total width) and the pooled output of the last encoder's first chunk."""
    import torch

    rows, pooled = [], None
    for i in range(len(chunk_lists[0])):
        parts = []
        for encoder, chunks in zip(encoders, chunk_lists):
            hidden, chunk_pooled = encoder.encode(chunks[i])
            parts.append(hidden)
            if i == 0 and chunk_pooled is not None:
                pooled = chunk_pooled
        rows.append(torch.cat(parts, dim=-1))
    return torch.cat(rows, dim=1), pooled


def _same_length(positive, negative, empty):
    """Both sequences as long: repeated to a common multiple of chunks (exactly neutral for
    attention) unless that would more than double the longer one; then the shorter one is
    padded with the empty prompt's chunk."""
    a, b = positive.shape[1] // CLIP_TOKENS, negative.shape[1] // CLIP_TOKENS
    if a == b:
        return positive, negative
    common = math.lcm(a, b)
    if common <= 2 * max(a, b):
        return positive.repeat(1, common // a, 1), negative.repeat(1, common // b, 1)
    import torch

    longest = max(a, b)
    positive = torch.cat([positive, empty().repeat(1, longest - a, 1)], dim=1) if a < longest else positive
    negative = torch.cat([negative, empty().repeat(1, longest - b, 1)], dim=1) if b < longest else negative
    return positive, negative


def encode_prompts(pipe, prompt: str, negative: str, guided: bool) -> EncodedPrompts:
    """The pipeline call's embedding arguments for `prompt` and, when `guided`
    (classifier-free guidance runs), for `negative`."""
    device = pipe._execution_device
    encoders = _encoders(pipe, device)
    sdxl = hasattr(pipe, "text_encoder_2")
    dtype = (pipe.text_encoder_2 if sdxl and pipe.text_encoder_2 is not None else encoders[0].model).dtype
    notes: list[str] = []

    def embed(text: str, what: str):
        per_encoder = [_limited(encoder.chunked(text), what, notes if i == 0 else []) for i, encoder in
                       enumerate(encoders)]
        count = max(len(chunks) for chunks in per_encoder)  # the same tokenizer vocabulary: equal in practice
        per_encoder = [chunks + [Chunk()] * (count - len(chunks)) for chunks in per_encoder]
        hidden, pooled = _encode_chunks(encoders, per_encoder)
        return hidden.to(dtype=dtype, device=device), pooled

    positive, pooled = embed(prompt, "prompt")
    arguments = {"prompt_embeds": positive}
    if sdxl:
        arguments["pooled_prompt_embeds"] = pooled
    if not guided:
        return EncodedPrompts(arguments, notes)
    if sdxl and not negative and getattr(pipe.config, "force_zeros_for_empty_prompt", False):
        import torch

        arguments.update(negative_prompt_embeds=torch.zeros_like(positive),
                         negative_pooled_prompt_embeds=torch.zeros_like(pooled))
        return EncodedPrompts(arguments, notes)
    negative_embeds, negative_pooled = embed(negative, "negative prompt")
    positive, negative_embeds = _same_length(positive, negative_embeds, lambda: embed("", "")[0])
    arguments.update(prompt_embeds=positive, negative_prompt_embeds=negative_embeds)
    if sdxl:
        arguments["negative_pooled_prompt_embeds"] = negative_pooled
    return EncodedPrompts(arguments, notes)
