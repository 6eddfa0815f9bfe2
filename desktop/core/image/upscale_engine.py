"""GAN upscaling (Real-ESRGAN family) in tiles, so memory stays bounded for any image
size, with progress per tile and cancel between tiles."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.core.weight_files import PICKLE_SUFFIXES
from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled, ModelFileError, UserFacingError
from desktop.core.jobs import Progress

MAX_INPUT_PIXELS = 16 * 1024 * 1024


@dataclass
class UpscaleRequest:
    source_path: str
    factor: int = 4
    tile: int = 192           # input pixels per tile side
    overlap: int = 16         # context around each tile, cropped away after upscaling
    source_generation_id: int | None = None
    sources: tuple = ()         # lineage.Source: what it is made from (a hand-off, an image prompt)


class UpscaleEngine:
    modality = "upscale"

    def __init__(self, model_path: str | Path, *, n_threads: int = 1):
        import torch
        from safetensors.torch import load_file

        from desktop.core.image.esrgan import build_from_state_dict

        path = Path(model_path)
        if path.suffix.lower() in PICKLE_SUFFIXES:
            raise ModelFileError(f"{path.name} is a pickle-based checkpoint; Atelier never loads those "
                                 "(they can run code). Use the .safetensors version of the upscaler.")
        if path.suffix.lower() != ".safetensors":
            raise ModelFileError(f"{path.name}: upscalers are loaded from .safetensors files.")
        torch.set_num_threads(n_threads)
        try:
            self.model = build_from_state_dict(load_file(str(path)))
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelFileError(f"{path.name} is not a usable Real-ESRGAN upscaler: {exc}") from None
        self.model_path = str(path)
        self.scale = self.model.scale

    def memory_bytes(self) -> int:
        return sum(p.numel() * p.element_size() for p in self.model.parameters())

    def close(self) -> None:
        self.model = None

    def upscale(self, image, factor: int, progress: ProgressCallback, cancel: threading.Event,
                tile: int = 192, overlap: int = 16):
        import numpy as np
        import torch
        from PIL import Image

        if factor not in (2, 4):
            raise UserFacingError(f"Upscale by 2 or 4 (got {factor}).")
        if image.width * image.height > MAX_INPUT_PIXELS:
            raise UserFacingError(f"{image.width}×{image.height} is too large to upscale here; "
                                  "crop or downscale it first.")
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
        source = torch.from_numpy(rgb).permute(2, 0, 1).unsqueeze(0)
        height, width = source.shape[2:]
        s = self.scale
        out = torch.zeros(1, 3, height * s, width * s)
        tiles = [(y, x) for y in range(0, height, tile) for x in range(0, width, tile)]
        started = time.perf_counter()
        with torch.inference_mode():
            for index, (y, x) in enumerate(tiles):
                if cancel.is_set():
                    raise Cancelled()
                y0, x0 = max(0, y - overlap), max(0, x - overlap)
                y1, x1 = min(height, y + tile + overlap), min(width, x + tile + overlap)
                result = self.model(source[:, :, y0:y1, x0:x1])
                top, left = (y - y0) * s, (x - x0) * s
                h, w = (min(y + tile, height) - y) * s, (min(x + tile, width) - x) * s
                out[:, :, y * s:y * s + h, x * s:x * s + w] = result[:, :, top:top + h, left:left + w]
                done = index + 1
                elapsed = time.perf_counter() - started
                progress(Progress(done=done, total=len(tiles), unit="tiles",
                                  eta_s=elapsed / done * (len(tiles) - done)))
        array = (out[0].clamp(0, 1).permute(1, 2, 0).numpy() * 255.0).round().astype(np.uint8)
        upscaled = Image.fromarray(array, "RGB")
        target = (image.width * factor, image.height * factor)
        if upscaled.size != target:  # e.g. x2 with an x4 model
            upscaled = upscaled.resize(target, Image.LANCZOS)
        return upscaled
