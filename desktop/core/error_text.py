"""Turn any exception into a message a person can act on."""

from __future__ import annotations

import errno
import sqlite3

from desktop.core.errors import UserFacingError


def describe(exc: BaseException, log_hint: str = "") -> str:
    if isinstance(exc, UserFacingError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return ("The machine ran out of memory for this job. Close other models or apps, "
                "choose a smaller (more quantized) model, or lower the context length in Settings.")
    if isinstance(exc, FileNotFoundError):
        return f"A file the job needs is missing: {exc.filename or exc}. Was it moved or deleted?"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        where = f" (writing {exc.filename})" if exc.filename else ""
        return f"The disk is full{where}. Free some space, then try again; nothing already kept was changed."
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return (f"{exc.filename or 'The folder'} is on a read-only disk. Choose a writable data folder "
                "(Settings, or --data-dir).")
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc).lower()
        if "readonly" in text or "read-only" in text:
            return ("The library is read-only (its folder or database file cannot be written): browsing, "
                    "searching and exporting work, but nothing new can be saved. Choose a writable data folder "
                    "(Settings, or --data-dir), or make that folder writable.")
        if "full" in text:
            return ("The library's database is full: the disk holding it has no space left (or its size limit "
                    "was reached). Free some space, then try again; nothing already kept was changed.")
        if "locked" in text or "busy" in text:
            return ("Another Atelier process is holding the library; try again when it has finished "
                    "(or close it).")
    if isinstance(exc, PermissionError):
        return f"Atelier may not read or write {exc.filename or 'a file it needs'}: check its permissions."
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    hint = f" Details are in the log ({log_hint})." if log_hint else ""
    return f"The job failed unexpectedly ({detail}).{hint}"
