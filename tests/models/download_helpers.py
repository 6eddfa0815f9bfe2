"""Shared by the download tests: a downloader with short delays, and tiny repositories."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from desktop.core.models.download_control import RetryPolicy
from desktop.core.models.download_transfer import TransferSettings
from desktop.core.models.downloads import Downloader, DownloadOptions
from desktop.core.models.hub import Hub

TOKEN = "hf_SeCrEtToKeN0123456789"


def fast_options(**changes) -> DownloadOptions:
    retry = changes.pop("retry", RetryPolicy(attempts=3, first_delay=0.01, max_delay=0.05))
    transfer = changes.pop("transfer", TransferSettings(chunk_size=4096, connect_timeout=5, stall_timeout=2))
    changes.setdefault("space_margin_bytes", 0)
    return DownloadOptions(retry=retry, transfer=transfer, progress_interval=0, **changes)


def downloader(models: Path, fake_hub, token: str | None = None, allow_network=True, **changes) -> Downloader:
    return Downloader(models, Hub(endpoint=fake_hub.url, token=token, allow_network=allow_network),
                      fast_options(**changes))


def diffusers_folder() -> dict[str, bytes]:
    """A tiny diffusers-like repository: JSON configs kept in git, weights in LFS."""
    return {"model_index.json": b'{"_class_name": "StableDiffusionPipeline"}',
            "unet/config.json": b'{"sample_size": 8}',
            "unet/diffusion_pytorch_model.safetensors": os.urandom(200_000),
            "vae/config.json": b'{"latent_channels": 4}',
            "vae/diffusion_pytorch_model.safetensors": os.urandom(50_000)}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def partial_files(models: Path) -> list[Path]:
    folder = models / ".partial"
    return sorted(folder.iterdir()) if folder.exists() else []


def part_file(models: Path) -> Path | None:
    parts = [p for p in partial_files(models) if p.suffix == ".part"]
    return parts[0] if parts else None
