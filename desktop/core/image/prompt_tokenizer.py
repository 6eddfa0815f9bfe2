"""The tokenizer the prompt counter counts with: the chosen model's own CLIP tokenizer,
loaded without its text encoder (the tokenizers library, no torch), on a background thread.

Stable Diffusion 1.x, 2.x and SDXL all tokenize with OpenAI CLIP's vocabulary (they differ
only in the padding token, which a count never sees), so a single-file checkpoint, which
carries no tokenizer, is counted with any diffusers model's tokenizer on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from desktop.core.prompt_chunks import TokenCount, count_tokens

_TOKENIZER_FILES = ("tokenizer.json", "vocab.json")


def _tokenizer_in(model: Path) -> Path | None:
    if not model.is_dir():
        return None
    for name in ("tokenizer", "tokenizer_2"):  # an SDXL refiner has only the second
        folder = model / name
        if any((folder / f).is_file() for f in _TOKENIZER_FILES):
            return folder
    return None


def find_tokenizer_folder(model_path: str | Path | None, others: Iterable[str | Path] = ()) -> Path | None:
    """The model's tokenizer folder, else the first of `others` (other image models) that has one."""
    for candidate in ([model_path] if model_path else []) + list(others):
        folder = _tokenizer_in(Path(candidate))
        if folder is not None:
            return folder
    return None


class PromptTokenizer:
    """Counts a prompt's tokens and chunks the way the engine will cut it."""

    def __init__(self, folder: Path):
        from transformers import CLIPTokenizer

        self.folder = folder
        self._tokenizer = CLIPTokenizer.from_pretrained(str(folder), local_files_only=True)
        self._comma = self._tokenizer.get_vocab().get(",</w>")

    def _tokenize(self, texts: list[str]) -> list[list[int]]:
        return self._tokenizer(texts, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]

    def count(self, prompt: str) -> TokenCount:
        return count_tokens(prompt, self._tokenize, self._comma)


def load_prompt_tokenizer(model_path: str | Path | None, others: Iterable[str | Path] = ()) -> PromptTokenizer | None:
    """None when no tokenizer is found (the counter then estimates)."""
    folder = find_tokenizer_folder(model_path, others)
    return PromptTokenizer(folder) if folder is not None else None
