"""The library: one database plus the data folder's files. Owned by one writer thread."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from desktop.core.errors import UserFacingError
from desktop.paths import DataLayout
from desktop.store import database, recovery
from desktop.store.conversations import ConversationRepository
from desktop.store.generations import GenerationRepository
from desktop.store.leases import Lease, NoLease
from desktop.store.library_items import LibraryItems
from desktop.store.rebuild import DamagedLibraryError, is_damage


class Library:
    def __init__(self, data_dir: Path | str):
        root = Path(data_dir)
        if root.exists() and not root.is_dir():
            raise UserFacingError(f"The data folder {root} is a file, not a folder. Choose another data folder "
                                  "(--data-dir, or data_dir in Settings) or move that file away.")
        self.read_only = root.is_dir() and not _writable(root)
        if self.read_only:
            self.layout, self.lease = DataLayout(root), NoLease()
            self.conn = _open_database(lambda: database.connect_read_only(self.layout.database), self.layout)
        else:
            self.layout = DataLayout(root).ensure()
            # The lease first: from now on other processes leave this process's work alone.
            self.lease = Lease(self.layout.leases)
            try:
                self.conn = _open_database(lambda: database.connect(self.layout.database), self.layout)
            except BaseException:
                self.lease.release()
                raise
        self.generations = GenerationRepository(self.conn, owner=self.lease.token)
        self.conversations = ConversationRepository(self.conn)
        self.items = LibraryItems(self.conn)

    def read_only_note(self) -> str:
        return (f"The library in {self.layout.root} is read-only: browsing, searching and exporting work, but "
                "nothing new can be saved there. Choose a writable data folder (Settings, or --data-dir), or "
                "make that folder writable.")

    def call(self, fn):
        """fn(self): the same `call` as the app's store writer, for code that runs either way."""
        return fn(self)

    def recover_after_crash(self) -> recovery.RecoveryReport:
        """Finish or clean up what processes that died left behind (never a live one's work)."""
        return recovery.RecoveryReport() if self.read_only else recovery.recover(self)

    def close(self) -> None:
        self.conn.close()
        self.lease.release()


def _writable(root: Path) -> bool:
    database = DataLayout(root).database
    return os.access(root, os.W_OK) and (not database.exists() or os.access(database, os.W_OK))


def _open_database(open_fn, layout: DataLayout) -> sqlite3.Connection:
    """The connection, or a DamagedLibraryError that says what the person can do."""
    try:
        return open_fn()
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise DamagedLibraryError(layout.database, str(exc)) from exc
        raise
