"""Opening the library database: pragmas, migrations, and the newer-schema guard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.core.errors import UserFacingError
from desktop.store.migrations import MIGRATIONS

SCHEMA_VERSION = len(MIGRATIONS)
# How long one statement waits for another process's write lock. Generation commits retry
# past it (desktop/pipeline/recording.py) so a finished result is never given up on; a
# short wait frees the writer thread between attempts.
BUSY_TIMEOUT_S = 5.0


class NewerSchemaError(UserFacingError):
    """The database was written by a newer Atelier; opening it could damage it."""


def connect(path: Path | str, *, migrate: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) and bring the schema up to date.

    check_same_thread=False because the connection is owned by one writer thread that
    may not be the thread that opened it; the writer serialises every use.
    """
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    if migrate:
        apply_migrations(conn, path)
    return conn


class StaleReadOnlyError(UserFacingError):
    """A read-only library whose schema this app would have to upgrade first."""


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open a library whose folder cannot be written: browsing, searching and exporting work,
    nothing is changed. `immutable` is the fallback where SQLite cannot even create the WAL's
    shared-memory file beside the database."""
    uri = Path(path).resolve().as_uri()
    for options in ("mode=ro", "mode=ro&immutable=1"):
        conn = sqlite3.connect(f"{uri}?{options}", uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False,
                               isolation_level=None)
        try:
            version = schema_version(conn)
            break
        except sqlite3.OperationalError:
            conn.close()
    else:
        raise sqlite3.OperationalError(f"unable to open database file {path}")
    conn.row_factory = sqlite3.Row
    if version != SCHEMA_VERSION:
        conn.close()
        if version > SCHEMA_VERSION:
            raise NewerSchemaError(f"The library at {path} was created by a newer version of Atelier; "
                                   "update Atelier to open it.")
        raise StaleReadOnlyError(f"The library at {path} is read-only and was made by an older Atelier; open it "
                                 "once from a folder you can write to, so this version can bring it up to date.")
    return conn


def is_busy(exc: sqlite3.OperationalError) -> bool:
    """Another connection (often another Atelier process) holds the database: worth waiting for."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def apply_migrations(conn: sqlite3.Connection, path: Path | str = "") -> None:
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        conn.close()
        raise NewerSchemaError(
            f"The library at {path} was created by a newer version of Atelier "
            f"(schema {current}, this app knows {SCHEMA_VERSION}). Update Atelier, or "
            "choose another data folder in Settings; the library was left untouched."
        )
    for number in range(current + 1, SCHEMA_VERSION + 1):
        # One transaction per migration, so a failure leaves the previous version intact.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """Split a migration into statements; triggers contain ';' so use sqlite's own check."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
