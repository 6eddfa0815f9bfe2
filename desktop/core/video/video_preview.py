"""Step previews of a clip: a strip of a few of its frames, side by side in one small image
(the panel shows it under the progress bar). Each frame comes from the latent-to-RGB
approximation, or from TAESD when a `taesd` folder (a diffusers AutoencoderTiny for SD's
latent space, which AnimateDiff and Stable Video Diffusion share) is in a model folder."""

from __future__ import annotations

from pathlib import Path

from desktop.core.json_files import read_object
from desktop.core.latent_preview import latent_to_image

STRIP_FRAMES = 4
FRAME_SIDE = 128  # each previewed frame's longer side


def find_taesd(folders: list[Path]) -> Path | None:
    """A folder named taesd holding an AutoencoderTiny, in a model folder or one level below."""
    for folder in folders:
        for candidate in (Path(folder) / "taesd", *Path(folder).glob("*/taesd")):
            try:
                if read_object(candidate / "config.json").get("_class_name") == "AutoencoderTiny":
                    return candidate
            except (OSError, ValueError):
                continue
    return None


class FramePreviewer:
    """Turns a step's latents into a strip of frames. `frames_first`: Stable Video Diffusion's
    latents are (batch, frames, channels, h, w); AnimateDiff's (batch, channels, frames, h, w)."""

    def __init__(self, taesd_folder: Path | None = None):
        self.tiny = None
        if taesd_folder is not None:
            from diffusers import AutoencoderTiny

            self.tiny = AutoencoderTiny.from_pretrained(taesd_folder, use_safetensors=True,
                                                        local_files_only=True).eval()

    def strip(self, latents, frames_first: bool, count: int = STRIP_FRAMES):
        import torch
        from PIL import Image

        video = latents[0] if frames_first else latents[0].transpose(0, 1)  # -> (frames, c, h, w)
        total = video.shape[0]
        picks = sorted({round(i * (total - 1) / max(1, count - 1)) for i in range(min(count, total))})
        chosen = video[picks].detach().to("cpu", torch.float32)
        images = self._decode(chosen) if self.tiny is not None else [latent_to_image(f, max_side=FRAME_SIDE)
                                                                      for f in chosen]
        width, height = images[0].size
        strip = Image.new("RGB", (width * len(images), height))
        for i, image in enumerate(images):
            strip.paste(image, (i * width, 0))
        return strip

    def _decode(self, latents) -> list:
        import torch
        from PIL import Image

        with torch.inference_mode():
            decoded = self.tiny.decode(latents).sample
        frames = ((decoded / 2 + 0.5).clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        images = [Image.fromarray(f, "RGB") for f in frames]
        scale = FRAME_SIDE / max(images[0].size)
        size = (max(1, round(images[0].width * scale)), max(1, round(images[0].height * scale)))
        return [image.resize(size, Image.BILINEAR) for image in images]
