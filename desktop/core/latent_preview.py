"""A cheap preview of a diffusion step: latents projected to RGB with fixed per-channel
factors (the approximation A1111 and ComfyUI use when no tiny autoencoder is present).
Shared by the image and video studios (a video previews a few of its frames this way)."""

from __future__ import annotations

# Stable Diffusion 1.x/2.x latent channels -> RGB (widely used community factors).
SD_FACTORS = [[0.3512, 0.2297, 0.3227], [0.3250, 0.4974, 0.2350], [-0.2829, 0.1762, 0.2721],
              [-0.2120, -0.2616, -0.7177]]
SDXL_FACTORS = [[0.3651, 0.4232, 0.4341], [-0.2533, -0.0042, 0.1068], [0.1076, 0.1111, -0.0362],
                [-0.3165, -0.2492, -0.2188]]


def latents_to_preview(latents, sdxl: bool = False, max_side: int = 256):
    """First latent of a batch -> a small PIL RGB image (8x smaller than the output)."""
    return latent_to_image(latents[0], sdxl, max_side)


def latent_to_image(latent, sdxl: bool = False, max_side: int = 256):
    """One latent (channels, height, width) -> a small PIL RGB image."""
    import torch
    from PIL import Image

    factors = torch.tensor(SDXL_FACTORS if sdxl else SD_FACTORS, dtype=torch.float32)
    latent = latent.detach().to("cpu", torch.float32)
    if latent.shape[0] != factors.shape[0]:
        latent = latent[: factors.shape[0]]
    rgb = torch.einsum("chw,cr->hwr", latent, factors)
    rgb = ((rgb + 1) * 127.5).clamp(0, 255).to(torch.uint8).numpy()
    image = Image.fromarray(rgb, "RGB")
    scale = max_side / max(image.size)
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    return image.resize(size, Image.NEAREST if scale >= 1 else Image.BILINEAR)
