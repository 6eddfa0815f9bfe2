"""Opening the library database: pragmas, migrations (backed up first), and the newer-schema guard."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop.core.errors import UserFacingError
from desktop.store import schema_versions
from desktop.store.migration_backup import backup_before_migrating
from desktop.store.migrations import MIGRATIONS
from desktop.store.schema_versions import Fit

# The user_version this app writes (desktop/store/schema_versions.py says how it is encoded).
SCHEMA_VERSION = schema_versions.encode(MIGRATIONS, len(MIGRATIONS))
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
    fit = schema_versions.fit(MIGRATIONS, version)
    if fit not in (Fit.CURRENT, Fit.NEWER_ADDITIVE):
        conn.close()
        if fit is Fit.INCOMPATIBLE:
            raise _newer(path, version)
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
    fit = schema_versions.fit(MIGRATIONS, current)
    if fit is Fit.INCOMPATIBLE:
        conn.close()
        raise _newer(path, current)
    if fit is not Fit.OLDER:
        return  # up to date, or newer with only additions this app can ignore
    if _has_content(conn) and str(path) not in ("", ":memory:"):
        try:
            backup_before_migrating(conn, Path(path), current)
        except BaseException:
            conn.close()
            raise
    for applied in range(schema_versions.applied_count(current) + 1, len(MIGRATIONS) + 1):
        # One transaction per migration, so a failure leaves the previous version intact.
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while this one waited for the write lock.
            if schema_versions.applied_count(schema_version(conn)) >= applied:
                conn.execute("COMMIT")
                continue
            for statement in _statements(MIGRATIONS[applied - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={schema_versions.encode(MIGRATIONS, applied)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise


def _has_content(conn: sqlite3.Connection) -> bool:
    """A brand-new (empty) database has nothing worth backing up."""
    return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0


def _newer(path: Path | str, version: int) -> NewerSchemaError:
    return NewerSchemaError(
        f"The library at {path} was created by a newer version of Atelier "
        f"(schema {version}, this app knows {SCHEMA_VERSION}). Update Atelier, or "
        "choose another data folder in Settings; the library was left untouched.")


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
