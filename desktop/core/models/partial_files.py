"""Atelier's own partial files, so a download continues after the app was closed or killed.

A file being downloaded lives in `<models folder>/.partial/<key>.part` next to `<key>.json`, a
sidecar with what the bytes are (url, repo, revision, path, expected size and sha256, the hub's
etag). The key is derived from the repository and the path, not the revision: when a branch
moves, the etag and sha256 decide whether the bytes on disk still belong to the file. The sidecar
is written before the first byte, and the part file is written unbuffered, so after a kill -9
every byte on disk is described. The `.part` name keeps model scanners from taking a half file
for a model. A finished file is moved into place with one rename (same disk: `.partial/` sits in
the models folder), after an fsync."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from desktop.core.models.hub import RemoteFile, matching

PARTIAL_DIR = ".partial"
SIDECAR_FORMAT = 1


def partial_folder(models_folder: Path) -> Path:
    return Path(models_folder) / PARTIAL_DIR


@dataclass(frozen=True)
class PartialFile:
    folder: Path
    repo: str
    path: str

    @property
    def key(self) -> str:
        return hashlib.sha1(f"{self.repo}\0{self.path}".encode()).hexdigest()[:24]

    @property
    def data(self) -> Path:
        return self.folder / f"{self.key}.part"

    @property
    def sidecar(self) -> Path:
        return self.folder / f"{self.key}.json"

    def size(self) -> int:
        try:
            return self.data.stat().st_size
        except FileNotFoundError:
            return 0

    def read_sidecar(self) -> dict | None:
        try:
            value = json.loads(self.sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def resumable_bytes(self, remote: RemoteFile) -> int:
        """How many bytes on disk are a start of `remote`; a partial of another file (a new
        sha256 or size), without a sidecar, or longer than the file is discarded and gives 0."""
        recorded = self.read_sidecar()
        size = self.size()
        if (recorded is None or recorded.get("format") != SIDECAR_FORMAT or recorded.get("repo") != self.repo
                or recorded.get("path") != self.path or recorded.get("size") != remote.size
                or recorded.get("sha256") != remote.sha256 or size > remote.size):
            if size or recorded is not None:
                self.discard()
            return 0
        return size

    def etag(self) -> str | None:
        recorded = self.read_sidecar()
        return recorded.get("etag") if recorded else None

    def describe(self, remote: RemoteFile, revision: str, etag: str | None) -> None:
        """Write the sidecar (atomically) before any byte of the file is written."""
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"format": SIDECAR_FORMAT, "url": remote.url, "repo": self.repo, "revision": revision,
                  "path": self.path, "size": remote.size, "sha256": remote.sha256, "blob_id": remote.blob_id,
                  "etag": etag}
        temporary = self.sidecar.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(record, indent=1), encoding="utf-8")
        os.replace(temporary, self.sidecar)

    def open_for_append(self, start_over: bool):
        """The part file, unbuffered (a kill loses no written byte), emptied when starting over."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return open(self.data, "wb" if start_over else "ab", buffering=0)

    def discard(self) -> None:
        for path in (self.data, self.sidecar):
            path.unlink(missing_ok=True)

    def move_into_place(self, target: Path) -> None:
        with open(self.data, "rb+") as stream:
            os.fsync(stream.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.data, target)
        self.sidecar.unlink(missing_ok=True)


def discard_partials(models_folder: Path, repo: str, patterns: list[str] | None = None) -> None:
    """Delete the partial files of `repo` (those whose path matches `patterns`, when given)."""
    folder = partial_folder(models_folder)
    for sidecar in folder.glob("*.json"):
        try:
            recorded = json.loads(sidecar.read_text(encoding="utf-8"))
            path = str(recorded["path"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if recorded.get("repo") == repo and matching([path], patterns):
            PartialFile(folder, repo, path).discard()
