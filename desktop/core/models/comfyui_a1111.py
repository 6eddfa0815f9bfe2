"""Image models in ComfyUI and AUTOMATIC1111 / Forge trees, used in place. Both keep a
models/ folder with one subfolder per role, named differently (ComfyUI's
extra_model_paths.yaml.example maps one onto the other):

    role        ComfyUI                 A1111 / Forge
    checkpoint  checkpoints/            Stable-diffusion/
    diffusers   diffusers/              -
    VAE         vae/, vae_approx/       VAE/, VAE-approx/
    upscaler    upscale_models/         ESRGAN/, RealESRGAN/, SwinIR/
    LoRA        loras/                  Lora/, LyCORIS/
    LLM (GGUF)  LLM/ (llama.cpp nodes)  -

Other subfolders (clip, controlnet, embeddings, unet — whose GGUFs are diffusion models,
not language models) are not listed. ComfyUI also reads extra_model_paths.yaml in its
folder, and the ComfyUI desktop app writes extra_models_config.yaml in its settings
folder: both map roles to other folders, which are followed."""

from __future__ import annotations

import os
import re
from pathlib import Path

from desktop.core.models.discovery_folders import scan_tree
from desktop.core.models.discovery_types import (A1111, A1111_LAYOUT, COMFYUI, COMFYUI_LAYOUT, DIFFUSERS,
                                                 DIFFUSERS_PART, FOLDER_LAYOUT, FORGE, GGUF, IMAGE, LORA,
                                                 SAFETENSORS, TEXT, UPSCALER, VAE, AppRoot, FoundModel)
from desktop.core.models.discovery_walk import Budget, is_folder, read_yaml

# Subfolder (lower case) -> studio hint. ComfyUI's and A1111's names do not collide.
SUBFOLDER_ROLES = {
    "checkpoints": IMAGE, "stable-diffusion": IMAGE, "diffusers": IMAGE,
    "vae": VAE, "vae_approx": VAE, "vae-approx": VAE,
    "upscale_models": UPSCALER, "esrgan": UPSCALER, "realesrgan": UPSCALER, "swinir": UPSCALER,
    "loras": LORA, "lora": LORA, "lycoris": LORA,
    "llm": TEXT,
}
# extra_model_paths.yaml keys -> studio hint.
YAML_ROLES = {"checkpoints": IMAGE, "diffusers": IMAGE, "vae": VAE, "vae_approx": VAE,
              "upscale_models": UPSCALER, "loras": LORA, "LLM": TEXT}
KINDS = {IMAGE: frozenset({SAFETENSORS, DIFFUSERS}), VAE: frozenset({SAFETENSORS, DIFFUSERS_PART}),
         UPSCALER: frozenset({SAFETENSORS}), LORA: frozenset({SAFETENSORS}), TEXT: frozenset({GGUF})}
EXTRA_PATHS_FILE = "extra_model_paths.yaml"
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)|%(\w+)%")


def tree_kind(path: Path) -> tuple[str, str, Path] | None:
    """(app, layout, models folder) when `path` is a ComfyUI or A1111/Forge folder, or
    that folder's models/ itself."""
    for models in (path / "models", path):
        if is_folder(models / "checkpoints"):
            return COMFYUI, COMFYUI_LAYOUT, models
        if is_folder(models / "Stable-diffusion"):
            install = models.parent
            forge = is_folder(install / "modules_forge") or "forge" in install.name.lower()
            return (FORGE if forge else A1111), A1111_LAYOUT, models
    return None


def scan_tree_root(root: AppRoot, budget: Budget) -> list[FoundModel]:
    kind = tree_kind(root.path)
    if kind is None:
        return []
    models_folder = kind[2]
    found: list[FoundModel] = []
    try:
        with os.scandir(models_folder) as entries:
            subfolders = sorted(e.name for e in entries if e.name.lower() in SUBFOLDER_ROLES)
    except OSError as exc:
        budget.problem(models_folder, f"folder skipped: {exc.strerror or exc}")
        return found
    for name in subfolders:
        found += scan_role_folder(AppRoot(root.app, models_folder / name, FOLDER_LAYOUT,
                                          SUBFOLDER_ROLES[name.lower()]), budget)
    if kind[1] == COMFYUI_LAYOUT:
        for extra in extra_roots(models_folder.parent / EXTRA_PATHS_FILE, root.app, budget):
            found += scan_role_folder(extra, budget)
    return found


def scan_role_folder(root: AppRoot, budget: Budget) -> list[FoundModel]:
    """A folder whose models all have one role (root.studio), named by their path in it."""
    return scan_tree(root.path, root.app, budget, studio=root.studio,
                     kinds=KINDS.get(root.studio, frozenset({SAFETENSORS})))


def extra_roots(config: Path, app: str, budget: Budget, expand=None) -> list[AppRoot]:
    """The folders an extra_model_paths.yaml (or the desktop app's extra_models_config.yaml)
    maps to the roles Atelier lists. Paths are relative to the group's base_path, itself
    relative to the file's folder; ~ and environment variables are expanded, as ComfyUI does
    (`expand(text) -> str` replaces this process's home and environment, for tests)."""
    expand = expand or _expand
    if not os.path.lexists(config):
        return []
    try:
        groups = read_yaml(config, budget.limits.max_config_bytes)
    except (OSError, ValueError) as exc:
        budget.problem(config, f"not followed: {exc}")
        return []
    roots = []
    for group in (groups.values() if isinstance(groups, dict) else ()):
        if not isinstance(group, dict):
            continue
        base = config.parent / expand(str(group.get("base_path") or ""))
        for key, role in YAML_ROLES.items():
            value = group.get(key)
            for line in (value.splitlines() if isinstance(value, str) else ()):
                folder = base / expand(line.strip())
                if line.strip() and is_folder(folder):
                    roots.append(AppRoot(app, folder, FOLDER_LAYOUT, role))
    return roots


def _expand(value: str) -> str:
    value = os.path.expanduser(value) if value.startswith("~") else value
    return _VARIABLE.sub(lambda m: os.environ.get(m[1] or m[2] or m[3], m[0]), value)
