"""Walking folders that other apps (or a person) filled, without trusting them: a folder
met twice through links is walked once (no symlink loop), depth, entries and time are
bounded, a folder that cannot be read is skipped and said, and nothing that is not a
regular file is ever opened — a FIFO named model.gguf would block a plain open() forever,
a device would read without end. Reads are small: a model file gives at most its first
bytes (its magic), a configuration file is refused above a size limit before it is read.
Nothing here writes."""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from desktop.core.model_registry import ModelProblem

# O_NONBLOCK: opening a FIFO does not wait for a writer; O_NOCTTY: a terminal device never
# becomes ours. Neither exists on Windows, where FIFOs cannot sit in a folder anyway.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class ScanLimits:
    max_depth: int = 12              # below a root; the deepest real layout (HF cache) needs 5
    max_entries: int = 300_000       # folder entries looked at in one scan
    max_seconds: float = 30.0        # a slow network mount must not hold the scan forever
    max_config_bytes: int = 1 << 20  # a manifest or config file larger than this is refused


@dataclass
class Budget:
    """One scan's allowance, shared by every walk in it. `exhausted`: entries or time ran
    out and the scan stops; `too_deep`: some folders were not entered (the scan goes on)."""
    limits: ScanLimits = field(default_factory=ScanLimits)
    entries: int = 0
    exhausted: bool = False
    too_deep: bool = False
    problems: list[ModelProblem] = field(default_factory=list)
    deadline: float = 0.0

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.limits.max_seconds

    @property
    def truncated(self) -> bool:
        return self.exhausted or self.too_deep

    def spend(self, count: int = 1) -> bool:
        """False once the scan must stop."""
        self.entries += count
        if self.entries > self.limits.max_entries or time.monotonic() > self.deadline:
            self.exhausted = True
        return not self.exhausted

    def problem(self, path: Path | str, message: str) -> None:
        self.problems.append(ModelProblem(str(path), message))


@dataclass
class Folder:
    """One folder met by `walk`: its subfolders (names; clear or edit the list to not go
    into them) and its regular files (name -> stat, links followed)."""
    path: Path
    depth: int
    dirs: list[str]
    files: dict[str, os.stat_result]


def walk(root: Path, budget: Budget, max_depth: int | None = None) -> Iterator[Folder]:
    """Top-down walk that follows links to folders (people link shared model folders) but
    enters each real folder once. Entries that are neither folders nor regular files
    (FIFOs, sockets, devices, broken links) are left out."""
    max_depth = budget.limits.max_depth if max_depth is None else max_depth
    seen: set[tuple[int, int]] = set()
    try:
        top = os.stat(root)
    except OSError as exc:
        budget.problem(root, f"cannot be read: {exc.strerror or exc}")
        return
    if not stat.S_ISDIR(top.st_mode):
        return
    seen.add((top.st_dev, top.st_ino))
    stack = [(Path(root), 0)]
    while stack and not budget.exhausted:
        path, depth = stack.pop()
        folder = _read_folder(path, depth, budget, seen)
        if folder is None:
            continue
        yield folder
        if depth < max_depth:
            stack += [(path / name, depth + 1) for name in sorted(folder.dirs, reverse=True)]
        elif folder.dirs:
            budget.too_deep = True


def _read_folder(path: Path, depth: int, budget: Budget, seen: set) -> Folder | None:
    dirs: list[str] = []
    files: dict[str, os.stat_result] = {}
    try:
        with os.scandir(path) as entries:
            for entry in entries:
                if not budget.spend():
                    break
                try:
                    info = entry.stat()  # follows links; a loop or a dangling link raises
                except OSError:
                    continue
                if stat.S_ISDIR(info.st_mode):
                    key = (info.st_dev, info.st_ino)
                    if key not in seen:
                        seen.add(key)
                        dirs.append(entry.name)
                elif stat.S_ISREG(info.st_mode):
                    files[entry.name] = info
    except OSError as exc:  # permission denied, vanished, not a folder after all
        budget.problem(path, f"folder skipped: {exc.strerror or exc}")
        return None
    return Folder(path, depth, dirs, files)


def regular_file(path: Path) -> os.stat_result | None:
    """The file's stat (links followed) when it is a regular file, else None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) else None


def is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def _read_regular(path: Path, count: int, size_limit: int | None) -> bytes:
    """Up to `count` bytes of a regular file. The type is checked on the opened descriptor,
    so a file swapped for a FIFO between stat and open is still refused."""
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{Path(path).name} is not a regular file")
        if size_limit is not None and info.st_size > size_limit:
            raise ValueError(f"{Path(path).name} is {info.st_size} bytes, over the {size_limit}-byte limit")
        chunks, left = [], count
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_magic(path: Path, count: int = 16) -> bytes:
    """The first bytes of a model file; b"" when it cannot be read or is not a regular file."""
    try:
        return _read_regular(path, count, None)
    except (OSError, ValueError):
        return b""


def read_small(path: Path, limit: int) -> bytes:
    """A whole small file (a manifest, a ref, a settings file). Raises OSError when it cannot
    be read, ValueError when it is not a regular file or is over `limit` bytes."""
    data = _read_regular(path, limit + 1, limit)
    if len(data) > limit:  # grew while being read
        raise ValueError(f"{Path(path).name} is over the {limit}-byte limit")
    return data


def read_json(path: Path, limit: int):
    """A small JSON file's value. Raises OSError or ValueError (not JSON, too big, too deep)."""
    try:
        return json.loads(read_small(path, limit).decode("utf-8"))
    except RecursionError:
        raise ValueError(f"{Path(path).name} is nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError(f"{Path(path).name} is not UTF-8 text") from None


def read_yaml(path: Path, limit: int):
    """A small YAML file's value through PyYAML's safe loader (no object construction).
    PyYAML comes with huggingface_hub and transformers; without it, None — the folders a
    YAML file names are then simply not followed. Raises OSError or ValueError."""
    try:
        import yaml
    except ImportError:
        return None
    try:
        return yaml.safe_load(read_small(path, limit).decode("utf-8"))
    except (yaml.YAMLError, RecursionError, UnicodeDecodeError) as exc:
        raise ValueError(f"{Path(path).name} is not readable YAML: {type(exc).__name__}") from None


def real_path(path: Path) -> str:
    return os.path.realpath(path)
