"""The library: one database plus the data folder's files. Owned by one writer thread."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from desktop.paths import DataLayout
from desktop.store import database
from desktop.store.asset_files import remove_leftover_temp_files
from desktop.store.conversations import ConversationRepository
from desktop.store.generations import GenerationRepository
from desktop.store.library_items import LibraryItems

log = logging.getLogger(__name__)


class Library:
    def __init__(self, data_dir: Path | str):
        self.layout = DataLayout(Path(data_dir)).ensure()
        self.conn = database.connect(self.layout.database)
        self.generations = GenerationRepository(self.conn)
        self.conversations = ConversationRepository(self.conn)
        self.items = LibraryItems(self.conn)

    def call(self, fn):
        """fn(self): the same `call` as the app's store writer, for code that runs either way."""
        return fn(self)

    def recover_after_crash(self) -> dict:
        """Fix what an unclean exit left: 'running' rows and partial files."""
        report = {
            "interrupted": self.generations.mark_interrupted(),
            "temp_files_removed": remove_leftover_temp_files(self.layout.assets) + self._empty_temp(),
        }
        if any(report.values()):
            log.warning("Recovered after an unclean exit: %s", report)
        return report

    def _empty_temp(self) -> int:
        """Staging left by an export the app did not live to finish."""
        leftovers = list(self.layout.temp.iterdir()) if self.layout.temp.exists() else []
        for path in leftovers:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        return len(leftovers)

    def close(self) -> None:
        self.conn.close()
