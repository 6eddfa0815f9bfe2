"""Models in Ollama's store, used in place. Ollama keeps every file once in blobs/, named
by its sha256 (sha256-<hex>; sha256:<hex> in old stores), and one JSON manifest per
model and tag in manifests/{registry}/{namespace}/{model}/{tag}. A manifest's "layers"
list names the blobs; the layer of media type application/vnd.ollama.image.model is the
weights — a GGUF file without extension — and a ...image.projector layer, when present,
the vision projector. Models are named as Ollama names them: llama3.2:1b for the default
registry's "library" namespace, namespace/model:tag for others on it, and the registry's
host in front for other registries (hf.co/org/repo:Q4_K_M).

Manifests are not trusted: one that is not a JSON object, too big, or names a digest
that is not a sha256 (a path like ../../x would escape blobs/) is skipped and said; so
is a missing blob, and a blob that does not start with the GGUF magic."""

from __future__ import annotations

import re
from pathlib import Path

from desktop.core.models.discovery_folders import GGUF_MAGIC
from desktop.core.models.discovery_types import GGUF, OLLAMA, TEXT, FoundModel
from desktop.core.models.discovery_walk import Budget, is_folder, read_json, read_magic, real_path, regular_file, walk

DEFAULT_REGISTRY = "registry.ollama.ai"
MODEL_LAYER = "application/vnd.ollama.image.model"
PROJECTOR_LAYER = "application/vnd.ollama.image.projector"
_DIGEST = re.compile(r"sha256[:\-]([0-9a-f]{64})")
# registry/namespace/model/tag; a little deeper is tolerated for namespaced registries.
MANIFEST_DEPTH = 6


def looks_like_store(path: Path) -> bool:
    return is_folder(path / "manifests") and is_folder(path / "blobs")


def model_name(parts: tuple[str, ...]) -> str:
    *repository, tag = parts
    if len(repository) >= 2 and repository[0] == DEFAULT_REGISTRY:
        repository = repository[1:]
        if len(repository) >= 2 and repository[0] == "library":
            repository = repository[1:]
    return f"{'/'.join(repository)}:{tag}"


def blob_path(store: Path, digest) -> Path | None:
    """The blob a layer's digest names, or None for a digest that is not a sha256."""
    match = _DIGEST.fullmatch(digest) if isinstance(digest, str) else None
    if match is None:
        return None
    for name in (f"sha256-{match[1]}", f"sha256:{match[1]}"):
        if regular_file(store / "blobs" / name):
            return store / "blobs" / name
    return store / "blobs" / f"sha256-{match[1]}"


def scan_ollama(store: Path, budget: Budget) -> list[FoundModel]:
    manifests = store / "manifests"
    found: list[FoundModel] = []
    for folder in walk(manifests, budget, max_depth=MANIFEST_DEPTH):
        for name in sorted(folder.files):
            if name.startswith("."):
                continue  # .DS_Store and the like
            parts = (folder.path / name).relative_to(manifests).parts
            if len(parts) < 2:
                continue
            model = _read_manifest(store, folder.path / name, parts, budget)
            if model is not None:
                found.append(model)
    return found


def _read_manifest(store: Path, path: Path, parts, budget: Budget) -> FoundModel | None:
    try:
        manifest = read_json(path, budget.limits.max_config_bytes)
    except (OSError, ValueError) as exc:
        budget.problem(path, f"Ollama manifest skipped: {exc}")
        return None
    layers = manifest.get("layers") if isinstance(manifest, dict) else None
    if not isinstance(layers, list):
        budget.problem(path, "Ollama manifest skipped: not a JSON object with a list of layers")
        return None
    by_type = {layer.get("mediaType"): layer.get("digest") for layer in layers if isinstance(layer, dict)}
    if MODEL_LAYER not in by_type:
        return None  # an adapter-only or cloud model: nothing to load here
    blob = blob_path(store, by_type[MODEL_LAYER])
    if blob is None:
        budget.problem(path, "Ollama manifest skipped: its model layer's digest is not a sha256")
        return None
    info = regular_file(blob)
    if info is None:
        budget.problem(path, f"Ollama model skipped: its weights ({blob.name}) are missing from blobs/")
        return None
    if read_magic(blob, 4) != GGUF_MAGIC:
        budget.problem(blob, "Ollama blob skipped: not a GGUF file (no GGUF magic)")
        return None
    projector = blob_path(store, by_type.get(PROJECTOR_LAYER))
    projector = str(projector) if projector is not None and regular_file(projector) else ""
    return FoundModel(str(blob), model_name(tuple(parts)), OLLAMA, GGUF, TEXT, info.st_size, real_path(blob),
                      projector=projector, detail=blob.name)
