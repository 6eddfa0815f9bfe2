"""What PRAGMA user_version says about a library, and whether this app may open it.

Encoding: user_version = major * MAJOR + applied, where `applied` is the number of
migrations run (as before) and `major` counts the non-additive migrations among them.

Why the header and not a table: user_version is read and written atomically with the
migration that changes it, costs no query, exists in every library already and can be
read through a read-only or immutable connection. Libraries written before majors existed
hold 1..6, which decode as major 0 with 1..6 applied; every app that reads this encoding
knows those six, so treating them as major 0 loses nothing.

An older app that finds more migrations applied than it knows opens the library when the
major is still its own (everything beyond its list was additive: its queries name their
columns, records ignore unknown ones, and rows it inserts get the new columns' defaults),
and refuses it otherwise. Apps from before this encoding see a larger number and refuse,
as they always did.
"""

from __future__ import annotations

import enum

from desktop.store.migrations import Additive

# Room for 999 migrations per major; user_version is a signed 32-bit integer.
MAJOR = 1000
# Migrations 1..6 shipped before majors were recorded: whatever they did, they are major 0.
LEGACY = 6


class Fit(enum.Enum):
    CURRENT = "current"      # exactly what this app would write
    OLDER = "older"          # this app can bring it up to date
    NEWER_ADDITIVE = "newer-additive"  # a newer app only added things this app can ignore
    INCOMPATIBLE = "incompatible"      # a newer (or foreign) schema this app must not touch


def major_of(migrations: list[str], applied: int) -> int:
    return sum(1 for number, sql in enumerate(migrations[:applied], start=1)
               if number > LEGACY and not isinstance(sql, Additive))


def encode(migrations: list[str], applied: int) -> int:
    """The user_version a library has after the first `applied` migrations."""
    if applied >= MAJOR:
        raise ValueError(f"at most {MAJOR - 1} migrations fit in one major version")
    return major_of(migrations, applied) * MAJOR + applied


def applied_count(user_version: int) -> int:
    return user_version % MAJOR


def fit(migrations: list[str], user_version: int) -> Fit:
    if user_version < 0:
        return Fit.INCOMPATIBLE  # not something any Atelier wrote
    known = len(migrations)
    major, applied = divmod(user_version, MAJOR)
    if applied > known:
        # Beyond our list: only safe if no migration after ours changed the major.
        return Fit.NEWER_ADDITIVE if major == major_of(migrations, known) else Fit.INCOMPATIBLE
    if user_version != encode(migrations, applied):
        return Fit.INCOMPATIBLE  # same count, other history (a build with different migrations)
    return Fit.CURRENT if applied == known else Fit.OLDER
