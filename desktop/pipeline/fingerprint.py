"""A quick identity for a model file or folder, stored with what it made."""

from __future__ import annotations

import hashlib
from pathlib import Path


def folder_fingerprint(folder: Path) -> str:
    """A quick identity for a model: its weight files' names and sizes (hashing gigabytes
    of weights at every load would cost more than the generation)."""
    digest = hashlib.sha256()
    base = folder.parent if folder.is_file() else folder
    weights = [folder] if folder.is_file() else sorted(folder.rglob("*.safetensors"))
    for weight in weights:
        digest.update(f"{weight.relative_to(base)}:{weight.stat().st_size}".encode())
    return digest.hexdigest()
