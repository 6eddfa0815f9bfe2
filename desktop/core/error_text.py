"""Turn any exception into a message a person can act on."""

from __future__ import annotations

from desktop.core.errors import UserFacingError


def describe(exc: BaseException, log_hint: str = "") -> str:
    if isinstance(exc, UserFacingError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return ("The machine ran out of memory for this job. Close other models or apps, "
                "choose a smaller (more quantized) model, or lower the context length in Settings.")
    if isinstance(exc, FileNotFoundError):
        return f"A file the job needs is missing: {exc.filename or exc}. Was it moved or deleted?"
    if isinstance(exc, PermissionError):
        return f"Atelier may not read or write {exc.filename or 'a file it needs'}: check its permissions."
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    hint = f" Details are in the log ({log_hint})." if log_hint else ""
    return f"The job failed unexpectedly ({detail}).{hint}"
