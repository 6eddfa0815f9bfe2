"""The Library panel driven as a person would: filters, tags, collections, delete with undo
and the trash, viewer and compare, reuse in the panels, dragging out, saving and importing
galleries, prompt history and the start-up check."""

import os
import time
import zipfile

import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from desktop.viewmodels.item_mime import ITEMS_MIME, ids_from_mime
from app_window import open_window
from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library
from desktop.ui.widgets.prompt_history import PromptHistoryDialog

IMAGES, TEXTS = 6, 6


def make_library(data, png_side=48, tint=0):
    """Six images (files with params) and six text replies, oldest first."""
    library = Library(data)
    ids = {"image": [], "text": []}
    for i in range(IMAGES + TEXTS):
        image = i < IMAGES
        gid = library.generations.start(NewGeneration(
            modality="image" if image else "text", kind="txt2img" if image else "text",
            prompt=f"a lighthouse {i}" if image else f"**explain** tides {i}",
            params={"steps": 7, "guidance": 3.5, "width": 64, "height": 48, "scheduler": "DDIM"} if image
            else {"temperature": 0.3, "top_k": 12, "max_tokens": 99},
            model_name="sd-tiny" if image else "gemma", seed=100 + i))
        assets = []
        if image:
            path = data / f"src{i}.png"
            Image.new("RGB", (png_side, png_side), (40 * i, 90, 160 + tint)).save(path)
            written = write_atomically(data, f"assets/{gid:08d}.png", path.read_bytes())
            path.unlink()
            assets = [AssetMeta(written, "image/png", png_side, png_side)]
        library.generations.finish(gid, output_text="" if image else f"Tides follow the **moon** {i}.",
                                   stats={"seconds": 1.5} if image else {"tokens_per_s": 20.0, "generate_s": 2.0},
                                   assets=assets)
        ids["image" if image else "text"].append(gid)
    library.close()
    return ids


@pytest.fixture
def app_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: QMessageBox.Yes)
    data = tmp_path / "data"
    ids = make_library(data)
    window, services = open_window(qtbot, data, panel="library")
    panel = window.panel("library")
    qtbot.waitUntil(lambda: panel.model.rowCount() == IMAGES + TEXTS, timeout=10000)
    window.ids = ids
    yield window
    panel.transfer.shutdown()
    services.shutdown()


def select(qtbot, panel, ids):
    """Select the grid rows of these items (the current one is the first), once loaded."""
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    qtbot.waitUntil(lambda: not panel.model.loading and set(ids) <= shown_ids(panel), timeout=10000)
    rows = [r for r in range(panel.model.rowCount()) if panel.model.item(r).id in ids]
    selection = QItemSelection()
    for row in rows:
        selection.select(panel.model.index(row), panel.model.index(row))
    panel.grid.selectionModel().setCurrentIndex(panel.model.index(rows[0]), QItemSelectionModel.NoUpdate)
    panel.grid.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect)
    return rows


def shown_ids(panel):
    return {panel.model.item(r).id for r in range(panel.model.rowCount())}


def wait_rows(qtbot, panel, expected: set):
    qtbot.waitUntil(lambda: not panel.model.loading and shown_ids(panel) == expected, timeout=10000)


def test_tags_ratings_collections_and_every_filter(qtbot, app_window):
    panel, ids = app_window.panel("library"), app_window.ids
    beach = ids["image"][:3]
    select(qtbot, panel, beach)
    panel.tag_input.setText("beach")
    panel.tag_input.returnPressed.emit()
    qtbot.waitUntil(lambda: panel.filters.tag.findData("beach") >= 0, timeout=10000)
    select(qtbot, panel, beach)
    panel.set_rating(4)
    panel.create_collection("Holiday")
    qtbot.waitUntil(lambda: "Holiday" in panel.collections.collection_names().values(), timeout=10000)
    holiday = next(cid for cid, name in panel.collections.collection_names().items() if name == "Holiday")
    select(qtbot, panel, ids["image"][2:4] + ids["text"][:1])
    panel.add_to_collection(holiday)  # collections hold any modality
    qtbot.waitUntil(lambda: panel.collections.item(1).text() == "Holiday  (3)", timeout=10000)

    f = panel.filters
    f.tag.setCurrentIndex(f.tag.findData("beach"))
    wait_rows(qtbot, panel, set(beach))
    f.tag.setCurrentIndex(0)
    f.rating.setCurrentIndex(f.rating.findData(4))
    wait_rows(qtbot, panel, set(beach))
    f.rating.setCurrentIndex(0)
    f.model_name.setCurrentIndex(f.model_name.findData("gemma"))
    wait_rows(qtbot, panel, set(ids["text"]))
    f.model_name.setCurrentIndex(0)
    panel.collections.setCurrentRow(1)
    wait_rows(qtbot, panel, set(ids["image"][2:4] + ids["text"][:1]))
    select(qtbot, panel, ids["text"][:1])
    panel.remove_from_collection()
    wait_rows(qtbot, panel, set(ids["image"][2:4]))
    panel.collections.setCurrentRow(0)
    services = app_window.services
    services.store.call(lambda lib: lib.conn.execute("UPDATE generations SET created_at=? WHERE id=?",
                                                     (time.time() - 40 * 86400, ids["text"][0])))
    f.period.setCurrentIndex(f.period.findData(30))
    wait_rows(qtbot, panel, set(ids["image"] + ids["text"][1:]))
    f.period.setCurrentIndex(f.period.findData(1))
    wait_rows(qtbot, panel, set(ids["image"] + ids["text"][1:]))
    f.kind.setCurrentIndex(f.kind.findData("text"))
    f.search.setText("moon 11")  # search covers replies, not only prompts
    wait_rows(qtbot, panel, {ids["text"][5]})


