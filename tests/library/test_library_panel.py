"""The Library panel and its model over a store with a thousand items of mixed kinds."""

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.viewmodels.library_model import ITEM_ROLE, PAGE_SIZE
from app_window import open_window, tile_drawn
from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library


@pytest.fixture
def filled_data_dir(tmp_path):
    data = tmp_path / "data"
    library = Library(data)
    png = tmp_path / "tile.png"
    Image.new("RGB", (64, 48), "teal").save(png)
    for i in range(1000):
        image = i % 50 == 0
        prompt = f"<script>alert({i})</script> a fox #{i}" if i == 999 else f"{'a fox' if i % 2 else 'a castle'} #{i}"
        gid = library.generations.start(NewGeneration(
            modality="image" if image else "text", kind="txt2img" if image else "chat", prompt=prompt,
            params={"steps": 4}, model_name="tiny", seed=i))
        assets = []
        if image:
            written = write_atomically(data, f"assets/{gid}.png", png.read_bytes())
            assets = [AssetMeta(written, "image/png", 64, 48)]
        library.generations.finish(gid, output_text="", assets=assets)
    library.close()
    return data


@pytest.fixture
def panel(qtbot, filled_data_dir):
    window, services = open_window(qtbot, filled_data_dir, panel="library")
    library_panel = window.panel("library")
    qtbot.waitUntil(lambda: library_panel.model.rowCount() > 0, timeout=10000)
    yield library_panel
    services.shutdown()


def test_pages_load_on_demand_until_everything_is_there(qtbot, panel):
    model = panel.model
    assert model.rowCount() == PAGE_SIZE and model.canFetchMore()
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading, timeout=10000)
    assert model.rowCount() == 1000
    assert len({model.item(r).id for r in range(1000)}) == 1000
    assert model.item(0).id == 1000  # newest first


def test_placeholders_then_thumbnails_without_decoding_in_data(qtbot, panel):
    model = panel.model
    row = next(r for r in range(model.rowCount()) if model.item(r).modality == "image")
    index = model.index(row)
    first = index.data(Qt.DecorationRole)
    assert not first.isNull()  # a placeholder at once
    # The thumbnail may already have arrived: wait on the state, not on a signal.
    qtbot.waitUntil(lambda: index.data(Qt.DecorationRole).height() == 120, timeout=10000)
    thumb = index.data(Qt.DecorationRole)
    assert (thumb.width(), thumb.height()) == (160, 120)  # the 64x48 image scaled into the tile
    assert len(model.thumbnails) >= 1
    # A text item's tile shows the start of its reply, painted on the pool as well.
    text_row = next(r for r in range(model.rowCount()) if model.item(r).modality == "text")
    placeholder = model._placeholder("text").toImage()
    qtbot.waitUntil(lambda: tile_drawn(model, text_row, placeholder), timeout=10000)


def test_search_and_filters_update_the_grid(qtbot, panel):
    panel.filters.search.setText("castle")
    qtbot.waitUntil(lambda: panel.model.rowCount() == PAGE_SIZE and "castle" in panel.model.item(0).prompt,
                    timeout=10000)
    panel.filters.kind.setCurrentIndex(panel.filters.kind.findData("image"))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 20, timeout=10000)  # images are every 50th, all even
    assert {panel.model.item(r).modality for r in range(20)} == {"image"}
    assert "20 items" in panel.count.text()


def test_details_are_escaped_and_favourites_filter(qtbot, panel):
    newest = panel.model.index(0)
    panel.grid.setCurrentIndex(newest)
    qtbot.waitUntil(lambda: panel.details is not None, timeout=10000)
    html = panel.info.toHtml()
    assert "<script>" not in html and "&lt;script&gt;" in html
    panel.favorite_button.click()
    panel.filters.favorites.setChecked(True)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10000)
    assert panel.model.index(0).data(ITEM_ROLE).favorite
    qtbot.waitUntil(lambda: panel.details is not None and panel.details.generation.favorite, timeout=10000)
    panel.copy_seed.click()
    assert QApplication.clipboard().text() == "999"


def test_curating_an_item_deep_in_the_grid_keeps_the_grid_and_its_scroll(qtbot, panel):
    model = panel.model
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 2 * PAGE_SIZE, timeout=10000)
    index = model.index(PAGE_SIZE + 50)
    chosen = model.item(PAGE_SIZE + 50).id
    panel.grid.setCurrentIndex(index)
    panel.grid.scrollTo(index)
    qtbot.wait(300)  # the view may fetch a further page as it scrolls; let it settle
    qtbot.waitUntil(lambda: not model.loading, timeout=10000)
    scrolled = panel.grid.verticalScrollBar().value()
    qtbot.waitUntil(lambda: panel.details is not None, timeout=10000)
    panel.set_rating(3)
    panel.set_favorite(True)
    qtbot.waitUntil(lambda: model.item(PAGE_SIZE + 50).rating == 3 and model.item(PAGE_SIZE + 50).favorite,
                    timeout=10000)
    # No reload: the same rows (the view may have fetched a further page as it scrolled).
    assert model.rowCount() >= 2 * PAGE_SIZE and model.item(PAGE_SIZE + 50).id == chosen
    assert panel.grid.verticalScrollBar().value() == scrolled
    assert index.data(Qt.DisplayRole).startswith("★ ") and "★★★" in index.data(Qt.ToolTipRole)
    qtbot.waitUntil(lambda: panel.details.generation.rating == 3, timeout=10000)
    assert panel.favorite_button.text() == "★ Favourite"
