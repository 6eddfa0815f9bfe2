"""The window's gallery import asks what to do with items the Library already has, and
does exactly that; the window's export goes through the store (staging beside the file)."""

from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop.store.gallery_export import collect, export_gallery
from desktop.store.library import Library
from desktop.ui.library.gallery_transfer import GalleryTransfer
from desktop.workers.store_writer import StoreWriter
from test_gallery_import import make_items


@pytest.fixture
def transfer(qtbot, tmp_path):
    store = StoreWriter(tmp_path / "window")
    store.opened.result(timeout=30)
    parent = QWidget()
    qtbot.addWidget(parent)
    transfer = GalleryTransfer(SimpleNamespace(store=store), parent)
    messages = []
    transfer.finished.connect(messages.append)
    transfer.failed.connect(messages.append)
    yield transfer, store, messages
    transfer.shutdown()
    store.close()


def answer(monkeypatch, label: str | None):
    """Click the button with this text in the next message box (None: Cancel)."""
    def exec_(box):
        for button in box.buttons():
            if (label is None and box.buttonRole(button) == QMessageBox.ButtonRole.RejectRole) or button.text() == label:
                button.click()
                return 0
        raise AssertionError(f"no button {label!r} in {[b.text() for b in box.buttons()]}")
    monkeypatch.setattr(QMessageBox, "exec", exec_)


def test_import_leaves_existing_items_alone_or_merges_as_chosen(qtbot, tmp_path, monkeypatch, transfer):
    panel, store, messages = transfer
    source = Library(tmp_path / "source")
    make_items(source, 2)
    plain, tagged = tmp_path / "plain.zip", tmp_path / "tagged.zip"
    export_gallery(source, plain, collect(source), "zip")
    source.items.add_tag([1], "sea")
    source.items.add_to_collection(source.items.create_collection("Trip"), [1])
    export_gallery(source, tagged, collect(source), "zip")
    source.close()

    def pick(path):
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))

    pick(plain)
    answer(monkeypatch, "Leave as they are")
    panel.ask_import()
    qtbot.waitUntil(lambda: len(messages) == 1, timeout=20000)
    assert messages[-1] == "Imported 3 item(s); 0 were already in the Library."

    pick(tagged)
    panel.ask_import()
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=20000)
    assert messages[-1] == "Imported 0 item(s); 3 were already in the Library."
    assert store.call(lambda lib: lib.items.tags_of(1)) == []

    answer(monkeypatch, None)
    panel.ask_import()  # cancelled at the question: nothing runs
    assert panel.dialog is None and len(messages) == 2

    answer(monkeypatch, "Merge")
    panel.ask_import()
    qtbot.waitUntil(lambda: len(messages) == 3, timeout=20000)
    assert messages[-1] == ("Imported 0 item(s); 3 were already in the Library. "
                            "Their tags, collections and marks were merged.")
    assert store.call(lambda lib: (lib.items.tags_of(1), lib.items.collections_of(1))) == (["sea"], ["Trip"])


def test_export_from_the_window_is_staged_beside_the_destination(qtbot, tmp_path, monkeypatch, transfer):
    import desktop.store.gallery_export as gallery_export

    panel, store, messages = transfer
    store.call(lambda lib: make_items(lib, 2))
    out = tmp_path / "out" / "saved.zip"
    out.parent.mkdir()
    seen = []

    def watching(store, out_, entries, fmt, title, progress, cancel):  # what is beside `out` while it is written
        def look(done, total):
            seen.extend(p.name for p in out.parent.iterdir())
            progress(done, total)
        return export_gallery(store, out_, entries, fmt, title, look, cancel)

    monkeypatch.setattr(gallery_export, "export_gallery", watching)
    panel.export(out, "zip")
    qtbot.waitUntil(lambda: bool(messages), timeout=20000)
    assert messages == [f"Saved 3 item(s) to {out}."]
    assert seen and all(name.startswith("saved.zip.") and name.endswith(".partial") for name in seen)
    assert [p.name for p in out.parent.iterdir()] == ["saved.zip"]
    assert store.call(lambda lib: lib.conn.execute("SELECT count(*) FROM staging").fetchone()[0]) == 0