def test_delete_moves_to_the_trash_with_undo_and_the_trash_empties_for_good(qtbot, app_window):
    panel, ids = app_window.panel("library"), app_window.ids
    root = app_window.services.layout.root
    doomed = ids["image"][:2]
    select(qtbot, panel, doomed)
    panel.delete_selected()
    everything = set(ids["image"] + ids["text"])
    wait_rows(qtbot, panel, everything - set(doomed))
    assert not (root / f"assets/{doomed[0]:08d}.png").exists()
    assert (root / f"trash/assets/{doomed[0]:08d}.png").exists()
    assert "Ctrl+Z" in panel.status.text() and panel.undo_button.isEnabled()
    panel.grid.setFocus()
    qtbot.keyClick(panel.grid, Qt.Key_Z, Qt.ControlModifier)  # the shortcut, from the grid
    wait_rows(qtbot, panel, everything)
    assert (root / f"assets/{doomed[0]:08d}.png").exists() and not panel.undo_button.isEnabled()

    select(qtbot, panel, doomed)
    panel.delete_selected()
    wait_rows(qtbot, panel, everything - set(doomed))
    panel.collections.setCurrentRow(panel.collections.count() - 1)  # the trash
    wait_rows(qtbot, panel, set(doomed))
    assert panel.restore_button.isVisible() and panel.empty_trash_button.isVisible()
    qtbot.waitUntil(lambda: panel.model.index(0).data(Qt.DecorationRole).height() == 160, timeout=10000)
    select(qtbot, panel, doomed[:1])
    panel.restore_selected()
    wait_rows(qtbot, panel, set(doomed[1:]))
    panel.empty_trash_button.click()
    wait_rows(qtbot, panel, set())
    assert not (root / f"trash/assets/{doomed[1]:08d}.png").exists()
    assert app_window.services.store.call(lambda lib: lib.generations.get(doomed[1])) is None
    assert app_window.services.store.call(lambda lib: lib.generations.get(doomed[0])).trashed_at is None


