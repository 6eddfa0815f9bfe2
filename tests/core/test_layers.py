"""The import rules of DESIGN.md: core, store and pipeline never import Qt; workers and view
models never import QtWidgets or the ui package; inside core and ui, one studio's folder
never imports another studio's folder (what studios share lives at core/'s root and in
ui/widgets/; ui/shell brings the studios together)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "desktop"


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


@pytest.mark.parametrize("path", list(files_of("workers", "viewmodels")), ids=lambda p: p.name)
def test_workers_and_view_models_do_not_import_widgets(path):
    modules = imported_modules(path)
    assert "PySide6.QtWidgets" not in modules
    assert not any(m.startswith("desktop.ui") for m in modules)


def test_only_ui_and_app_import_widgets():
    offenders = [p for p in PACKAGE.rglob("*.py")
                 if "PySide6.QtWidgets" in imported_modules(p)
                 and "ui" not in p.relative_to(PACKAGE).parts and p.name != "app.py"]
    assert offenders == []


CORE_STUDIOS = sorted(p.name for p in (PACKAGE / "core").iterdir() if (p / "__init__.py").exists())


@pytest.mark.parametrize("path", [p for s in CORE_STUDIOS for p in files_of(f"core/{s}")],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_core_studio_imports_no_other_studio(path):
    studio = path.parent.name
    others = [f"desktop.core.{s}" for s in CORE_STUDIOS if s != studio]
    assert not [m for m in imported_modules(path) if any(m == o or m.startswith(o + ".") for o in others)]


def test_core_root_imports_no_studio():
    """What every studio shares may not lean on one of them."""
    for path in sorted((PACKAGE / "core").glob("*.py")):
        assert not [m for m in imported_modules(path)
                    if any(m.startswith(f"desktop.core.{s}") for s in CORE_STUDIOS)], path.name


UI_STUDIOS = ("text", "image", "audio", "video", "story", "library", "models")  # models: the model manager's window


@pytest.mark.parametrize("path", [p for s in (*UI_STUDIOS, "widgets") for p in files_of(f"ui/{s}")],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_ui_studio_imports_only_itself_and_the_shared_widgets(path):
    """The window (ui/shell) brings the studios together; a studio, and the shared widgets,
    never reach into another studio or the shell."""
    here = path.parent.name
    others = [f"desktop.ui.{s}" for s in (*UI_STUDIOS, "shell") if s != here]
    assert not [m for m in imported_modules(path) if any(m == o or m.startswith(o + ".") for o in others)]


MAX_LINES = 400


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines(path):
    """One idea per module: past 400 lines a module holds several; split it by concept."""
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
