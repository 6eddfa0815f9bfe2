"""Putting back the file of an item the library check found without one: the person points
at the file, it is copied into place on the pool (a clip can be large; the database writer
is not held up by it) and then linked on the store's thread, and the item is finished again."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from desktop.store import integrity, item_status
from desktop.store.changes import CHOICES, ITEMS, change


def missing_relative(details) -> str | None:
    """The library-relative path the shown item lost, or None when it has its file."""
    if details is None:
        return None
    return item_status.missing_path(details.generation.status, details.generation.error)


def ask_locate(panel) -> None:
    relative = missing_relative(panel.details)
    if relative is None:
        return
    suffix = Path(relative).suffix
    chosen, _ = QFileDialog.getOpenFileName(panel, f"Locate {Path(relative).name}", "",
                                            f"{suffix[1:].upper()} files (*{suffix});;All files (*)")
    if chosen:
        locate(panel, Path(chosen))


def locate(panel, source: Path) -> None:
    """Copy `source` in as the shown item's missing file; the status line says how it went."""
    details, relative = panel.details, missing_relative(panel.details)
    if relative is None:
        return
    generation_id, trashed = details.generation.id, details.generation.trashed_at is not None
    root = panel.services.layout.root

    def failed(exc: BaseException) -> None:
        panel.show_status(str(exc), error=True)

    def placed(written) -> None:
        panel.services.store.submit(lambda lib: integrity.record_located_file(lib, generation_id, written),
                                    lambda _none: (panel.show_status(f"{relative} is back in the library."),
                                                   panel.reload(choices=True)),
                                    failed, change(ITEMS, CHOICES, ids=[generation_id], source=panel))

    panel.services.background.run(lambda: integrity.place_located_file(root, relative, trashed, source),
                                  placed, failed)
