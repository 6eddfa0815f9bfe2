"""Lineage through a saved gallery: the manifest lists each item's sources and uses (ids within
the gallery and content hashes), the CSV and the HTML page name and link them, and importing
into another library — whose ids differ — restores the links between the imported items and
to items that library already holds (by content hash). A manifest's links are never trusted:
malformed ones refuse the gallery, ids it does not have are ignored."""

import csv
import hashlib
import io
import json
import re
import shutil

import pytest
from PIL import Image

from desktop.core.image.image_metadata import encode_image
from desktop.core.image.image_settings import ImageSettings
from desktop.store.asset_files import write_atomically
from desktop.store.gallery_export import collect, export_gallery
from desktop.store.gallery_import import import_gallery
from desktop.store.gallery_lineage import MAX_LINKS
from desktop.store.gallery_manifest import ManifestError
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library


def image(library, prompt, colour, sources=()):
    settings = ImageSettings(prompt=prompt, seed=1)
    gid = library.generations.start(NewGeneration("image", "txt2img", prompt, {"steps": 2}, seed=1))
    for relation, source_id, path in sources:
        library.generations.link_source(gid, relation, source_id, path)
    data = encode_image(Image.new("RGB", (8, 8), colour), "PNG", settings, {})
    written = write_atomically(library.layout.root, f"assets/{gid}.png", data)
    library.generations.finish(gid, assets=[AssetMeta(written, "image/png", 8, 8)])
    return gid


def reply(library, text):
    gid = library.generations.start(NewGeneration("text", "chat", "Write", {}))
    library.generations.finish(gid, output_text=text)
    return gid


def file_hash(library, gid):
    return library.conn.execute("SELECT sha256 FROM assets WHERE generation_id=?", (gid,)).fetchone()[0]


def graph(library) -> set:
    """Every link as (result, relation, source), each item named by its prompt or its text."""
    def name(gid):
        row = library.conn.execute("SELECT prompt, output_text FROM generations WHERE id=?", (gid,)).fetchone()
        return row[1] or row[0]

    rows = library.conn.execute("SELECT generation_id, relation, source_generation_id, source_path"
                                " FROM generation_sources").fetchall()
    return {(name(g), r, name(s) if s is not None else f"file {p}") for g, r, s, p in rows}


@pytest.fixture
def made(tmp_path):
    """A library where a reply became a picture, the picture was upscaled (also from an outside
    photo and from an item left out of the gallery), and the upscale used as an image prompt."""
    library = Library(tmp_path / "source")
    left_out = image(library, "left out", (9, 9, 9))
    story = reply(library, "a tower by the sea")
    tower = image(library, "<tower>", (200, 0, 0), [("prompt from", story, "")])
    upscale = image(library, "tower, larger", (0, 200, 0), [
        ("upscale", tower, str(library.layout.root / f"assets/{tower}.png")),
        ("image prompt", left_out, ""), ("image prompt", None, "/home/me/photos/sea <1>.png")])
    painted = image(library, "tower, painted", (0, 0, 200), [("image prompt", upscale, "")])
    ids = dict(left_out=left_out, story=story, tower=tower, upscale=upscale, painted=painted)
    yield library, ids
    library.close()


EXPECTED = {("<tower>", "prompt from", "a tower by the sea"), ("tower, larger", "upscale", "<tower>"),
            ("tower, larger", "image prompt", "file sea <1>.png"), ("tower, painted", "image prompt", "tower, larger")}


def test_export_then_import_restores_the_graph_under_new_ids(tmp_path, made):
    library, ids = made
    chosen = [ids[k] for k in ("story", "tower", "upscale", "painted")]
    out = tmp_path / "gallery"
    export_gallery(library, out, collect(library, chosen), "folder")

    manifest = json.loads((out / "manifest.json").read_text())
    items = {item["id"]: item for item in manifest["items"]}
    upscale = items[ids["upscale"]]
    assert upscale["sources"] == [
        {"relation": "upscale", "id": ids["tower"], "sha256": file_hash(library, ids["tower"]), "file": ""},
        {"relation": "image prompt", "id": None, "sha256": file_hash(library, ids["left_out"]), "file": ""},
        {"relation": "image prompt", "id": None, "sha256": None, "file": "sea <1>.png"}]
    assert upscale["used_in"] == [{"relation": "image prompt", "id": ids["painted"],
                                   "sha256": file_hash(library, ids["painted"]), "file": ""}]
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO((out / "manifest.csv").read_text()))}
    assert rows[ids["upscale"]]["sources"].startswith(f"upscale #{ids['tower']}; image prompt ")
    assert rows[ids["upscale"]]["used_in"] == f"image prompt #{ids['painted']}"

    page = (out / "index.html").read_text()
    assert f'<figure id="item-{ids["upscale"]}">' in page
    assert f'<a href="#item-{ids["tower"]}">upscale #{ids["tower"]}</a>' in page       # made from
    assert f'<a href="#item-{ids["painted"]}">image prompt #{ids["painted"]}</a>' in page  # used in
    assert "sea &lt;1&gt;.png" in page and "<tower>" not in page and "sea <1>" not in page
    hrefs = set(re.findall(r'href="#item-(\d+)"', page))
    anchors = set(re.findall(r'id="item-(\d+)"', page))
    assert hrefs and hrefs <= anchors  # every link lands on a card of this page

    # Another library, with items of its own first: every id differs.
    other = Library(tmp_path / "other")
    for n in range(7):
        reply(other, f"unrelated {n}")
    result = import_gallery(other, out)
    assert result.imported == 4
    assert graph(other) == EXPECTED
    tower = other.conn.execute("SELECT id FROM generations WHERE prompt='<tower>'").fetchone()[0]
    assert tower != ids["tower"]  # renumbered: the links were mapped, not copied
    # The Library's reverse links work on the imported items.
    larger = other.conn.execute("SELECT id FROM generations WHERE prompt='tower, larger'").fetchone()[0]
    assert [(u.relation, u.modality) for u in other.items.details(larger).lineage.used_in] == [("image prompt", "image")]

    # Importing again (merging) adds no link twice.
    import_gallery(other, out, merge=True)
    assert other.conn.execute("SELECT COUNT(*) FROM generation_sources").fetchone()[0] == len(EXPECTED)
    other.close()


