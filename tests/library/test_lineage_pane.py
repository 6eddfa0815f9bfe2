"""The Library's details pane shows an item's lineage — "Made from" and "Used in" — with each
other item as a link; clicking it (a real mouse click on the anchor) selects that item in the
grid, loading pages up to it when it is further down, or shows it alone when the filters hide
it. Every user text in those rows is escaped."""

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from app_window import open_window
from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library
from desktop.store import trash
from desktop.ui.library.item_details import details_html, item_link

FILLER = 450   # more than two pages of the grid between the result and its source


@pytest.fixture
def data_dir(tmp_path):
    """1: an image (its prompt is markup); 2: an image later trashed; FILLER texts; then an
    upscale made from 1, from 2 and from a file outside the library; last, a video animated
    from the upscale."""
    data = tmp_path / "data"
    library = Library(data)
    png = tmp_path / "tile.png"
    Image.new("RGB", (32, 32), "teal").save(png)

    def item(modality, kind, prompt, sources=(), file=True):
        gid = library.generations.start(NewGeneration(modality, kind, prompt, {}))
        for relation, source_id, path in sources:
            library.generations.link_source(gid, relation, source_id, path)
        assets = [AssetMeta(write_atomically(data, f"assets/{gid}.png", png.read_bytes()), "image/png", 32, 32)] \
            if file else []
        library.generations.finish(gid, assets=assets)
        return gid

    item("image", "txt2img", "<b>castle</b> at night")
    item("image", "txt2img", "a draft")
    for n in range(FILLER):
        item("text", "chat", f"note {n}", file=False)
    upscale = item("image", "upscale", "castle, upscaled", [("upscale", 1, str(data / "assets/1.png")),
                                                           ("image prompt", 2, ""),
                                                           ("image prompt", None, "/elsewhere/<img onerror=x>.png")])
    item("video", "img2vid", "the castle moving", [("animate", upscale, "")])
    trash.move_to_trash(library, [2])
    library.close()
    return data, upscale


@pytest.fixture
def panel(qtbot, data_dir):
    window, services = open_window(qtbot, data_dir[0], panel="library")
    library_panel = window.panel("library")
    qtbot.waitUntil(lambda: library_panel.model.rowCount() > 0 and not library_panel.model.loading, timeout=10000)
    yield library_panel
    services.shutdown()


def select(qtbot, panel, item_id):
    row = next(r for r in range(panel.model.rowCount()) if panel.model.item(r).id == item_id)
    panel.grid.setCurrentIndex(panel.model.index(row))
    qtbot.waitUntil(lambda: panel.details is not None and panel.details.generation.id == item_id, timeout=10000)


def click_link(qtbot, browser, href):
    """A left click on the first anchor to `href` in the browser, where it is drawn."""
    document = browser.document()
    block = document.begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            fragment = fragments.fragment()
            if fragment.charFormat().anchorHref() == href:
                cursor = QTextCursor(document)
                cursor.setPosition(fragment.position() + 1)
                browser.setTextCursor(cursor)
                browser.ensureCursorVisible()
                point = browser.cursorRect(cursor).center()
                qtbot.mouseClick(browser.viewport(), Qt.LeftButton, pos=point)
                return
            fragments += 1
        block = block.next()
    raise AssertionError(f"no link to {href} in the pane")


def shown_id(panel):
    return panel.details.generation.id if panel.details is not None else None


def test_made_from_and_used_in_are_links_that_select_their_items(qtbot, panel, data_dir):
    _data, upscale = data_dir
    video = upscale + 1
    select(qtbot, panel, upscale)
    text = panel.info.toPlainText()
    assert "Made from" in text and "Used in" in text
    assert "image #1 · <b>castle</b> at night" in text  # shown as text, not markup
    assert "<img onerror=x>.png" in text and "(in the trash)" in text
    assert "video #%d" % video in text

    # The source is three pages down the grid: pages load up to it, and it is selected.
    assert all(panel.model.item(r).id != 1 for r in range(panel.model.rowCount()))
    click_link(qtbot, panel.info, "item:1")
    qtbot.waitUntil(lambda: panel.selected_ids() == [1] and shown_id(panel) == 1, timeout=20000)
    assert panel.grid.currentIndex().data().endswith("at night")
    assert "Used in" in panel.info.toPlainText() and "Made from" not in panel.info.toPlainText()

    # …and back to what it was used in.
    click_link(qtbot, panel.info, f"item:{upscale}")
    qtbot.waitUntil(lambda: panel.selected_ids() == [upscale] and shown_id(panel) == upscale, timeout=10000)
    click_link(qtbot, panel.info, f"item:{video}")
    qtbot.waitUntil(lambda: panel.selected_ids() == [video], timeout=10000)


def test_an_item_the_grid_does_not_show_is_shown_alone_with_the_reason(qtbot, panel, data_dir):
    _data, upscale = data_dir
    select(qtbot, panel, upscale)
    click_link(qtbot, panel.info, "item:2")  # in the trash: not in the grid's view
    qtbot.waitUntil(lambda: shown_id(panel) == 2, timeout=10000)
    assert panel.selected_ids() == [] and "not in the grid" in panel.status.text()
    assert "a draft" in panel.info.toPlainText()

    panel.filters.kind.setCurrentIndex(panel.filters.kind.findData("video"))  # a filter hides the upscale
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1 and not panel.model.loading, timeout=10000)
    select(qtbot, panel, upscale + 1)
    click_link(qtbot, panel.info, f"item:{upscale}")
    qtbot.waitUntil(lambda: shown_id(panel) == upscale, timeout=10000)
    assert panel.selected_ids() == [] and "filters" in panel.status.text()


def test_the_pane_escapes_every_lineage_text_and_only_item_links_are_followed(panel, data_dir):
    _data, upscale = data_dir
    details = panel.services.store.call(lambda lib: lib.items.details(upscale))
    page = details_html(details, links=True)
    assert "<b>castle</b>" not in page and "&lt;b&gt;castle&lt;/b&gt;" in page
    assert "<img" not in page and "&lt;img onerror=x&gt;.png" in page
    assert f"href='item:1'" in page and "href='item:2'" in page
    assert "href=" not in details_html(details)  # the viewer's copy has no links to follow
    assert [item_link(u) for u in ("item:12", "item:-1", "item:1e3", "https://x.test/", "item:１２", "item:")] == \
        [12, None, None, None, None, None]
