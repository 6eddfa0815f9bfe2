"""The Models window's Installed list: every model the studios' lists hold, with where it is,
which app it comes from, its size, when the library last used it, and whether Atelier
downloaded it (only those may be deleted; other apps' models can be hidden). Worked out off
the GUI thread; deleting runs there too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

STUDIO_LISTS = (("Text & Code", "models"), ("Image", "image_models"), ("Upscaler", "upscalers"),
                ("Audio", "audio_models"))


@dataclass(frozen=True)
class InstalledModel:
    path: str
    name: str
    studio: str
    size_bytes: int
    source: str
    downloaded_to: Path | None  # Atelier's own download folder: it may be deleted
    last_used: float | None     # the newest generation made with it, from the library


def gather(listed: list[tuple[str, object]], models_folder: Path, last_used: dict[str, float]) -> list[InstalledModel]:
    """On a worker thread: one row per listed model (`listed`: studio name and model info)."""
    from desktop.core.models.removal import downloaded_folder

    rows, seen = [], set()
    for studio, info in listed:
        if info.path in seen:
            continue
        seen.add(info.path)
        own = downloaded_folder(Path(info.path), models_folder)
        rows.append(InstalledModel(info.path, info.name, studio, int(getattr(info, "size_bytes", 0) or 0),
                                   "Downloaded by Atelier" if own else info.source, own,
                                   last_used.get(str(Path(info.path).resolve()), last_used.get(info.path))))
    return sorted(rows, key=lambda r: (r.studio, r.name.lower()))


def last_used_by_model(lib) -> dict[str, float]:
    """On the store's thread: when each model was last used."""
    rows = lib.conn.execute("SELECT model_path, MAX(created_at) FROM generations WHERE model_path != '' "
                            "GROUP BY model_path").fetchall()
    return {path: when for path, when in rows}


class InstalledModels(QObject):
    ready = Signal(list)   # list[InstalledModel]
    removed = Signal(str)  # a message for a person
    failed = Signal(str)
    converted_size = Signal(int)  # bytes of models converted for the optional image runtime

    def __init__(self, services, parent: QObject | None = None):
        super().__init__(parent)
        self.services = services
        self.rows: list[InstalledModel] = []
        for _studio, name in STUDIO_LISTS:
            getattr(services, name).scanned.connect(self.refresh)

    def refresh(self) -> None:
        services = self.services
        listed = [(studio, info) for studio, name in STUDIO_LISTS for info in getattr(services, name).models()]
        folder = services.models_folder()

        def got_last_used(last_used) -> None:
            services.background.run(lambda: gather(listed, folder, last_used), self._apply,
                                    lambda exc: self.failed.emit(str(exc)))
        services.store.submit(last_used_by_model, got_last_used, lambda _exc: got_last_used({}))
        self._measure_converted()

    def _measure_converted(self) -> None:
        from desktop.core.image import runtime_cache

        self.services.background.run(lambda: runtime_cache.total_bytes(runtime_cache.default_folder()),
                                     self.converted_size.emit, lambda exc: self.failed.emit(str(exc)))

    def clear_converted(self) -> None:
        """Every model converted for the optional runtime goes; each converts again on its next use."""
        from desktop.core.image import runtime_cache
        from desktop.core.model_registry import human_size

        def done(freed: int) -> None:
            self.removed.emit(f"Removed the converted models ({human_size(freed)}). A model is converted again "
                              "the first time it runs with OpenVINO.")
            self._measure_converted()
        self.services.background.run(lambda: runtime_cache.clear(runtime_cache.default_folder()), done,
                                     lambda exc: self.failed.emit(f"Could not remove the converted models: {exc}"))

    def _apply(self, rows: list[InstalledModel]) -> None:
        self.rows = rows
        self.ready.emit(rows)

    def delete(self, row: InstalledModel) -> None:
        """Atelier's own download only; the lists scan again once its files are gone."""
        from desktop.core.models.removal import remove_download

        folder, root = row.downloaded_to, self.services.models_folder()
        if folder is None:
            self.failed.emit(f"{row.name} belongs to {row.source}; Atelier only hides it.")
            return

        def done(removed) -> None:
            self.removed.emit(f"Deleted {row.name} ({len(removed)} file(s)).")
            self.services.rescan_models()
        self.services.background.run(lambda: remove_download(folder, root), done,
                                     lambda exc: self.failed.emit(str(exc)))

    def hide(self, row: InstalledModel) -> None:
        """Another app's model leaves Atelier's lists; its files stay where they are."""
        hidden = self.services.settings.get("hidden_models")
        if row.path not in hidden:
            self.services.settings.set("hidden_models", [*hidden, row.path])  # the lists scan again
