"""Which processes are using a library right now.

Each process that opens a library holds a lease: a file under `<data>/leases/` that it keeps
locked for as long as it lives. The operating system drops the lock when the process ends,
however it ends (kill -9 included), so "is the owner of this row / temp file / staging
folder still alive?" is answered by trying the lock — a reused PID or a clock change cannot
fool it, and no heartbeat has to be written while the database is busy.

A token names the owner in rows (`generations.owner`, `staging.owner`) and in the names of
temp files (`.partial-<token>-...`), so recovery can tell whose leftovers it is looking at.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import time
from pathlib import Path

SUFFIX = ".lease"


class Lease:
    """This process's claim on one library folder; `release()` (or process death) ends it."""

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.path = folder / f"{self.token}{SUFFIX}"
        self._handle = open(self.path, "w+", encoding="utf-8")
        if not _try_lock(self._handle):  # cannot happen for a fresh name; be loud if it does
            self._handle.close()
            raise OSError(f"could not lock {self.path}")
        # What a person sees when they look at the folder; not read by the code.
        self._handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                       "started": time.time(), "program": " ".join(sys.argv[:2])}))
        self._handle.flush()

    def release(self) -> None:
        if self._handle.closed:
            return
        _unlock(self._handle)
        self._handle.close()
        self.path.unlink(missing_ok=True)


class NoLease:
    """Stands in for a lease where none can be written (a read-only library folder): such a
    process changes nothing, so nobody needs to know it is alive."""

    def __init__(self):
        self.token = f"{os.getpid()}-00000000"

    def release(self) -> None:
        pass


def token_of(name: str) -> str | None:
    """The owner token at the start of `name` ("<pid>-<hex>..."), or None."""
    parts = name.split("-", 2)
    if len(parts) >= 2 and parts[0].isdigit() and len(parts[1]) >= 8:
        return f"{parts[0]}-{parts[1][:8]}"
    return None


def live_tokens(folder: Path) -> set[str]:
    """Tokens of the processes whose lease is still held. Leases whose owner died are removed."""
    live: set[str] = set()
    if not folder.exists():
        return live
    for path in folder.glob(f"*{SUFFIX}"):
        token = path.name[: -len(SUFFIX)]
        try:
            handle = open(path, "r+", encoding="utf-8")
        except OSError:
            # Unopenable (Windows keeps a held file busy; a read-only copy of the library)
            live.add(token)
            continue
        with handle:
            if _try_lock(handle):
                _unlock(handle)
                dead = True
            else:
                dead = False
        if dead:
            try:
                path.unlink(missing_ok=True)
            except OSError:  # a read-only library folder: nothing to tidy there
                pass
        else:
            live.add(token)
    return live


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle) -> bool:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
else:
    import fcntl

    def _try_lock(handle) -> bool:
        # flock locks belong to the open file description, so a second open of the same
        # lease, even in the same process, is refused while the first holds it.
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(handle) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
