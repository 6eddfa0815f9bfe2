"""The Library's paged, filtered, searchable view of the store, and curation."""

import time

import pytest

from desktop.store.generations import NewGeneration
from desktop.store.library import Library
from desktop.store.library_items import LibraryQuery


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "lib")
    base = time.time() - 10_000
    prompts = ["a red fox in snow", "lighthouse at dusk", "explain recursion", "a fox and a hound", "poem about tides"]
    for i in range(250):
        modality = "image" if i % 2 else "text"
        gid = lib.generations.start(NewGeneration(modality=modality, kind="txt2img" if modality == "image" else "chat",
                                                  prompt=f"{prompts[i % 5]} #{i}", params={},
                                                  model_name="sd-tiny" if modality == "image" else "gemma"))
        lib.generations.finish(gid, output_text="")
        lib.conn.execute("UPDATE generations SET created_at=? WHERE id=?", (base + i, gid))
    failed = lib.generations.start(NewGeneration(modality="text", kind="chat", prompt="a red fox that failed", params={}))
    lib.generations.fail(failed, "boom")
    yield lib
    lib.close()


def all_pages(lib, query, limit=40):
    seen, cursor = [], None
    while True:
        page = lib.items.page(query, cursor, limit)
        seen += page.items
        if page.cursor is None:
            return seen
        cursor = page.cursor


@pytest.mark.parametrize("sort", ["newest", "oldest", "rating"])
def test_keyset_pages_cover_everything_once_in_order(library, sort):
    library.items.set_rating([5, 6, 7], 5)
    library.items.set_rating([8], 2)
    items = all_pages(library, LibraryQuery(sort=sort))
    assert len(items) == 250 and len({i.id for i in items}) == 250  # failed rows are not shown
    if sort == "newest":
        assert [i.created_at for i in items] == sorted((i.created_at for i in items), reverse=True)
    elif sort == "oldest":
        assert [i.created_at for i in items] == sorted(i.created_at for i in items)
    else:
        assert [i.rating for i in items[:4]] == [5, 5, 5, 2]


def test_filters_and_search(library):
    assert {i.modality for i in all_pages(library, LibraryQuery(modality="image"))} == {"image"}
    foxes = all_pages(library, LibraryQuery(text="fox"))
    assert len(foxes) == 100 and all("fox" in i.prompt for i in foxes)
    assert len(all_pages(library, LibraryQuery(text="fox", modality="image"))) == 50
    assert len(all_pages(library, LibraryQuery(text="lightho"))) == 50  # prefix while typing
    assert all_pages(library, LibraryQuery(model_name="gemma"))[0].model_name == "gemma"
    newest = library.items.page(LibraryQuery(), limit=1).items[0]
    assert [i.id for i in all_pages(library, LibraryQuery(since=newest.created_at))] == [newest.id]
    assert library.items.model_names() == ["gemma", "sd-tiny"]


def test_favourites_ratings_tags_and_collections(library):
    items = library.items
    items.set_favorite([1, 2], True)
    assert {i.id for i in all_pages(library, LibraryQuery(favorite_only=True))} == {1, 2}
    items.set_rating([3], 4)
    assert [i.id for i in all_pages(library, LibraryQuery(min_rating=4))] == [3]
    with pytest.raises(ValueError):
        items.set_rating([3], 6)
    items.add_tag([1, 3], "  best   of ")
    items.add_tag([3], "portfolio")
    assert items.tags_of(3) == ["best of", "portfolio"]
    assert {i.id for i in all_pages(library, LibraryQuery(tag="Best of"))} == {1, 3}  # case-insensitive
    items.remove_tag([1], "best of")
    assert items.tags_of(1) == []
    holiday = items.create_collection("Holiday")
    mixed = items.create_collection("Mixed media")
    items.add_to_collection(holiday, [1, 2])
    items.add_to_collection(mixed, [2, 3])  # an item may be in several collections
    assert items.collections() == [(holiday, "Holiday", 2), (mixed, "Mixed media", 2)]
    assert {i.id for i in all_pages(library, LibraryQuery(collection_id=mixed))} == {2, 3}
    items.remove_from_collection(mixed, [2])
    assert {i.id for i in all_pages(library, LibraryQuery(collection_id=mixed))} == {3}
    assert items.create_collection("holiday") == holiday  # names are unique, any case


def test_a_long_last_word_is_expanded_into_known_words_and_still_finds_everything(tmp_path):
    from desktop.store.fts import known_terms, match_query, sync_terms

    lib = Library(tmp_path / "lib")
    for prompt in ["Café au lait at dawn", "a cafeteria tray", "lighthouse storm", "lighthouses in fog"]:
        gid = lib.generations.start(NewGeneration(modality="image", kind="txt2img", prompt=prompt, params={}))
        lib.generations.finish(gid)
    assert known_terms(lib.conn, "cafe") == ["cafe", "cafeteria"]  # folded like SQLite's tokenizer
    assert match_query("lighthou", lambda p: known_terms(lib.conn, p)) == '("lighthouse" OR "lighthouses")'
    assert match_query("at lig") == '"at" AND "lig"*'  # short prefixes use the prefix index
    found = lambda text: sorted(i.prompt for i in lib.items.page(LibraryQuery(text=text)).items)  # noqa: E731
    assert found("CAFE") == ["Café au lait at dawn", "a cafeteria tray"]
    assert found("lighthous fog") == []                        # every word must match
    assert found("fog lighthous") == ["lighthouses in fog"]
    # Rows written around the repository (bulk loads) are found once the word list syncs.
    lib.conn.execute("INSERT INTO generations (modality, prompt, status, created_at) VALUES"
                     " ('image', 'zeppelin over Zürich', 'done', 0)")
    sync_terms(lib.conn)
    assert found("zeppeli") == ["zeppelin over Zürich"] and found("zuric") == ["zeppelin over Zürich"]
    lib.close()