def test_a_source_the_library_already_holds_is_linked_by_its_content_hash(tmp_path, made):
    library, ids = made
    out_all, out_one = tmp_path / "all", tmp_path / "one"
    export_gallery(library, out_one, collect(library, [ids["left_out"]]), "folder")
    export_gallery(library, out_all, collect(library, [ids["upscale"]]), "folder")
    other = Library(tmp_path / "other")
    import_gallery(other, out_one)          # the library has the item the gallery left out…
    import_gallery(other, out_all)          # …so the upscale's link to it comes back
    assert ("tower, larger", "image prompt", "left out") in graph(other)
    # The source that was in neither gallery nor library is not invented.
    assert not any(source == "<tower>" for _r, _rel, source in graph(other))
    other.close()


def hostile(tmp_path, made, edit):
    """A copy of a real gallery whose manifest `edit(items_by_prompt)` changes."""
    library, ids = made
    out = tmp_path / "real"
    if not out.exists():
        export_gallery(library, out, collect(library, [ids[k] for k in ("story", "tower", "upscale", "painted")]),
                       "folder")
    copy = tmp_path / f"hostile-{len(list(tmp_path.glob('hostile-*')))}"
    shutil.copytree(out, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    edit({item["prompt"] if item["modality"] != "text" else "story": item for item in manifest["items"]})
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


@pytest.mark.parametrize("edit, reason", [
    (lambda items: items["<tower>"].update(sources="upscale"), '"sources" is not a list'),
    (lambda items: items["<tower>"].update(sources=[{"relation": "upscale", "id": 1}] * (MAX_LINKS + 1)),
     f"more than {MAX_LINKS}"),
    (lambda items: items["<tower>"].update(sources=["#1"]), "is not an object"),
    (lambda items: items["<tower>"].update(sources=[{"relation": "upscale", "sha256": "zz"}]), '"sha256" is not'),
    (lambda items: items["<tower>"].update(sources=[{"relation": "upscale", "id": "1"}]), '"id" is not'),
    (lambda items: items["<tower>"].update(sources=[{"relation": "upscale", "id": 2**70}]), '"id" is not'),
    (lambda items: items["<tower>"].update(sources=[{"relation": "x" * 500}]), '"relation" is not'),
    (lambda items: items["<tower>"].update(used_in=[{"relation": "upscale", "file": "a" * 10_000}]), '"file" is not'),
])
def test_malformed_links_refuse_the_gallery_and_change_nothing(tmp_path, made, edit, reason):
    gallery = hostile(tmp_path, made, edit)
    other = Library(tmp_path / "other")
    with pytest.raises(ManifestError, match=reason):
        import_gallery(other, gallery)
    assert other.conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0] == 0
    other.close()


def test_links_to_what_the_gallery_does_not_have_are_ignored(tmp_path, made):
    library, ids = made

    def edit(items):
        tower, painted = items["<tower>"], items["tower, painted"]
        tower["sources"] = [
            {"relation": "upscale", "id": 999_999},                          # no such item in the gallery
            {"relation": "upscale", "id": tower["id"]},                      # itself
            {"relation": "<script>alert(1)</script>", "id": painted["id"]},  # a relation Atelier does not know
            {"relation": "frame", "id": 999_998, "file": "x.png"},           # an id it lacks, with a name
            {"relation": "frame", "sha256": "ab" * 32}]                      # a hash nothing has, no name
        tower["used_in"] = [{"relation": "animate", "id": 123_456}]
        items["tower, larger"]["id"] = painted["id"]                        # two items claim one id
    other = Library(tmp_path / "other")
    result = import_gallery(other, hostile(tmp_path, made, edit))
    assert result.imported == 4
    # The tower's listed sources and uses are all ignored, and the two items sharing one id keep
    # no links; the story still lists the tower among its uses, which is restored.
    assert graph(other) == {("<tower>", "prompt from", "a tower by the sea")}
    other.close()


def test_a_gallery_from_before_lineage_imports_as_before(tmp_path, made):
    def edit(items):
        for item in items.values():
            item.pop("sources", None)
            item.pop("used_in", None)
            item["id"] = "not a number"
    other = Library(tmp_path / "other")
    assert import_gallery(other, hostile(tmp_path, made, edit)).imported == 4
    assert graph(other) == set()
    other.close()


def test_the_exported_hashes_are_the_files_bytes(tmp_path, made):
    library, ids = made
    out = tmp_path / "g"
    export_gallery(library, out, collect(library, [ids["tower"], ids["upscale"]]), "folder")
    items = {i["id"]: i for i in json.loads((out / "manifest.json").read_text())["items"]}
    tower_file = out / items[ids["tower"]]["file"]
    assert items[ids["upscale"]]["sources"][0]["sha256"] == hashlib.sha256(tower_file.read_bytes()).hexdigest()
