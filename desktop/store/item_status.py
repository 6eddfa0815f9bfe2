"""What became of a generation, as the Library filters and marks it: finished; stopped by
the person (a text keeps its partial reply); failed (its reason kept); or finished once but
its file is gone. The library check's repair records that last case as a failure with the
fixed sentence below, so the item stays in the library with its prompt and is shown as
"file missing" instead of vanishing (generations.status allows no fifth value without a
migration, and the sentence already names the path a person may want to locate)."""

from __future__ import annotations

FINISHED, STOPPED, FAILED, MISSING, ALL = "finished", "stopped", "failed", "missing", "all"
SHOWN = (FINISHED, STOPPED, FAILED, MISSING, ALL)

_MISSING_START, _MISSING_END = "The file ", " is missing from the library folder."
_MISSING_LIKE = f"{_MISSING_START}%{_MISSING_END}"
_IS_MISSING = "(g.status = 'failed' AND g.error LIKE ?)"


def missing_file_reason(relative: str) -> str:
    """The error the repair writes on an item whose file is gone."""
    return f"{_MISSING_START}{relative}{_MISSING_END}"


def missing_path(status: str, error: str) -> str | None:
    """The library-relative path a "file missing" item lost, or None for any other item."""
    if status != "failed" or not (error.startswith(_MISSING_START) and error.endswith(_MISSING_END)):
        return None
    return error[len(_MISSING_START):-len(_MISSING_END)] or None


def state(status: str, error: str) -> str:
    """One of FINISHED, STOPPED, FAILED, MISSING for a stored row (a running one counts as
    FAILED here: the Library never lists running rows)."""
    if status == "done":
        return FINISHED
    if status == "cancelled":
        return STOPPED
    return MISSING if missing_path(status, error) else FAILED


def condition(shown: str) -> tuple[str, list]:
    """SQL over `generations g` choosing the rows one filter shows, and its arguments.
    "Finished" includes items whose file went missing: they were finished work, and a
    repair must not make them disappear from where the person last saw them."""
    if shown == FINISHED:
        return f"(g.status = 'done' OR {_IS_MISSING})", [_MISSING_LIKE]
    if shown == STOPPED:
        return "g.status = 'cancelled'", []
    if shown == FAILED:
        return "(g.status = 'failed' AND g.error NOT LIKE ?)", [_MISSING_LIKE]
    if shown == MISSING:
        return _IS_MISSING, [_MISSING_LIKE]
    if shown == ALL:
        return "g.status IN ('done', 'cancelled', 'failed')", []
    raise ValueError(f"status must be one of {SHOWN}")
