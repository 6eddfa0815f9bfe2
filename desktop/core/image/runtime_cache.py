"""The optional runtime's converted models on disk, kept within a size bound.

Layout under the runtime's folder: `ir/<key>/` holds a converted module (its IR) and
`compiled/<key>/<precision>/` the blobs OpenVINO compiled from it, so each entry can be dropped
whole. A real UNet is 1.7–3.5 GB of IR plus as much compiled, per precision; without a bound a
person who tries five checkpoints would keep 30 GB of conversions they never see. Entries are
dropped least recently used first once the total passes the bound (never those in use), and
the Models window can drop them all.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

IR, COMPILED = "ir", "compiled"
USED_MARK = "last-used"  # its mtime: when the entry was last loaded
# About three SD 1.x/2.x models in two precisions, or one SDXL model: what a person switching
# between their few favourite models reuses, at most a sixth of a typical free disk.
LIMIT_BYTES = 24 * 1024**3


def default_folder() -> Path:
    """The runtime cache the app and the CLI share: converted models under the cache folder."""
    from desktop import paths

    return paths.cache_dir() / "image-runtime"


@dataclass(frozen=True)
class Entry:
    key: str
    size_bytes: int
    last_used: float


def folder_bytes(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name), follow_symlinks=False).st_size
            except OSError:  # removed meanwhile
                pass
    return total


def compiled_folder(root: Path, key: str) -> Path:
    return Path(root) / COMPILED / key


def mark_used(root: Path, key: str) -> None:
    mark = Path(root) / IR / key / USED_MARK
    try:
        mark.touch()  # sets the mtime of one that exists
    except OSError as exc:  # a read-only cache still works, it is only never pruned
        log.info("could not mark %s as used: %s", key, exc)


def entries(root: Path) -> list[Entry]:
    """Every converted module, least recently used first (never-marked ones by their IR's age)."""
    found = []
    ir = Path(root) / IR
    if not ir.is_dir():
        return []
    for folder in ir.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):  # .<key>-xxxx: a conversion under way
            continue
        mark = folder / USED_MARK
        try:
            used = (mark if mark.exists() else folder).stat().st_mtime
        except OSError:
            continue
        size = folder_bytes(folder) + folder_bytes(compiled_folder(root, folder.name))
        found.append(Entry(folder.name, size, used))
    return sorted(found, key=lambda e: e.last_used)


def total_bytes(root: Path) -> int:
    return folder_bytes(Path(root)) if Path(root).is_dir() else 0


def drop(root: Path, key: str) -> None:
    shutil.rmtree(Path(root) / IR / key, ignore_errors=True)
    shutil.rmtree(compiled_folder(root, key), ignore_errors=True)


def prune(root: Path, keep: set[str], limit: int = LIMIT_BYTES) -> list[str]:
    """Drop compiled blobs without an IR (an older layout, a dropped entry), then the least
    recently used entries not in `keep` until the total is within `limit`. Returns the keys
    dropped."""
    root = Path(root)
    listed = entries(root)
    known = {e.key for e in listed}
    compiled = root / COMPILED
    if compiled.is_dir():
        for folder in compiled.iterdir():
            if folder.name not in known:
                shutil.rmtree(folder, ignore_errors=True)
    total, dropped = sum(e.size_bytes for e in listed), []
    for entry in listed:
        if total <= limit:
            break
        if entry.key in keep:
            continue
        drop(root, entry.key)
        total -= entry.size_bytes
        dropped.append(entry.key)
        log.info("dropped the converted %s (%.1f GB, last used %s): over the %.0f GB bound", entry.key,
                 entry.size_bytes / 1e9, time.ctime(entry.last_used), limit / 1e9)
    return dropped


def clear(folder: Path) -> int:
    """Remove every converted model under the runtime cache `folder`; the bytes freed. A model
    loaded now keeps running (its compiled form is in memory) and is converted again on its
    next load."""
    folder = Path(folder)
    size = total_bytes(folder)
    shutil.rmtree(folder, ignore_errors=True)
    return size - total_bytes(folder)