def test_viewer_zooms_images_renders_text_and_compare_moves_both(qtbot, app_window):
    panel, ids = app_window.panel("library"), app_window.ids
    select(qtbot, panel, ids["image"][:1])
    qtbot.waitUntil(lambda: panel.details is not None, timeout=10000)
    panel.open_viewer()
    viewer = panel._viewers[-1]
    qtbot.waitUntil(lambda: viewer.pane.image.has_image(), timeout=10000)
    fitted = viewer.pane.image.scale_factor()
    viewer.pane.image.zoom(2.0)
    assert viewer.pane.image.scale_factor() == pytest.approx(fitted * 2.0)
    viewer.pane.image.actual_size()
    assert viewer.pane.image.scale_factor() == 1.0
    html = viewer.info.toHtml()
    assert "DDIM" in html and "Timings" in html and "1.50 s" in html
    viewer.close()

    select(qtbot, panel, ids["text"][:1])
    qtbot.waitUntil(lambda: panel.details is not None and panel.details.generation.modality == "text", timeout=10000)
    panel.open_viewer()
    viewer = panel._viewers[-1]
    qtbot.waitUntil(lambda: viewer.pane.stack.currentWidget() is viewer.pane.text, timeout=10000)
    text_html = viewer.pane.text.toHtml()
    assert "moon" in text_html and "**" not in text_html  # Markdown rendered, not shown raw
    assert "Tokens per second" in viewer.info.toHtml()
    viewer.close()

    select(qtbot, panel, ids["image"][:2])
    panel.compare_selected()
    qtbot.waitUntil(lambda: hasattr(panel, "compare_viewer") and all(p.image.has_image()
                                                                    for p in panel.compare_viewer.panes), timeout=10000)
    assert panel.compare_viewer.differences.text() == "Differs in: prompt, seed"
    left, right = (p.image for p in panel.compare_viewer.panes)
    left.zoom(3.0)
    assert right.scale_factor() == pytest.approx(left.scale_factor())
    right.horizontalScrollBar().setValue(right.horizontalScrollBar().maximum() // 2)
    assert left.horizontalScrollBar().value() == right.horizontalScrollBar().value()
    panel.compare_viewer.close()


def test_use_these_settings_and_use_as_image_prompt_reach_the_panels(qtbot, app_window):
    panel, ids = app_window.panel("library"), app_window.ids
    select(qtbot, panel, ids["image"][:1])
    qtbot.waitUntil(lambda: panel.details is not None, timeout=10000)
    panel.reuse_button.click()
    image_panel = app_window.panel("image")
    assert app_window.stack.currentWidget() is image_panel
    form = image_panel.form
    assert form.prompt.toPlainText() == "a lighthouse 0" and form.steps.value() == 7
    assert form.seed.value() == 100 and form.guidance.value() == 3.5 and form.scheduler.currentText() == "DDIM"

    app_window.show_panel("library")  # the grid reloads, the selection stays
    qtbot.waitUntil(lambda: panel.image_prompt_button.isEnabled(), timeout=10000)
    panel.image_prompt_button.click()
    qtbot.waitUntil(lambda: image_panel.init_image is not None, timeout=10000)
    assert image_panel.init_image.size == (48, 48)

    app_window.show_panel("library")
    select(qtbot, panel, ids["text"][:1])
    qtbot.waitUntil(lambda: panel.details is not None and panel.details.generation.modality == "text", timeout=10000)
    panel.reuse_button.click()
    text_panel = app_window.panel("text")
    assert app_window.stack.currentWidget() is text_panel
    assert text_panel.input.toPlainText() == "**explain** tides 6"
    assert text_panel.sampling.top_k.value() == 12 and text_panel.sampling.max_tokens.value() == 99


def test_dragged_items_carry_files_prompts_and_ids_and_drop_on_panels_and_collections(qtbot, app_window):
    panel, ids = app_window.panel("library"), app_window.ids
    rows = select(qtbot, panel, ids["image"][:2])
    mime = panel.model.mimeData([panel.model.index(r) for r in rows])
    files = [url.toLocalFile() for url in mime.urls()]
    assert len(files) == 2 and all(os.path.exists(f) for f in files)  # other apps get real files
    assert sorted(ids_from_mime(mime)) == sorted(ids["image"][:2]) and "a lighthouse" in mime.text()
    assert ITEMS_MIME in panel.model.mimeTypes()

    image_panel = app_window.panel("image")
    drop = QDropEvent(QPointF(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    image_panel.dropEvent(drop)
    qtbot.waitUntil(lambda: image_panel.init_image is not None, timeout=10000)

    panel.create_collection("Picks")
    qtbot.waitUntil(lambda: panel.collections.count() == 3, timeout=10000)
    target = panel.collections.visualItemRect(panel.collections.item(1)).center()
    drop = QDropEvent(QPointF(target), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    panel.collections.dropEvent(drop)
    qtbot.waitUntil(lambda: panel.collections.item(1).text() == "Picks  (2)", timeout=10000)


def test_save_and_import_galleries_from_the_panel_with_progress_and_cancel(qtbot, app_window, tmp_path):
    panel, ids = app_window.panel("library"), app_window.ids
    messages = []
    panel.transfer.finished.connect(messages.append)
    panel.transfer.failed.connect(messages.append)
    out = tmp_path / "picked.zip"
    panel.transfer.export(out, "zip", ids=ids["image"][:3] + ids["text"][:1])
    qtbot.waitUntil(lambda: bool(messages), timeout=20000)
    assert messages[-1].startswith("Saved 4 item(s)") and zipfile.is_zipfile(out)
    assert panel.transfer.dialog is None

    other = tmp_path / "other"
    other_ids = make_library(other, tint=50)  # other pixels: new items for this library
    from desktop.store.gallery_export import collect, export_gallery

    library = Library(other)
    library.items.add_to_collection(library.items.create_collection("Seaside"), other_ids["image"][:2])
    gallery = tmp_path / "other.zip"
    export_gallery(library, gallery, collect(library, other_ids["image"] + other_ids["text"][:1]), "zip")
    library.close()
    panel.transfer.import_(gallery)
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=20000)
    assert messages[-1] == "Imported 7 item(s); 0 were already in the Library."
    qtbot.waitUntil(lambda: "Seaside" in panel.collections.collection_names().values(), timeout=10000)
    qtbot.waitUntil(lambda: not panel.model.loading and panel.model.rowCount() == 19, timeout=10000)
    panel.transfer.import_(out)  # our own gallery: recognised, not duplicated
    qtbot.waitUntil(lambda: len(messages) == 3, timeout=20000)
    assert messages[-1] == "Imported 0 item(s); 4 were already in the Library."

    # A long export, cancelled from its progress window: nothing is left at the destination.
    root = app_window.services.layout.root
    for gid in ids["image"]:
        (root / f"assets/{gid:08d}.png").write_bytes(os.urandom(6_000_000))
    big = tmp_path / "big.zip"
    panel.transfer.export(big, "zip")
    qtbot.waitUntil(lambda: panel.transfer.dialog is not None, timeout=10000)
    panel.transfer.dialog.canceled.emit()  # what its Cancel button sends
    qtbot.waitUntil(lambda: len(messages) == 4, timeout=30000)
    assert messages[-1] == "Export cancelled; nothing was written."
    assert not big.exists() and not list(tmp_path.glob("big.zip*"))
    assert not any(app_window.services.layout.temp.iterdir())


def test_prompt_history_steps_back_and_searches(qtbot, app_window):
    image_panel = app_window.panel("image")
    app_window.show_panel("image")
    editor = image_panel.form.prompt
    editor.setPlainText("my draft")
    image_panel.history.step(+1)
    qtbot.waitUntil(lambda: editor.toPlainText() == "a lighthouse 5", timeout=10000)  # the newest first
    image_panel.history.step(+1)
    assert editor.toPlainText() == "a lighthouse 4"
    image_panel.history.step(-1)
    image_panel.history.step(-1)
    assert editor.toPlainText() == "my draft"  # back past the newest: what was being written
    dialog = PromptHistoryDialog(image_panel.history)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == IMAGES, timeout=10000)
    dialog.search.setText("lighthouse 2")
    qtbot.waitUntil(lambda: dialog.list.count() == 1, timeout=10000)
    assert dialog.chosen() == "a lighthouse 2"
    text_history = app_window.panel("text").history
    got = []
    text_history.load("", got.extend)
    qtbot.waitUntil(lambda: len(got) == TEXTS, timeout=10000)
    assert all("tides" in p for p in got)  # each panel has its own history


def test_start_up_check_reports_problems_and_repairs_on_request(qtbot, app_window):
    services, ids = app_window.services, app_window.ids
    root = services.layout.root
    (root / f"assets/{ids['image'][0]:08d}.png").unlink()
    (root / "assets" / "stray.png").write_bytes(b"stray")
    reports = []
    app_window.integrity.checked.connect(reports.append)
    app_window.integrity.start()
    qtbot.waitUntil(lambda: app_window.integrity.box is not None and app_window.integrity.box.isVisible(),
                    timeout=10000)
    assert "1 item(s) whose file is missing" in app_window.integrity.box.text()
    with qtbot.waitSignal(app_window.integrity.repaired, timeout=10000):
        app_window.integrity.repair_button.click()
    assert (root / "lost+found" / "assets" / "stray.png").exists()
    assert services.store.call(lambda lib: lib.generations.get(ids["image"][0])).status == "failed"
    panel = app_window.panel("library")
    wait_rows(qtbot, panel, set(ids["image"] + ids["text"]))  # the item stays, marked as missing its file
    row = next(r for r in range(panel.model.rowCount()) if panel.model.item(r).id == ids["image"][0])
    assert panel.model.index(row).data(Qt.DisplayRole).startswith("⚠ File missing")


def test_saving_an_empty_selection_says_what_to_do(qtbot, app_window):
    panel = app_window.panel("library")
    panel.grid.clearSelection()
    panel.transfer.ask_export(ids=panel.selected_ids())
    assert "Select the items to save first" in panel.status.text() and panel.status.isVisible()
