"""Files that generations produce: written to a temp name, fsynced, then renamed into place,
so a crash never leaves a half-written file under a final name."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

TEMP_PREFIX = ".partial-"


@dataclass
class WrittenFile:
    path: Path          # final absolute path
    relative: str       # path relative to the data folder, as stored in the database
    sha256: str
    size_bytes: int


def write_atomically(root: Path, relative: str, data: bytes) -> WrittenFile:
    final = root / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=final.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return WrittenFile(final, relative, hashlib.sha256(data).hexdigest(), len(data))


def remove_leftover_temp_files(root: Path) -> int:
    """Delete partial files left by a crash mid-write; returns how many were removed."""
    removed = 0
    if not root.exists():
        return 0
    for leftover in root.rglob(f"{TEMP_PREFIX}*"):
        leftover.unlink(missing_ok=True)
        removed += 1
    return removed


def sha256_of_file(path: Path, chunk: int = 4 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
