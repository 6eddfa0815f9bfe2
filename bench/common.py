"""Helpers shared by the benchmark scripts."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def default_model() -> Path:
    from desktop.core import builtin_models

    path = builtin_models.gemma_path()
    if path is None:
        sys.exit("The built-in model is not installed; pass --model FILE.gguf")
    return path


def median(values):
    return statistics.median(values) if values else float("nan")


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"
