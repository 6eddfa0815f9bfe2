"""What to fetch for a catalog entry — one answer for the Models window, the "Get a model" cards
and `models download` (whether a copy is already here: local_copies.py).

A GGUF entry fetches the files of one quantization (catalog.files_for); a folder entry (a
diffusers model, a transformers voice) fetches by its patterns, which name configs and
tokenizers besides the weights; a single-file entry fetches its files. The downloaded model
is where download_manifest.model_folder puts it; what it is loaded from is that folder, or
the single file for GGUF, Piper and upscaler entries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.core.models import catalog
from desktop.core.models.catalog import CatalogEntry

# Entries whose loadable thing is one file rather than the folder (Piper's .onnx.json rides along).
SINGLE_FILE_KINDS = {"gguf": ".gguf", "piper": ".onnx", "upscaler": ".safetensors",
                     "motion-adapter-file": ".safetensors"}  # AnimateDiff-Lightning: one file per step count


@dataclass(frozen=True)
class FetchPlan:
    entry_id: str
    repo: str
    revision: str | None    # None: the hub's main
    patterns: tuple[str, ...]
    approx_bytes: int | None  # None when a file's size is not known yet (the hub says at the start)
    title: str


def plan(entry: CatalogEntry, quant: str | None = None) -> FetchPlan:
    files = catalog.files_for(entry, quant)
    if entry.source.patterns and not entry.quants:
        patterns = entry.source.patterns
    else:
        patterns = tuple(f.path for f in files)
    sizes = [f.approx_bytes for f in files]
    total = None if any(s is None for s in sizes) else sum(sizes)
    chosen = quant or catalog.default_quant(entry)
    title = f"{entry.name} ({chosen})" if chosen else entry.name
    return FetchPlan(entry.id, entry.source.repo, entry.source.revision or None, tuple(patterns), total, title)


def load_path(entry: CatalogEntry, folder: Path, quant: str | None = None) -> Path:
    """What a studio loads once the entry is in `folder` (its publisher/name folder)."""
    suffix = SINGLE_FILE_KINDS.get(entry.kind)
    if suffix is None:
        return folder
    files = [f.path for f in catalog.files_for(entry, quant) if f.path.lower().endswith(suffix)]
    return folder / files[0] if files else folder
