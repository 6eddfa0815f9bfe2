"""Models in the Hugging Face hub cache, used in place. The cache keeps one folder per
repository, models--{org}--{name}, with the files' contents in blobs/ (named by hash),
one folder per downloaded revision in snapshots/{commit}/ whose files link into blobs/
(on Windows without symlink rights they are plain copies), and refs/main naming the
commit the main branch pointed to when last downloaded. The snapshot of refs/main is
read (else the newest snapshot); datasets--* and spaces--* folders are not models."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from desktop.core.models.discovery_folders import scan_tree
from desktop.core.models.discovery_types import HF_CACHE, FoundModel
from desktop.core.models.discovery_walk import Budget, is_folder, read_small

REPO_PREFIX = "models--"
_COMMIT = re.compile(r"[0-9a-f]{40}")
_MAX_REF_BYTES = 256


def repo_id(folder_name: str) -> str:
    """models--org--name -> org/name (a repository without an org: models--gpt2 -> gpt2)."""
    return "/".join(folder_name[len(REPO_PREFIX):].split("--"))


def looks_like_cache(path: Path, sample: int = 64) -> bool:
    """A models--*/snapshots folder among the first `sample` entries."""
    try:
        with os.scandir(path) as entries:
            for index, entry in enumerate(entries):
                if index >= sample:
                    break
                if entry.name.startswith(REPO_PREFIX) and is_folder(Path(entry.path) / "snapshots"):
                    return True
    except OSError:
        return False
    return False


def snapshot(repo: Path, budget: Budget) -> Path | None:
    """The snapshot refs/main names, else the newest one."""
    snapshots = repo / "snapshots"
    try:
        ref = read_small(repo / "refs" / "main", _MAX_REF_BYTES).decode("ascii", "replace").strip()
    except (OSError, ValueError):
        ref = ""
    if _COMMIT.fullmatch(ref) and is_folder(snapshots / ref):
        return snapshots / ref
    newest, newest_time = None, -1.0
    try:
        with os.scandir(snapshots) as entries:
            for entry in entries:
                if not budget.spend():
                    break
                try:
                    info = entry.stat()
                except OSError:
                    continue
                if stat.S_ISDIR(info.st_mode) and info.st_mtime > newest_time:
                    newest, newest_time = Path(entry.path), info.st_mtime
    except OSError as exc:
        budget.problem(snapshots, f"folder skipped: {exc.strerror or exc}")
    return newest


def scan_hf_cache(root: Path, budget: Budget) -> list[FoundModel]:
    found: list[FoundModel] = []
    try:
        with os.scandir(root) as entries:
            repos = sorted(Path(e.path) for e in entries if e.name.startswith(REPO_PREFIX))
    except OSError as exc:
        budget.problem(root, f"folder skipped: {exc.strerror or exc}")
        return found
    for repo in repos:
        if not budget.spend():
            break
        revision = snapshot(repo, budget)
        if revision is not None:
            found += scan_tree(revision, HF_CACHE, budget, prefix=repo_id(repo.name))
    return found
