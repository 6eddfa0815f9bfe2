"""Is a model already on this machine? Asked before a download, so that a model is never stored
twice: Atelier's own download of it (its manifest lists the files), or a copy another app keeps
(found by discovery), which is then used where it is.

    wanted = Wanted.for_entry(entry, quant)              # a catalog entry
    wanted = Wanted.for_request("publisher/name", "file.gguf", catalog)  # any repository
    copy = in_models_folder(wanted, models_folder)       # LocalCopy | None, reads one small file
    copy = in_other_apps(wanted, discover(...).models)   # LocalCopy | None

Another app's copy counts when it is the same repository and file (the Hugging Face cache
and LM Studio keep models under the repository's name), or has the same sha256 when the
catalog knows it: Ollama names its blobs by their sha256; any other file of the right size is
hashed (with hash_files=False, as a quick listing wants, only names are compared). A folder
model (a diffusers pipeline) counts when the repository's folder holds every file the catalog
tracks. No Qt; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

from desktop.core.models import catalog as catalog_io
from desktop.core.models.catalog import Catalog, CatalogEntry
from desktop.core.models.discovery_types import (DIFFUSERS, DIFFUSERS_PART, HF_CACHE, LM_STUDIO, TRANSFORMERS,
                                                 FoundModel)
from desktop.core.models.download_hashing import hash_file
from desktop.core.models.download_manifest import model_folder, read_manifest

ATELIER = "Atelier"
FOLDER_KINDS = frozenset({DIFFUSERS, DIFFUSERS_PART, TRANSFORMERS})
# Catalog kinds loaded from one file (Piper's .onnx.json rides along), and that file's suffix.
FILE_KINDS = {"gguf": ".gguf", "piper": ".onnx", "upscaler": ".safetensors", "single-file": ".safetensors",
              "motion-adapter-file": ".safetensors"}
# Apps that keep a model under its repository's name: publisher/name/... in the found name.
_REPO_NAMED = frozenset({HF_CACHE, LM_STUDIO})
_GLOB = frozenset("*?[")


@dataclass(frozen=True)
class WantedFile:
    path: str                # inside the repository
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Wanted:
    """What a download would bring: `main` is the file a studio loads (None for a folder
    model, or when a request names a pattern), `files` every file whose name is known."""
    repo: str
    main: WantedFile | None
    files: tuple[WantedFile, ...]
    folder: bool = False     # a folder model: the repository's folder is what is loaded

    @classmethod
    def for_entry(cls, entry: CatalogEntry, quant: str | None = None) -> "Wanted":
        files = tuple(WantedFile(f.path, f.size, f.sha256) for f in catalog_io.files_for(entry, quant))
        suffix = FILE_KINDS.get(entry.kind)
        if suffix is None:
            return cls(entry.source.repo, None, files, folder=True)
        main = next((f for f in files if f.path.lower().endswith(suffix)), files[0])
        return cls(entry.source.repo, main, files)

    @classmethod
    def for_request(cls, repo: str, file: str | None, catalog: Catalog | None = None) -> "Wanted":
        """`repo` (a folder model) or one `file` of it; a glob names nothing known in advance.
        Sizes and sha256 come from a catalog entry of the same repository when it lists them."""
        known = {f.path: f for e in (catalog.entries if catalog else ()) if e.source.repo.lower() == repo.lower()
                 for f in e.source.files}
        if file is None:
            return cls(repo, None, tuple(WantedFile(p, f.size, f.sha256) for p, f in known.items()), folder=True)
        if _GLOB & set(file):
            return cls(repo, None, ())
        item = known.get(file)
        main = WantedFile(file, item.size, item.sha256) if item else WantedFile(file)
        return cls(repo, main, (main,))


@dataclass(frozen=True)
class LocalCopy:
    path: Path       # what a studio loads: the file, or the model's folder
    source: str      # ATELIER, or the app that keeps it ("LM Studio", "Ollama", ...)
    how: str         # why it counts: "downloaded by Atelier", "same repository and file", ...


def in_models_folder(wanted: Wanted, models_folder: Path) -> LocalCopy | None:
    """Atelier's own complete download of `wanted`: its manifest lists every wanted file and
    each is in place; a folder model's last download also finished (a paused one resumes)."""
    if not wanted.files and not wanted.main:
        return None
    folder = model_folder(models_folder, wanted.repo)
    manifest = read_manifest(folder)
    if manifest is None or manifest.repo.lower() != wanted.repo.lower():
        return None
    for item in wanted.files:
        listed = manifest.file(item.path)
        if listed is None or not (folder / item.path).is_file():
            return None
        if item.sha256 and listed.sha256 != item.sha256:
            return None  # another version than the catalog's: a download replaces it
    if wanted.folder and not manifest.complete:
        return None
    path = folder / wanted.main.path if wanted.main else folder
    return LocalCopy(path, ATELIER, "downloaded by Atelier")


def in_other_apps(wanted: Wanted, found: Iterable[FoundModel], hash_files: bool = True) -> LocalCopy | None:
    """Another app's copy of `wanted`, by name first (cheap), then by sha256."""
    found = list(found)
    for model in found:
        how = _same_repository(wanted, model) or _same_digest_in_name(wanted, model)
        if how:
            return LocalCopy(Path(model.path), model.source, how)
    if hash_files:
        for model in found:
            if _same_content(wanted, model):
                return LocalCopy(Path(model.path), model.source, "same sha256")
    return None


def repository_of(model: FoundModel) -> str | None:
    """publisher/name for a model kept under its repository's name, else None."""
    parts = model.name.split("/")
    return "/".join(parts[:2]).lower() if model.source in _REPO_NAMED and len(parts) >= 2 else None


def _same_repository(wanted: Wanted, model: FoundModel) -> str | None:
    if repository_of(model) != wanted.repo.lower():
        return None
    if wanted.folder:
        if model.kind in FOLDER_KINDS and model.name.lower() == wanted.repo.lower() and _holds(model, wanted.files):
            return "same repository"
        return None
    if wanted.main and model.kind not in FOLDER_KINDS and _name(model.path) == _name(wanted.main.path):
        return "same repository and file"
    return None


def _holds(model: FoundModel, files: Iterable[WantedFile]) -> bool:
    root = Path(model.path)
    for item in files:
        path = root / item.path
        try:
            if not path.is_file() or (item.size is not None and path.stat().st_size != item.size):
                return False
        except OSError:
            return False
    return True


def _same_digest_in_name(wanted: Wanted, model: FoundModel) -> str | None:
    """Ollama's blobs are named sha256-<hex>: the content's hash without reading it."""
    sha = wanted.main.sha256 if wanted.main else None
    if sha and model.kind not in FOLDER_KINDS and _name(model.path) in (f"sha256-{sha}", f"sha256:{sha}"):
        return "same sha256"
    return None


def _same_content(wanted: Wanted, model: FoundModel) -> bool:
    """Hash a file that could be the wanted one: the right size, or the same name when the
    size is not known. A split model (several parts) is never hashed as one file."""
    main = wanted.main
    if main is None or not main.sha256 or model.kind in FOLDER_KINDS:
        return False
    if main.size is not None:
        candidate = model.size_bytes == main.size
    else:
        candidate = _name(model.path) == _name(main.path)
    try:
        return candidate and Path(model.path).is_file() and hash_file(Path(model.path)) == main.sha256
    except OSError:
        return False


def _name(path: str) -> str:
    return PurePosixPath(str(path).replace("\\", "/")).name.lower()
