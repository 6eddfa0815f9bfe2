"""The library: one database plus the data folder's files. Owned by one writer thread."""

from __future__ import annotations

from pathlib import Path

from desktop.paths import DataLayout
from desktop.store import database, recovery
from desktop.store.conversations import ConversationRepository
from desktop.store.generations import GenerationRepository
from desktop.store.leases import Lease
from desktop.store.library_items import LibraryItems


class Library:
    def __init__(self, data_dir: Path | str):
        self.layout = DataLayout(Path(data_dir)).ensure()
        # The lease first: from now on other processes leave this process's work alone.
        self.lease = Lease(self.layout.leases)
        try:
            self.conn = database.connect(self.layout.database)
        except BaseException:
            self.lease.release()
            raise
        self.generations = GenerationRepository(self.conn, owner=self.lease.token)
        self.conversations = ConversationRepository(self.conn)
        self.items = LibraryItems(self.conn)

    def call(self, fn):
        """fn(self): the same `call` as the app's store writer, for code that runs either way."""
        return fn(self)

    def recover_after_crash(self) -> recovery.RecoveryReport:
        """Finish or clean up what processes that died left behind (never a live one's work)."""
        return recovery.recover(self)

    def close(self) -> None:
        self.conn.close()
        self.lease.release()
