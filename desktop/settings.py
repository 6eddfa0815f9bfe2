"""Every setting and its default is declared once, here; values persist as JSON.

Settings are plain Python (no Qt) so the CLI and the GUI share them. The GUI wraps
them in an observable object (desktop/viewmodels/settings_model.py).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from desktop import paths
from desktop.core.image.precision import PRECISIONS

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
THEMES = ("system", "light", "dark")


@dataclass
class Settings:
    # Empty means the platform's standard data folder (paths.default_data_dir()).
    data_dir: str = ""
    # Extra folders scanned for models, besides <data>/models and the built-in ones.
    model_dirs: list[str] = field(default_factory=list)
    # Single model files the person added (by dialog or drop); used in place, never copied.
    model_files: list[str] = field(default_factory=list)
    # 0 means "the number of physical cores" (llama.cpp's own default is half the logical CPUs).
    cpu_threads: int = 0
    # Loaded models are kept under this many MiB; 0 means half the machine's RAM.
    memory_budget_mib: int = 0
    theme: str = "system"
    # Number format of image models: "auto" (fp16 on CUDA; bf16 on CPUs with native bf16;
    # else fp32), "fp32", "bf16" or "fp16" (CUDA). The same seed gives the same pixels only
    # with the same precision and device, so images record the one they ran in.
    image_precision: str = "auto"
    context_length: int = 4096
    last_text_model: str = ""
    last_code_model: str = ""
    last_image_model: str = ""
    last_upscaler: str = ""
    last_audio_model: str = ""
    window_geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    window_state: str = ""

    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir).expanduser() if self.data_dir else paths.default_data_dir()


def settings_path() -> Path:
    return paths.config_dir() / "settings.json"


def load(path: Path | None = None) -> Settings:
    """Read settings; unknown keys are ignored and a broken file falls back to defaults."""
    path = path or settings_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("Settings file %s is unreadable (%s); using defaults", path, exc)
        return Settings()
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in raw.get("values", {}).items() if k in known}
    settings = Settings()
    for key, value in values.items():
        default = getattr(settings, key)
        if isinstance(default, bool) or type(value) is type(default):
            setattr(settings, key, value)
    if settings.theme not in THEMES:
        settings.theme = "system"
    if settings.image_precision not in PRECISIONS:
        settings.image_precision = "auto"
    return settings


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically so a crash mid-save never leaves a half file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only when saving: keeps it out of start-up

    payload = json.dumps({"schema": SCHEMA_VERSION, "values": asdict(settings)}, indent=2)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(payload)
    os.replace(tmp, path)
