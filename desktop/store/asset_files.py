"""Files that generations produce: written to a temp name, fsynced, then renamed into place,
so a crash never leaves a half-written file under a final name."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from desktop.store.leases import token_of

TEMP_PREFIX = ".partial-"


@dataclass
class WrittenFile:
    path: Path          # final absolute path
    relative: str       # path relative to the data folder, as stored in the database
    sha256: str
    size_bytes: int


def planned_file(root: Path, relative: str, data: bytes) -> WrittenFile:
    """What write_atomically(root, relative, data) will report, known before it runs."""
    return WrittenFile(root / relative, relative, hashlib.sha256(data).hexdigest(), len(data))


def write_atomically(root: Path, relative: str, data: bytes, owner: str = "") -> WrittenFile:
    """`owner` (a lease token) goes into the temp name, so recovery removes a partial file
    only when the process writing it is gone."""
    final = root / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{owner}-" if owner else TEMP_PREFIX, dir=final.parent)
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
    return planned_file(root, relative, data)


def partial_file(root: Path, relative: str, owner: str = "") -> Path:
    """A new empty temp file beside `relative`'s final place, for a result written bit by bit
    (a long speech); named as write_atomically's are, so recovery treats it the same way."""
    final = root / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{owner}-" if owner else TEMP_PREFIX, dir=final.parent)
    os.close(fd)
    return Path(tmp)


def planned_from(root: Path, relative: str, partial: Path) -> WrittenFile:
    """What moving the finished `partial` file into place will report."""
    return WrittenFile(root / relative, relative, sha256_of_file(partial), partial.stat().st_size)


def move_into_place(partial: Path, final: Path) -> None:
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    os.chmod(partial, 0o644)  # mkstemp makes files private; outputs are ordinary files
    os.replace(partial, final)


def leftover_temp_files(root: Path, live: set[str]) -> list[Path]:
    """Partial files under root whose writer is gone (a file without an owner token in its
    name predates leases: nobody is writing it any more)."""
    if not root.exists():
        return []
    return [path for path in root.rglob(f"{TEMP_PREFIX}*")
            if token_of(path.name[len(TEMP_PREFIX):]) not in live]


def remove_path(path: Path) -> None:
    """Delete a file or a whole folder (never following a link out of it)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def sha256_of_file(path: Path, chunk: int = 4 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
