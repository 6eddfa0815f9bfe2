"""What became of an item, in the store: the Library's status filter shows stopped items with
their partial text, failed ones with their reason, and items whose file a repair found
missing; none of them vanishes, and a located file makes the item whole again."""

import pytest

from desktop.core.errors import UserFacingError
from desktop.store import integrity, item_status
from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library
from desktop.store.library_items import LibraryQuery


def start(lib, prompt: str, modality: str = "image") -> int:
    return lib.generations.start(NewGeneration(modality=modality, kind="txt2img" if modality == "image" else "chat",
                                               prompt=prompt, params={"steps": 2}, model_name="tiny"))


def add_image(lib, prompt: str) -> int:
    gid = start(lib, prompt)
    written = write_atomically(lib.layout.root, f"assets/{gid:08d}-7.png", f"png of {prompt}".encode())
    lib.generations.finish(gid, assets=[AssetMeta(written, "image/png", 8, 8)])
    return gid


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "lib")
    ids = {"done": add_image(lib, "a finished fox"), "lost": add_image(lib, "a fox whose file went")}
    ids["stopped"] = start(lib, "a stopped fox story", "text")
    lib.generations.cancel(ids["stopped"], "Once upon a time a fox")
    ids["failed"] = start(lib, "a fox that failed")
    lib.generations.fail(ids["failed"], "Out of memory: try a smaller size.")
    ids["running"] = start(lib, "a fox still running")
    (lib.layout.root / f"assets/{ids['lost']:08d}-7.png").unlink()
    integrity.repair(lib, integrity.check(lib))
    yield lib, ids
    lib.close()


def shown(lib, status: str, **query) -> dict:
    return {item.id: item for item in lib.items.page(LibraryQuery(status=status, **query)).items}


def test_each_filter_shows_its_items_with_their_text_or_reason(library):
    lib, ids = library
    assert set(shown(lib, item_status.FINISHED)) == {ids["done"], ids["lost"]}  # a lost file does not hide it
    stopped = shown(lib, item_status.STOPPED)
    assert list(stopped) == [ids["stopped"]]
    assert stopped[ids["stopped"]].snippet == "Once upon a time a fox"
    assert stopped[ids["stopped"]].state == item_status.STOPPED
    failed = shown(lib, item_status.FAILED)
    assert list(failed) == [ids["failed"]] and failed[ids["failed"]].reason == "Out of memory: try a smaller size."
    missing = shown(lib, item_status.MISSING)
    lost_path = f"assets/{ids['lost']:08d}-7.png"
    assert list(missing) == [ids["lost"]] and missing[ids["lost"]].asset_path is None
    assert missing[ids["lost"]].state == item_status.MISSING and lost_path in missing[ids["lost"]].reason
    everything = shown(lib, item_status.ALL)
    assert set(everything) == {ids["done"], ids["lost"], ids["stopped"], ids["failed"]}  # never a running row
    assert {i.state for i in everything.values()} == {item_status.FINISHED, item_status.MISSING,
                                                      item_status.STOPPED, item_status.FAILED}


def test_the_status_filter_combines_with_search_and_kind(library):
    lib, ids = library
    assert list(shown(lib, item_status.ALL, text="stopped")) == [ids["stopped"]]
    assert list(shown(lib, item_status.STOPPED, modality="image")) == []
    assert set(shown(lib, item_status.ALL, modality="image")) == {ids["done"], ids["lost"], ids["failed"]}
    with pytest.raises(ValueError):
        lib.items.page(LibraryQuery(status="everything"))


def test_states_read_from_stored_rows():
    reason = item_status.missing_file_reason("assets/2026/x 100%_done.png")
    assert item_status.missing_path("failed", reason) == "assets/2026/x 100%_done.png"
    assert item_status.state("failed", reason) == item_status.MISSING
    assert item_status.state("failed", "The model file is missing.") == item_status.FAILED
    assert item_status.missing_path("done", reason) is None  # only a repaired row is "missing"
    assert item_status.state("cancelled", "Cancelled by you.") == item_status.STOPPED
    assert item_status.state("done", "") == item_status.FINISHED


def test_a_located_file_makes_the_item_finished_again(tmp_path, library):
    lib, ids = library
    relative = f"assets/{ids['lost']:08d}-7.png"
    found = tmp_path / "found.png"
    found.write_bytes(b"png of a fox whose file went")
    (tmp_path / "notes.txt").write_text("not an image")
    with pytest.raises(UserFacingError, match=r"\.png"):
        integrity.place_located_file(lib.layout.root, relative, False, tmp_path / "notes.txt")
    with pytest.raises(UserFacingError, match="not a file"):
        integrity.place_located_file(lib.layout.root, relative, False, tmp_path / "gone.png")
    written = integrity.place_located_file(lib.layout.root, relative, False, found)
    assert (lib.layout.root / relative).read_bytes() == found.read_bytes()
    integrity.record_located_file(lib, ids["lost"], written)
    item = shown(lib, item_status.FINISHED)[ids["lost"]]
    assert item.state == item_status.FINISHED and item.asset_path == relative and item.mime == "image/png"
    assert shown(lib, item_status.MISSING) == {}
    assert integrity.check(lib).clean
    with pytest.raises(UserFacingError, match="no longer"):  # a second attempt changes nothing...
        integrity.record_located_file(lib, ids["lost"], written)
    assert (lib.layout.root / relative).exists() and integrity.check(lib).clean  # ...and keeps the item's file


def test_a_copy_for_an_item_that_changed_meanwhile_is_not_left_behind(tmp_path, library):
    lib, ids = library
    relative = f"assets/{ids['lost']:08d}-7.png"
    found = tmp_path / "found.png"
    found.write_bytes(b"png")
    written = integrity.place_located_file(lib.layout.root, relative, False, found)
    lib.generations.fail(ids["lost"], "Something else happened.")  # e.g. another window changed it
    with pytest.raises(UserFacingError, match="no longer"):
        integrity.record_located_file(lib, ids["lost"], written)
    assert not (lib.layout.root / relative).exists() and integrity.check(lib).clean
