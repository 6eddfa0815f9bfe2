"""Test catalogs for the fake hub: tiny repositories (a GGUF in two quantizations, a
diffusers-like folder, an SD 1.5 base with a motion adapter that names it) and a catalog file
describing them, written in each test's own folder (the shipped resources/catalog/models.json
is never touched)."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path

GGUF_HEAD = b"GGUF" + struct.pack("<IQQ", 3, 0, 0)
GGUF_REPO = "acme/Tiny-Chat-GGUF"
FOLDER_REPO = "acme/tiny-sd"
Q4, Q8 = "tiny-chat-Q4_K_M.gguf", "tiny-chat-Q8_0.gguf"
UNET = "unet/diffusion_pytorch_model.safetensors"
BASE_REPO, ADAPTER_REPO = "acme/tiny-sd15", "acme/tiny-lightning"
ADAPTER_FILE = "animatediff_lightning_2step_diffusers.safetensors"  # the name says Lightning, 2 steps


def gguf_bytes(size: int) -> bytes:
    """A file that starts like a GGUF (discovery reads the magic); big enough to be LFS."""
    return GGUF_HEAD + os.urandom(size - len(GGUF_HEAD))


def tiny_gguf_repo(q4_size: int = 40_000) -> dict[str, bytes]:
    return {Q4: gguf_bytes(q4_size), Q8: gguf_bytes(60_000), "README.md": b"# Tiny chat\n"}


def tiny_folder_repo() -> dict[str, bytes]:
    return {"model_index.json": b'{"_class_name": "StableDiffusionPipeline"}',
            "unet/config.json": b'{"sample_size": 8}', UNET: os.urandom(30_000),
            "vae/config.json": b'{"latent_channels": 4}',
            "vae/diffusion_pytorch_model.safetensors": os.urandom(20_000),
            "unet/diffusion_pytorch_model.bin": b"pickle weights that are never fetched"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gguf_entry(files: dict[str, bytes], revision: str = "", known: bool = False, **changes) -> dict:
    """A text-studio GGUF entry; `known`: sizes and sha256 filled in (else null, unverified)."""
    listed = [{"path": path, "size": len(files[path]) if known else None,
               "sha256": sha256(files[path]) if known else None, "quant": quant}
              for path, quant in ((Q4, "Q4_K_M"), (Q8, "Q8_0"))]
    entry = {"id": "tiny-chat", "name": "Tiny Chat", "studio": "text", "kind": "gguf",
             "description": "A tiny chat model for tests.",
             "source": {"repo": GGUF_REPO, "revision": revision, "files": listed},
             "default_quant": "Q4_K_M",
             "recommended": {"context_length": 2048, "chat_template": "from the GGUF (ChatML)", "instruct": True},
             "memory": {"ram_mb": 300, "vram_mb": 300, "estimate": "test figures"},
             "licence": "apache-2.0", "licence_url": "https://example.invalid/licence", "gated": False,
             "facts_from": ["https://example.invalid/card"]}
    entry.update(changes)
    return with_unverified(entry)


def folder_entry(files: dict[str, bytes], revision: str = "", known: bool = False, **changes) -> dict:
    entry = {"id": "tiny-sd", "name": "Tiny SD", "studio": "image", "kind": "diffusers",
             "description": "A tiny diffusers-like folder for tests.",
             "source": {"repo": FOLDER_REPO, "revision": revision,
                        "files": [{"path": UNET, "size": len(files[UNET]) if known else None,
                                   "sha256": sha256(files[UNET]) if known else None}],
                        "patterns": ["model_index.json", "*/config.json", "*/*.safetensors"]},
             "recommended": {"steps": 2, "guidance": 0.0, "width": 512, "height": 512},
             "memory": {"ram_mb": 200, "vram_mb": None, "estimate": "test figures"},
             "licence": "openrail", "licence_url": "https://example.invalid/licence", "gated": False,
             "facts_from": ["https://example.invalid/card"]}
    entry.update(changes)
    return with_unverified(entry)


def _content(value: bytes | Path) -> bytes:
    return value if isinstance(value, bytes) else Path(value).read_bytes()


def base_entry(files: dict[str, bytes | Path], **changes) -> dict:
    """An image-studio SD 1.5 folder (id "tiny-sd15"), its weights' sizes and sha256 known, as
    the Video studio's adapters run on; `files` as served (repository path: bytes or file)."""
    weights = sorted(path for path in files if path.endswith(".safetensors"))
    entry = {"id": "tiny-sd15", "name": "Tiny SD 1.5", "studio": "image", "kind": "diffusers",
             "description": "A tiny SD 1.5 folder for tests.",
             "source": {"repo": BASE_REPO, "revision": "",
                        "files": [{"path": path, "size": len(_content(files[path])),
                                   "sha256": sha256(_content(files[path]))} for path in weights],
                        "patterns": ["model_index.json", "*/*.json", "*/*.txt", "*/*.safetensors"]},
             "recommended": {"steps": 2, "guidance": 5.0, "width": 64, "height": 64},
             "memory": {"ram_mb": 200, "vram_mb": None, "estimate": "test figures"},
             "licence": "openrail", "licence_url": "https://example.invalid/licence", "gated": False,
             "facts_from": ["https://example.invalid/card"]}
    entry.update(changes)
    return with_unverified(entry)


def adapter_entry(adapter: bytes | Path, **changes) -> dict:
    """A video-studio single-file motion adapter (AnimateDiff-Lightning's kind) whose
    `recommended.base` is base_entry's "tiny-sd15"; its memory figure is for the pair."""
    data = _content(adapter)
    entry = {"id": "tiny-lightning-2step", "name": "Tiny Lightning 2-step", "studio": "video",
             "kind": "motion-adapter-file", "description": "A tiny motion adapter for tests.",
             "source": {"repo": ADAPTER_REPO, "revision": "",
                        "files": [{"path": ADAPTER_FILE, "size": len(data), "sha256": sha256(data)}]},
             "recommended": {"base": "tiny-sd15", "frames": 4, "fps": 8, "steps": 2, "guidance": 1.0,
                             "width": 64, "height": 64},
             "memory": {"ram_mb": 300, "vram_mb": None, "estimate": "test figures, adapter and base together"},
             "licence": "openrail", "licence_url": "https://example.invalid/licence", "gated": False,
             "facts_from": ["https://example.invalid/card"]}
    entry.update(changes)
    return with_unverified(entry)


def with_unverified(entry: dict) -> dict:
    """The entry with its `unverified` list naming exactly its null facts, as the schema asks."""
    source = entry["source"]
    names = [] if source["revision"] else ["revision"]
    for item in source["files"]:
        names += [f"{item['path']}:{fact}" for fact in ("size", "sha256") if item[fact] is None]
    names += [fact for fact in ("ram_mb", "vram_mb") if entry["memory"][fact] is None]
    return {**entry, "unverified": names}


def write_catalog(path: Path, *entries: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"schema": 1, "updated": "2026-01-01", "models": list(entries)}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
