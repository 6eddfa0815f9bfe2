"""sha256 of a file while it downloads, on a second thread (as GPT4All hashes beside its
transfer): hashlib releases the GIL on large buffers, so on a machine with a core to spare the
check costs no download time. A resumed file's bytes already on disk are hashed first (a hash
state cannot be saved across runs), from a separate handle, while new bytes arrive."""

from __future__ import annotations

import hashlib
import queue
import threading
from pathlib import Path

_BLOCK = 1 << 20
_END = None


def hash_file(path: Path, name: str = "sha256", prefix: bytes = b"", length: int | None = None) -> str:
    digest = hashlib.new(name, prefix)
    _update_from_file(digest, path, length)
    return digest.hexdigest()


def git_blob_id(path: Path) -> str:
    """The git object id of a file's content: what the hub lists for a file kept in git."""
    size = Path(path).stat().st_size
    return hash_file(path, "sha1", prefix=f"blob {size}\0".encode())


def _update_from_file(digest, path: Path, length: int | None) -> None:
    left = length
    with open(path, "rb") as stream:
        while left is None or left > 0:
            block = stream.read(_BLOCK if left is None else min(_BLOCK, left))
            if not block:
                break
            digest.update(block)
            if left is not None:
                left -= len(block)


class BackgroundHasher:
    """feed() chunks in order, then finish() for the hex digest. The queue is bounded, so a
    slow hash slows the download instead of filling memory."""

    def __init__(self, existing: Path | None = None, existing_length: int = 0, max_queued: int = 16):
        self._digest = hashlib.sha256()
        self._queue: queue.Queue = queue.Queue(maxsize=max_queued)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(existing, existing_length),
                                        name="download-hash", daemon=True)
        self._thread.start()

    def _run(self, existing: Path | None, existing_length: int) -> None:
        try:
            if existing is not None and existing_length:
                _update_from_file(self._digest, existing, existing_length)
        except BaseException as exc:  # reported by finish(); keep draining so feed() never blocks
            self._error = exc
        while (chunk := self._queue.get()) is not _END:
            if self._error is None:
                self._digest.update(chunk)

    def feed(self, chunk: bytes) -> None:
        self._queue.put(chunk)

    def finish(self) -> str:
        self._queue.put(_END)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._digest.hexdigest()

    def abandon(self) -> None:
        """Stop the thread after a failed or stopped transfer; the digest is not wanted."""
        self._error = self._error or RuntimeError("abandoned")
        self._queue.put(_END)
        self._thread.join()
