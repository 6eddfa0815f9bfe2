"""Checks shared by the requests' validate(), which the CLI and the panels both call:
every number finite and in its range, seeds within what the model takes, text that is
really text. Each message names the field and what it accepts."""

from __future__ import annotations

import math

from desktop.core.errors import UserFacingError

# torch.Generator takes seeds below 2**64, but the library keeps seeds in SQLite's signed
# 64-bit INTEGER: beyond 2**63 - 1 the commit would fail after the work was done.
TORCH_SEED_MAX = 2**63 - 1
# llama.cpp seeds are uint32, and 0xFFFFFFFF (LLAMA_DEFAULT_SEED) means "pick at random".
LLAMA_SEED_MAX = 2**32 - 2


def finite(name: str, value) -> float:
    """`value` as a float, refused when it is not a number, NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserFacingError(f"{name} must be a number (got {value!r}).")
    if isinstance(value, int):
        return value  # ints are finite (and may be too large for a float)
    if not math.isfinite(value):
        raise UserFacingError(f"{name} must be a finite number (got {value}).")
    return value


def in_range(name: str, value, low: float, high: float, unit: str = "") -> None:
    value = finite(name, value)
    if not low <= value <= high:
        raise UserFacingError(f"{name} must be between {low:g} and {high:g}{unit} (got {value:g}).")


def seed(value, high: int, count: int = 1, name: str = "Seed") -> None:
    """-1 (random) or 0..high; with `count` images the seeds seed..seed+count-1 must all fit."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserFacingError(f"{name} must be a whole number (got {value!r}).")
    if value == -1:
        return
    if not 0 <= value <= high:
        raise UserFacingError(f"{name} must be -1 (random) or between 0 and {high} for this model (got {value}).")
    if value + count - 1 > high:
        raise UserFacingError(f"{name} {value} with {count} images would go past {high}, the largest seed "
                              f"this model takes: use a seed up to {high - count + 1}.")


def text(name: str, value: str) -> None:
    """Refuse text holding bytes that were not UTF-8. On POSIX, Python turns such argv bytes
    into lone surrogates (PEP 383); they cannot be encoded for the tokenizer or the library.
    Refused rather than replaced: a replaced prompt is not what the person wrote, and it
    would be stored and reused as if it were."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        try:  # the original bytes, to show which they were
            shown = "bytes " + value[exc.start:exc.end].encode("utf-8", "surrogateescape").hex(" ")
        except UnicodeEncodeError:
            shown = "an unpaired surrogate"
        raise UserFacingError(f"{name} is not UTF-8 text ({shown} at character {exc.start + 1}, from another "
                              "encoding): save or type it as UTF-8 and try again.") from None


def side(name: str, value, low: int, high: int) -> None:
    """An image or frame side in pixels: an int from low to high, a multiple of 8 (what the
    autoencoders need); a near miss gets the two nearest sizes that would do."""
    # The range first: -1 is "not positive", not "not a multiple of 8".
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        kind = "positive: " if isinstance(value, int) and value <= 0 else ""
        raise UserFacingError(f"{name} must be {kind}between {low} and {high} pixels, a multiple of 8 (got {value}).")
    if value % 8:
        below, above = value // 8 * 8, value // 8 * 8 + 8
        hint = " or ".join(str(v) for v in (below, above) if low <= v <= high)
        raise UserFacingError(f"{name} must be a multiple of 8 (got {value}); try {hint}.")
