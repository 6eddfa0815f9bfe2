"""The import rules of DESIGN.md: core and store never import Qt; workers and models
never import QtWidgets or the ui package."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "desktop"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def files_of(*layers):
    for layer in layers:
        yield from sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", list(files_of("core", "store", "pipeline")), ids=lambda p: p.name)
def test_core_store_and_pipeline_do_not_import_qt(path):
    assert not any(m.startswith("PySide6") for m in imported_modules(path))


@pytest.mark.parametrize("path", list(files_of("workers", "models")), ids=lambda p: p.name)
def test_workers_and_models_do_not_import_widgets(path):
    modules = imported_modules(path)
    assert "PySide6.QtWidgets" not in modules
    assert not any(m.startswith("desktop.ui") for m in modules)


def test_only_ui_and_app_import_widgets():
    offenders = [p for p in PACKAGE.rglob("*.py")
                 if "PySide6.QtWidgets" in imported_modules(p)
                 and "ui" not in p.relative_to(PACKAGE).parts and p.name != "app.py"]
    assert offenders == []
