"""Every folder Atelier reads or writes is decided here, so tests and --data-dir can move them all."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

from desktop import APP_NAME

# Tests and portable installs move the config folder; --data-dir moves the data folder.
CONFIG_DIR_ENV = "ATELIER_CONFIG_DIR"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def resources_dir() -> Path:
    """resources/ beside the package, or inside a PyInstaller bundle when frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


class DataLayout:
    """Where things live inside one data folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def database(self) -> Path:
        return self.root / "library.sqlite3"

    @property
    def assets(self) -> Path:
        return self.root / "assets"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def leases(self) -> Path:
        """One locked file per process using this library (desktop/store/leases.py)."""
        return self.root / "leases"

    @property
    def temp(self) -> Path:
        """Scratch space of a running process (names start with its lease token); what dead
        processes left here is removed at the next start (desktop/store/recovery.py)."""
        return self.root / "tmp"

    def ensure(self) -> "DataLayout":
        for folder in (self.root, self.assets, self.models, self.logs, self.temp, self.leases):
            folder.mkdir(parents=True, exist_ok=True)
        return self
