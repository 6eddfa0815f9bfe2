"""Step previews through a tiny autoencoder (TAESD / TAESDXL) when one is installed
locally: close to the final decode at a fraction of its cost. Without one, previews fall
back to the latent-to-RGB approximation."""

from __future__ import annotations

from pathlib import Path

from desktop.core.json_files import read_object

FOLDER_NAMES = {False: ("taesd",), True: ("taesdxl",)}


def find_tiny_autoencoder(folders: list[Path], sdxl: bool) -> Path | None:
    """A diffusers AutoencoderTiny folder named taesd (SD 1.x/2.x) or taesdxl (SDXL)."""
    for folder in folders:
        for name in FOLDER_NAMES[sdxl]:
            for candidate in (Path(folder) / name, *Path(folder).glob(f"*/{name}")):
                try:
                    if read_object(candidate / "config.json").get("_class_name") == "AutoencoderTiny":
                        return candidate
                except (OSError, ValueError):
                    continue
    return None


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
