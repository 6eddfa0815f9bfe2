"""Where downloaded models land and the record of what Atelier put there.

A repository's files go to `<models folder>/<publisher>/<name>/<path in repo>`: plain folders as
LM Studio keeps them, which other tools can open and Atelier's model scanners find, holding one
copy of each file (the Hugging Face cache's blobs-and-symlinks layout would need symlinks, which
Windows often refuses, and names files by hash). Next to them, `atelier-download.json` records
the repository, the commit the files came from, each file with its size, sha256 and how it was
verified, and the date: the app may delete the files listed there, never others."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from desktop.core.json_files import read_object

MANIFEST_NAME = "atelier-download.json"
MANIFEST_FORMAT = 1


def model_folder(models_folder: Path, repo: str) -> Path:
    publisher, name = repo.split("/")
    return Path(models_folder) / publisher / name


@dataclass(frozen=True)
class ManifestFile:
    path: str  # inside the repository and the model's folder, "/"-separated
    size: int
    sha256: str  # of the bytes written (computed here, whatever the hub published)
    verified_by: str  # "sha256" (the hub's), "git-sha1" (the hub's git object id) or "size" only


@dataclass(frozen=True)
class DownloadManifest:
    folder: Path
    repo: str
    revision: str
    commit: str
    endpoint: str
    complete: bool  # the last download into this folder got every file it asked for
    downloaded_at: str  # ISO 8601, UTC
    files: tuple[ManifestFile, ...]

    def file(self, path: str) -> ManifestFile | None:
        return next((f for f in self.files if f.path == path), None)

    def paths(self) -> list[Path]:
        """The files Atelier downloaded here (the only ones it may delete)."""
        return [self.folder / f.path for f in self.files]

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)


def read_manifest(folder: Path) -> DownloadManifest | None:
    """The manifest of one model folder, or None when there is none or it cannot be read."""
    try:
        data = read_object(Path(folder) / MANIFEST_NAME)
        files = tuple(ManifestFile(str(f["path"]), int(f["size"]), str(f["sha256"]), str(f["verified_by"]))
                      for f in data.get("files", []))
        return DownloadManifest(Path(folder), str(data["repo"]), str(data.get("revision", "")),
                                str(data["commit"]), str(data.get("endpoint", "")), bool(data.get("complete")),
                                str(data.get("downloaded_at", "")), files)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def read_manifests(models_folder: Path) -> list[DownloadManifest]:
    """Every model Atelier downloaded into `models_folder` (publisher/name folders), by repo."""
    found = (read_manifest(path.parent) for path in Path(models_folder).glob(f"*/*/{MANIFEST_NAME}"))
    return sorted((m for m in found if m is not None), key=lambda m: m.repo.lower())


def record(folder: Path, *, repo: str, revision: str, commit: str, endpoint: str,
           files: list[ManifestFile], complete: bool) -> DownloadManifest:
    """Add `files` to the folder's manifest (files of an earlier download stay listed: two
    quantizations of one repository share a folder), written atomically."""
    previous = read_manifest(folder)
    by_path = {f.path: f for f in previous.files} if previous and previous.repo == repo else {}
    by_path.update({f.path: f for f in files})
    manifest = DownloadManifest(Path(folder), repo, revision, commit, endpoint, complete,
                                datetime.now(timezone.utc).isoformat(timespec="seconds"),
                                tuple(sorted(by_path.values(), key=lambda f: f.path)))
    data = {"format": MANIFEST_FORMAT, "repo": repo, "revision": revision, "commit": commit,
            "endpoint": endpoint, "complete": complete, "downloaded_at": manifest.downloaded_at,
            "files": [vars(f) for f in manifest.files]}
    Path(folder).mkdir(parents=True, exist_ok=True)
    temporary = Path(folder) / f".{MANIFEST_NAME}.tmp"
    temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(temporary, Path(folder) / MANIFEST_NAME)
    return manifest
