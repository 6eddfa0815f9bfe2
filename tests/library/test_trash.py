"""Deleting from the Library: to the trash (files too), undo, empty; prompt history."""

from desktop.store import integrity, trash
from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library
from desktop.store.library_items import LibraryQuery
from desktop.store.prompt_history import recent_prompts


def add_image(library, name: str) -> int:
    gid = library.generations.start(NewGeneration(modality="image", kind="txt2img", prompt=name, params={}))
    written = write_atomically(library.layout.root, f"assets/{name}.png", b"png-" + name.encode())
    library.generations.finish(gid, assets=[AssetMeta(written, "image/png")])
    library.items.add_to_collection(library.items.create_collection("Keepers"), [gid])
    return gid


def ids(library, **query) -> list[int]:
    return [i.id for i in library.items.page(LibraryQuery(**query), None, 100).items]


def test_delete_moves_files_to_the_trash_and_undo_puts_them_back(tmp_path):
    library = Library(tmp_path / "lib")
    a, b = add_image(library, "fox"), add_image(library, "owl")
    assert trash.move_to_trash(library, [a]) == 1
    assert not (library.layout.assets / "fox.png").exists()
    assert trash.trash_path(library.layout.root, "assets/fox.png").read_bytes() == b"png-fox"
    assert ids(library) == [b] and ids(library, in_trash=True) == [a]
    assert library.items.collections()[0][2] == 1  # a collection counts what is not in the trash
    assert integrity.check(library).clean  # a trashed file is where its row says
    assert trash.restore(library, [a]) == 1
    assert (library.layout.assets / "fox.png").read_bytes() == b"png-fox"
    assert sorted(ids(library)) == [a, b] and ids(library, in_trash=True) == []
    assert library.items.collections()[0][2] == 2  # curation survives the round trip
    library.close()


def test_emptying_the_trash_removes_rows_and_files_for_good(tmp_path):
    library = Library(tmp_path / "lib")
    a, b = add_image(library, "fox"), add_image(library, "owl")
    trash.move_to_trash(library, [a, b])
    trash.restore(library, [b])
    assert trash.delete_forever(library) == 1
    assert library.generations.get(a) is None and library.generations.get(b) is not None
    assert not any((library.layout.root / "trash").rglob("*.png"))
    assert library.items.collections()[0][2] == 1
    assert integrity.check(library).clean
    library.close()


def test_an_interrupted_delete_is_put_right_by_the_repair(tmp_path):
    library = Library(tmp_path / "lib")
    a = add_image(library, "fox")
    # as if the app died after moving the file but before marking the row
    moved = trash.trash_path(library.layout.root, "assets/fox.png")
    moved.parent.mkdir(parents=True)
    (library.layout.assets / "fox.png").rename(moved)
    report = integrity.check(library)
    assert report.missing_files == [(a, "assets/fox.png")] and report.orphan_files == ["trash/assets/fox.png"]
    integrity.repair(library, report)
    assert library.generations.get(a).status == "done" and (library.layout.assets / "fox.png").exists()
    assert integrity.check(library).clean
    library.close()


def test_prompt_history_is_per_panel_distinct_newest_first_and_searchable(tmp_path):
    library = Library(tmp_path / "lib")
    for prompt, kind in [("a red fox", "txt2img"), ("an owl", "img2img"), ("a red fox", "txt2img"),
                         ("explain tides", "text")]:
        modality = "text" if kind == "text" else "image"
        gid = library.generations.start(NewGeneration(modality=modality, kind=kind, prompt=prompt, params={}))
        library.generations.finish(gid)
    assert recent_prompts(library.conn, "image", []) == ["a red fox", "an owl"]
    assert recent_prompts(library.conn, "image", [], text="ow") == ["an owl"]
    assert recent_prompts(library.conn, "text", ["text"]) == ["explain tides"]
    library.close()
