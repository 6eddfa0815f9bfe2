"""The one function that turns settings into a job's engine options, for the window and the
CLI alike (a command-line flag overrides its setting), so the same settings run a model the
same way wherever the job comes from."""

from __future__ import annotations

from pathlib import Path

from desktop.core import hardware
from desktop.core.jobs import EngineOptions
from desktop.settings import Settings


def model_folders(settings: Settings, library_models: Path) -> list[Path]:
    """The models folder downloads go to first (the library's own unless one is set), the
    library's own, then the folders the person added; each once."""
    folders = [Path(settings.models_dir).expanduser()] if settings.models_dir else []
    folders += [Path(library_models)] + [Path(p).expanduser() for p in settings.model_dirs]
    return list(dict.fromkeys(folders))


def engine_options(settings: Settings, library_models: Path, *, threads: int = 0, context: int = 0,
                   precision: str = "", found: tuple = ()) -> EngineOptions:
    """`found`: what the last scan of other apps' stores offers image jobs (the window keeps
    it; the CLI scans only when a single-file model needs a configuration)."""
    return EngineOptions(
        n_threads=hardware.threads_from_setting(threads or settings.cpu_threads),
        n_ctx=context or settings.context_length,
        model_dirs=tuple(str(p) for p in model_folders(settings, library_models)),
        precision=precision or settings.image_precision,
        found_models=tuple(found),
    )
