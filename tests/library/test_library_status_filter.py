"""The Library window's status filter: stopped items with their partial text, failed ones with
their reason, items whose file a repair found missing marked as such (and put back from a
located file); nothing disappears without a trace."""

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from app_window import open_window, tile_drawn
from desktop.store import integrity, item_status
from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library
from desktop.ui.library import missing_file


def png_bytes(tmp_path, color: str) -> bytes:
    path = tmp_path / f"{color}.png"
    Image.new("RGB", (32, 24), color).save(path)
    return path.read_bytes()


@pytest.fixture
def data_dir(tmp_path):
    data = tmp_path / "data"
    lib = Library(data)
    ids = {}
    for name, color in (("finished", "teal"), ("lost", "orange")):
        gid = lib.generations.start(NewGeneration(modality="image", kind="txt2img", prompt=f"a {name} lighthouse",
                                                  params={"steps": 2, "batch_index": 1, "batch": 2}, seed=1))
        written = write_atomically(data, f"assets/{gid:08d}-1.png", png_bytes(tmp_path, color))
        lib.generations.finish(gid, assets=[AssetMeta(written, "image/png", 32, 24)])
        ids[name] = gid
    ids["stopped"] = lib.generations.start(NewGeneration(modality="text", kind="chat", prompt="tell a long story",
                                                         params={"top_p": 0.9}))
    lib.generations.cancel(ids["stopped"], "Once upon a time, a lighthouse keeper")
    ids["failed"] = lib.generations.start(NewGeneration(modality="image", kind="txt2img", prompt="a huge poster",
                                                        params={"width": 4096, "height": 4096}))
    lib.generations.fail(ids["failed"], "Not enough memory for 4096 × 4096: try 1024 × 1024.")
    (data / f"assets/{ids['lost']:08d}-1.png").unlink()
    integrity.repair(lib, integrity.check(lib))
    lib.close()
    return data, ids


@pytest.fixture
def panel(qtbot, data_dir):
    window, services = open_window(qtbot, data_dir[0], panel="library")
    library = window.panel("library")
    qtbot.waitUntil(lambda: library.model.rowCount() > 0 and not library.model.loading, timeout=10000)
    yield library
    services.shutdown()


def show(qtbot, panel, status: str) -> dict:
    """Choose a status in the filter bar; {id: row} once the grid shows that choice."""
    panel.filters.status.setCurrentIndex(panel.filters.status.findData(status))
    qtbot.waitUntil(lambda: panel.model._query.status == status and not panel.model.loading, timeout=10000)
    return {panel.model.item(row).id: row for row in range(panel.model.rowCount())}


def select(qtbot, panel, row: int) -> str:
    """Make `row` current; the details pane's text once it shows that item."""
    item_id = panel.model.item(row).id
    panel.grid.setCurrentIndex(panel.model.index(row))
    qtbot.waitUntil(lambda: panel.details is not None and panel.details.generation.id == item_id, timeout=10000)
    return panel.info.toPlainText()


def test_finished_view_keeps_an_item_whose_file_went_missing_and_marks_it(qtbot, panel, data_dir):
    _data, ids = data_dir
    rows = show(qtbot, panel, item_status.FINISHED)
    assert set(rows) == {ids["finished"], ids["lost"]}
    lost = panel.model.index(rows[ids["lost"]])
    assert lost.data(Qt.DisplayRole).startswith("⚠ File missing · ")
    assert not panel.model.index(rows[ids["finished"]]).data(Qt.DisplayRole).startswith("⚠")
    placeholder = panel.model._placeholder("image").toImage()
    qtbot.waitUntil(lambda: tile_drawn(panel.model, rows[ids["lost"]], placeholder), timeout=10000)  # says why
    text = select(qtbot, panel, rows[ids["lost"]])
    assert "File missing" in text and f"assets/{ids['lost']:08d}-1.png" in text and "Locate file" in text
    assert "Image" in text and "2 of 2" in text and "batch_index" not in text  # human labels


def test_stopped_and_failed_items_show_their_partial_text_and_reason(qtbot, panel, data_dir):
    _data, ids = data_dir
    rows = show(qtbot, panel, item_status.STOPPED)
    assert list(rows) == [ids["stopped"]]
    index = panel.model.index(0)
    assert index.data(Qt.DisplayRole).startswith("⏹ Stopped · ")
    placeholder = panel.model._placeholder("text").toImage()
    qtbot.waitUntil(lambda: tile_drawn(panel.model, 0, placeholder), timeout=10000)
    text = select(qtbot, panel, 0)
    assert "Stopped" in text and "Partial text" in text and "Once upon a time, a lighthouse keeper" in text
    assert "Top-p" in text and "top_p" not in text

    rows = show(qtbot, panel, item_status.FAILED)
    assert list(rows) == [ids["failed"]]
    index = panel.model.index(0)
    assert index.data(Qt.DisplayRole).startswith("⚠ Failed · ")
    assert "Not enough memory for 4096 × 4096" in index.data(Qt.ToolTipRole)
    text = select(qtbot, panel, 0)
    assert "Failed" in text and "try 1024 × 1024" in text and "4096 × 4096" in text

    rows = show(qtbot, panel, item_status.ALL)
    assert set(rows) == {ids["finished"], ids["lost"], ids["stopped"], ids["failed"]}
    assert "4 items" in panel.count.text()


def test_locating_a_missing_file_puts_the_item_back(qtbot, panel, data_dir, tmp_path):
    _data, ids = data_dir
    rows = show(qtbot, panel, item_status.MISSING)
    assert list(rows) == [ids["lost"]]
    select(qtbot, panel, 0)
    found = tmp_path / "found.png"
    found.write_bytes(png_bytes(tmp_path, "orange"))
    missing_file.locate(panel, found)
    qtbot.waitUntil(lambda: "is back in the library" in panel.status.text(), timeout=10000)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0 and not panel.model.loading, timeout=10000)
    rows = show(qtbot, panel, item_status.FINISHED)
    item = panel.model.item(rows[ids["lost"]])
    assert item.state == item_status.FINISHED and item.asset_path == f"assets/{ids['lost']:08d}-1.png"
    placeholder = panel.model._placeholder("image").toImage()
    qtbot.waitUntil(lambda: tile_drawn(panel.model, rows[ids["lost"]], placeholder), timeout=10000)
    assert not panel.model.index(rows[ids["lost"]]).data(Qt.DisplayRole).startswith("⚠")
    assert panel.services.store.call(lambda lib: integrity.check(lib)).clean


def test_locating_the_wrong_kind_of_file_says_so(qtbot, panel, data_dir, tmp_path):
    show(qtbot, panel, item_status.MISSING)
    select(qtbot, panel, 0)
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")
    missing_file.locate(panel, notes)
    qtbot.waitUntil(lambda: ".png" in panel.status.text() and panel.status.isVisible(), timeout=10000)
    assert panel.model.rowCount() == 1
