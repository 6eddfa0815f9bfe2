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


def _weights_by_folder(path: Path) -> dict[Path, list[Path]]:
    by_folder: dict[Path, list[Path]] = {}
    for file in sorted(path.rglob("*.safetensors")):
        by_folder.setdefault(file.parent, []).append(file)
    return by_folder


def _is_plain(file: Path) -> bool:
    return file.name.count(".") == 1  # model.safetensors, not model.fp16.safetensors


def weight_parameters(path: Path) -> int:
    """Numbers in the weights diffusers loads from a .safetensors file or a diffusers folder
    (in each component folder the plain files, else the variant ones such as *.fp16.*);
    header reads only."""
    from desktop.core.safetensors_header import parameter_count

    path = Path(path)
    if path.is_file():
        return parameter_count(path) if path.suffix.lower() == ".safetensors" else 0
    return sum(parameter_count(f) for files in _weights_by_folder(path).values()
               for f in ([f for f in files if _is_plain(f)] or files))


def weight_variant(folder: Path) -> str | None:
    """The variant diffusers must be told to load ("fp16") when a component of a diffusers
    folder has only variant files — what the hub's fp16 downloads hold (SD-Turbo's
    unet/diffusion_pytorch_model.fp16.safetensors): without it diffusers looks for the plain
    name and fails. None when every component has plain weights."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for files in _weights_by_folder(folder).values():
        if not any(_is_plain(f) for f in files):
            return files[0].name.split(".")[-2].split("-")[0]   # name.fp16.safetensors, name.fp16-00001-of-00002...
    return None
