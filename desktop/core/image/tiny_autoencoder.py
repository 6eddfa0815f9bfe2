"""Step previews through a tiny autoencoder (TAESD / TAESDXL) when one is installed
locally (in a model folder, or kept by another app: madebyollin/taesd in the Hugging Face
cache): close to the final decode at a fraction of its cost. Without one, previews fall
back to the latent-to-RGB approximation."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from desktop.core.json_files import read_object
from desktop.core.model_registry import Candidate

FOLDER_NAMES = {False: ("taesd",), True: ("taesdxl",)}


def find_tiny_autoencoder(folders: list[Path], sdxl: bool, found: Iterable[Candidate] = ()) -> Path | None:
    """A diffusers AutoencoderTiny folder named taesd (SD 1.x/2.x) or taesdxl (SDXL): in the
    folders, else among `found`, the AutoencoderTiny folders other apps keep, told apart by
    the name the app gives them (a Hugging Face cache snapshot folder is named by its commit)."""
    for folder in folders:
        for name in FOLDER_NAMES[sdxl]:
            for candidate in (Path(folder) / name, *Path(folder).glob(f"*/{name}")):
                if _is_tiny_autoencoder(candidate):
                    return candidate
    for candidate in found:
        name = (candidate.name or Path(candidate.path).name).lower().rsplit("/", 1)[-1]
        if name in FOLDER_NAMES[sdxl] and _is_tiny_autoencoder(Path(candidate.path)):
            return Path(candidate.path)
    return None


def _is_tiny_autoencoder(folder: Path) -> bool:
    try:
        return read_object(folder / "config.json").get("_class_name") == "AutoencoderTiny"
    except (OSError, ValueError):
        return False


class TinyPreviewDecoder:
    def __init__(self, folder: Path):
        from diffusers import AutoencoderTiny

        self.folder = Path(folder)
        self.vae = AutoencoderTiny.from_pretrained(folder, use_safetensors=True, local_files_only=True).eval()

    def decode(self, latents):
        import torch
        from PIL import Image

        with torch.inference_mode():
            decoded = self.vae.decode(latents[:1].to(torch.float32)).sample[0]
        rgb = ((decoded / 2 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()
        return Image.fromarray(rgb, "RGB")
