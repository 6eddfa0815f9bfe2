"""The one function that turns settings into a job's engine options, for the window and the
CLI alike (a command-line flag overrides its setting), so the same settings run a model the
same way wherever the job comes from."""

from __future__ import annotations

from pathlib import Path

from desktop.core import hardware
from desktop.core.jobs import EngineOptions
from desktop.settings import Settings


def model_folders(settings: Settings, library_models: Path) -> list[Path]:
    """The library's own models folder first, then the folders the person added."""
    return [Path(library_models)] + [Path(p).expanduser() for p in settings.model_dirs]


def engine_options(settings: Settings, library_models: Path, *, threads: int = 0, context: int = 0,
                   precision: str = "") -> EngineOptions:
    return EngineOptions(
        n_threads=hardware.threads_from_setting(threads or settings.cpu_threads),
        n_ctx=context or settings.context_length,
        model_dirs=tuple(str(p) for p in model_folders(settings, library_models)),
        precision=precision or settings.image_precision,
    )
