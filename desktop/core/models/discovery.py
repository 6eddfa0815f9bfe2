"""Models other apps already keep on this computer, found and used where they are — never
copied, moved or written to.

The API, for the model lists and the Models window:

    roots = standard_locations(Path.home(), os.environ, sys.platform)   # -> [AppRoot]
    root = identify_root(Path(folder_a_person_added))                    # -> AppRoot
    found = scan(root)                                                   # -> [FoundModel]
    result = scan_detailed(root)      # Scan: .models, .problems (unreadable, skipped), .truncated
    result = discover(extra=[root])   # every standard place plus added roots, one listing per file

AppRoot(app, path, layout, studio) is a place: `app` names the source ("LM Studio",
"Ollama", "Hugging Face cache", "GPT4All", "Jan", "ComfyUI", "AUTOMATIC1111", "Forge",
"Folder"), `layout` how it is read.

FoundModel(path, name, source, kind, studio, size_bytes, real_path, projector, detail) is
one model. `path` is what to hand to a loader; `kind` says which: "gguf" (a GGUF file —
Ollama's blobs have no extension), "diffusers" (a pipeline folder), "diffusers-component"
(one diffusers model folder, e.g. a TAESD AutoencoderTiny; `detail` is its _class_name),
"safetensors" (a single file: checkpoint, VAE, upscaler or LoRA), "onnx-voice" (a Piper
voice), "transformers" (a folder; `detail` is its model_type). `studio` is a hint from
where the model sits — "text", "image", "upscaler", "vae", "lora", "audio" or "unknown" —
the studio's registry reads the file's header and decides. `real_path` (links resolved)
identifies a file listed twice (Jan linking LM Studio's folder, the HF cache's blobs).

Safety: scans read folder listings, small JSON/YAML configuration files (size-limited)
and the first bytes of model files (their magic); they never open what is not a regular
file, never unpickle, never follow a link loop, and stop at limits of depth, entries and
time (ScanLimits). A scan never raises for what it finds on disk: what it cannot use is a
ModelProblem in Scan.problems. Scans are synchronous and can take a while on a large tree:
run them off the GUI thread."""

from __future__ import annotations

import os
import sys
from itertools import islice
from pathlib import Path
from typing import Iterable, Mapping

from desktop.core.models.comfyui_a1111 import scan_role_folder, scan_tree_root, tree_kind
from desktop.core.models.discovery_chat_apps import jan_model_folders, scan_gpt4all, scan_jan, scan_lm_studio
from desktop.core.models.discovery_folders import scan_tree
from desktop.core.models.discovery_locations import standard_locations
from desktop.core.models.discovery_types import (A1111_LAYOUT, COMFYUI_LAYOUT, FOLDER, FOLDER_LAYOUT,
                                                 GPT4ALL_LAYOUT, HF_CACHE, HF_LAYOUT, JAN, JAN_LAYOUT, LM_STUDIO,
                                                 LM_STUDIO_LAYOUT, OLLAMA, OLLAMA_LAYOUT, AppRoot, FoundModel, Scan)
from desktop.core.models.discovery_walk import Budget, ScanLimits, is_folder
from desktop.core.models.hf_cache import looks_like_cache, scan_hf_cache
from desktop.core.models.ollama_library import looks_like_store, scan_ollama

__all__ = ["AppRoot", "FoundModel", "Scan", "ScanLimits", "standard_locations", "identify_root", "scan",
           "scan_detailed", "discover"]


def identify_root(path: Path) -> AppRoot:
    """What a folder a person added is, by its structure (never by its name alone); a plain
    folder when no app's structure matches. A parent of the real root is accepted where
    people are likely to pick it (~/.ollama, ~/.cache/huggingface, ~/.lmstudio)."""
    path = Path(path)
    if looks_like_store(path):
        return AppRoot(OLLAMA, path, OLLAMA_LAYOUT)
    if looks_like_store(path / "models"):
        return AppRoot(OLLAMA, path / "models", OLLAMA_LAYOUT)
    for cache in (path, path / "hub"):
        if looks_like_cache(cache):
            return AppRoot(HF_CACHE, cache, HF_LAYOUT)
    kind = tree_kind(path)
    if kind is not None:
        return AppRoot(kind[0], path, kind[1])
    if jan_model_folders(path) and is_folder(path / "llamacpp"):
        return AppRoot(JAN, path, JAN_LAYOUT)
    for folder in (path, path / "models"):
        if _publisher_model_layout(folder):
            return AppRoot(LM_STUDIO, folder, LM_STUDIO_LAYOUT)
    return AppRoot(FOLDER, path, FOLDER_LAYOUT)


def _publisher_model_layout(path: Path, sample: int = 32) -> bool:
    """LM Studio's models/{publisher}/{model}/*.gguf: GGUFs two levels down and none above."""
    try:
        top = _first(path, sample * 8)
        if any(e.name.lower().endswith(".gguf") for e in top):
            return False
        for publisher in [e for e in top if _dir(e)][:sample]:
            for model in [e for e in _first(publisher.path, sample * 8) if _dir(e)][:sample]:
                if any(f.name.lower().endswith(".gguf") for f in _first(model.path, sample * 8)):
                    return True
    except OSError:
        return False
    return False


def _first(path, count: int) -> list[os.DirEntry]:
    with os.scandir(path) as entries:
        return list(islice(entries, count))


def _dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


_SCANNERS = {
    HF_LAYOUT: lambda root, budget: scan_hf_cache(root.path, budget),
    OLLAMA_LAYOUT: lambda root, budget: scan_ollama(root.path, budget),
    LM_STUDIO_LAYOUT: lambda root, budget: scan_lm_studio(root.path, budget),
    GPT4ALL_LAYOUT: lambda root, budget: scan_gpt4all(root.path, budget),
    JAN_LAYOUT: lambda root, budget: scan_jan(root.path, budget),
    COMFYUI_LAYOUT: scan_tree_root,
    A1111_LAYOUT: scan_tree_root,
}


def scan_detailed(root: AppRoot, limits: ScanLimits | None = None) -> Scan:
    budget = Budget(limits or ScanLimits())
    if root.layout in _SCANNERS:
        models = _SCANNERS[root.layout](root, budget)
    elif root.studio:
        models = scan_role_folder(root, budget)
    else:
        models = scan_tree(root.path, root.app, budget)
    return Scan(_once(models), budget.problems, budget.truncated)


def scan(root: AppRoot, limits: ScanLimits | None = None) -> list[FoundModel]:
    return scan_detailed(root, limits).models


def discover(home: Path | None = None, environ: Mapping[str, str] | None = None, platform: str | None = None,
             extra: Iterable[AppRoot] = (), limits: ScanLimits | None = None, system_root: Path = Path("/")) -> Scan:
    """Every standard place and the `extra` roots, each file listed once (first root wins).
    The defaults are this machine's home, environment and platform."""
    roots = standard_locations(Path.home() if home is None else home, os.environ if environ is None else environ,
                               sys.platform if platform is None else platform, system_root)
    result = Scan()
    for root in [*roots, *extra]:
        result.extend(scan_detailed(root, limits))
    result.models = _once(result.models)
    return result


def _once(models: list[FoundModel]) -> list[FoundModel]:
    kept, seen = [], set()
    for model in models:
        if model.real_path not in seen:
            seen.add(model.real_path)
            kept.append(model)
    return kept
