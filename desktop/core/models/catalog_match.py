"""Which catalog entry a model on disk is, so that choosing it in a studio applies the entry's
recommended settings wherever the model came from: Atelier's own download (its manifest names
the repository), a Hugging Face cache snapshot (models--publisher--name), or a
publisher/name folder such as LM Studio's. Reads at most one small file."""

from __future__ import annotations

from pathlib import Path

from desktop.core.models import catalog
from desktop.core.models.download_manifest import read_manifest
from desktop.core.models.removal import downloaded_folder


def repository_for(path: Path, models_folder: Path) -> str | None:
    path = Path(path)
    own = downloaded_folder(path, models_folder)
    if own is not None:
        manifest = read_manifest(own)
        return manifest.repo if manifest is not None else None
    for part in path.parts:
        if part.startswith("models--") and part.count("--") >= 2:
            return "/".join(part.split("--")[1:3])
    return None


def entry_for(path: str | Path, models_folder: Path, known: catalog.Catalog | None = None) -> catalog.CatalogEntry | None:
    """The catalog entry of the model at `path` (for a GGUF, only when the file is one the
    entry lists: another quantization made by someone else is not the catalog's)."""
    repo = repository_for(Path(path), models_folder)
    if repo is None:
        return None
    for entry in (known or catalog.load()).entries:
        if entry.source.repo.lower() != repo.lower():
            continue
        if entry.kind == "gguf" and Path(path).name not in {f.path.rsplit("/", 1)[-1] for f in entry.source.files}:
            continue
        return entry
    return None
