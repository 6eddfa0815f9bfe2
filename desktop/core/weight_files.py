"""Weights Atelier will load: .safetensors files and folders of them. Pickle-based weights
(.ckpt, .bin, .pt, .pth, .pkl) can run arbitrary code when loaded, so they are refused with
a message, never opened. Shared by every studio that loads torch weights."""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import ModelFileError

PICKLE_SUFFIXES = (".ckpt", ".bin", ".pt", ".pth", ".pkl")


def refuse_pickle(path: Path, what: str = "model") -> None:
    """Raise ModelFileError for a missing path, a pickle file, a file that is not
    .safetensors, or a folder whose weights are only pickles; anything else passes."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"{path} does not exist. Was it moved or deleted?")
    if path.is_file():
        if path.suffix.lower() in PICKLE_SUFFIXES:
            raise ModelFileError(
                f"{path.name} is a pickle-based {what} ({path.suffix}). Loading it could run arbitrary code, "
                "so Atelier never does: use a .safetensors version.")
        if path.suffix.lower() != ".safetensors":
            raise ModelFileError(f"{path.name} is not a {what} Atelier can load (.safetensors or a diffusers folder).")
        return
    weights = list(path.rglob("*.safetensors"))
    pickles = [p for p in path.rglob("*") if p.suffix.lower() in PICKLE_SUFFIXES]
    if not weights and pickles:
        raise ModelFileError(
            f"{path.name} only has pickle-based weights ({pickles[0].name}). Loading them could run arbitrary "
            "code, so Atelier never does: use a copy with .safetensors weights.")
