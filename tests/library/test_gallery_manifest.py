"""The manifest reader meets outside data: whatever it is given, it either returns checked
items or raises ManifestError naming the file — never AttributeError, RecursionError,
KeyError or a half-read gallery."""

import io
import json
import math
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.store import gallery_manifest
from desktop.store.gallery_manifest import GalleryItem, ManifestError, ManifestReader

LABEL = "manifest.json in holiday.zip"
SHA = "ab" * 32
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=30)
ITEM_KEYS = ["modality", "kind", "prompt", "negative", "output_text", "params", "model_name", "model_sha256",
             "seed", "created_at", "favorite", "rating", "tags", "collections", "assets"]


def reader(data: bytes) -> ManifestReader:
    return ManifestReader(lambda: io.BytesIO(data), LABEL)


def read_all(data: bytes) -> list[GalleryItem]:
    """Both passes, as the importer makes them."""
    manifest = reader(data)
    count = manifest.scan().count
    items = list(manifest.items())
    assert len(items) == count
    return items


def manifest(items, **header) -> bytes:
    return json.dumps({"format": "atelier-gallery", "version": 1, "items": items, **header}).encode()


def refused(data: bytes) -> str:
    with pytest.raises(ManifestError) as caught:
        read_all(data)
    message = str(caught.value)
    assert message.startswith(f"{LABEL} is not an Atelier gallery manifest (") or "newer Atelier" in message
    assert "Import a gallery that Atelier saved" in message or "update Atelier" in message
    return message


def outcome(data: bytes):
    """The items, or the ManifestError: nothing else may come out."""
    try:
        return read_all(data)
    except ManifestError as exc:
        assert str(exc).startswith(LABEL)
        return exc


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes(data):
    outcome(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_document(value):
    outcome(json.dumps(value).encode())


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(st.sampled_from(ITEM_KEYS), json_values, max_size=6) | json_values, max_size=4),
       st.dictionaries(st.sampled_from(["format", "version", "title"]), json_values, max_size=2))
def test_items_of_any_shape(items, header):
    result = outcome(manifest(items, **header))
    if isinstance(result, list):  # accepted items are exactly the documented shape
        for item in result:
            assert isinstance(item.prompt, str) and isinstance(item.params, dict)
            assert item.seed is None or type(item.seed) is int
            assert item.rating is None or 1 <= item.rating <= 5
            assert item.created_at is None or math.isfinite(item.created_at)
            assert all(isinstance(t, str) and t for t in item.tags + item.collections)
            json.dumps(item.params, allow_nan=False)  # what the importer stores
            item.prompt.encode("utf-8")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(min_size=1, max_size=60), st.integers(min_value=0, max_value=10**6))
def test_a_good_manifest_damaged_anywhere(noise, where):
    good = manifest([{"prompt": "a cat", "assets": [{"file": "files/1.png", "sha256": SHA}]}] * 3, title="T")
    where %= len(good)
    outcome(good[:where] + noise + good[where:])
    outcome(good[:where])


@pytest.mark.parametrize("data, reason", [
    (b"[]", "it is not a JSON object"),                                   # was AttributeError
    (b"[" * 100_000 + b"]" * 100_000, "it is not a JSON object"),
    (manifest([{"params": {"a": json.loads("[" * 900 + "]" * 900)}}]), '"params" is nested too deeply'),
    (b'{"format": "atelier-gallery", "items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
     "nested too deeply"),                                                # was RecursionError
    (b'{"format": "atelier-gallery"}', 'it has no "items" list'),
    (manifest([], format="something-else"), '"format" is not "atelier-gallery"'),
    (b'{"format": "atelier-gallery", "items": {}}', '"items" is not a list'),
    (manifest(["a cat"]), "item 1 is not an object"),
    (manifest([{"tags": "beach"}]), 'item 1: "tags" is not a list of names'),
    (manifest([{}, {"seed": 2**64}]), 'item 2: "seed" is not a whole number'),
    (manifest([{"seed": "42"}]), 'item 1: "seed" is not a whole number'),
    (manifest([{"assets": [{"file": "files/1.png"}]}]), 'item 1, file 1: "sha256" is not a SHA-256 checksum'),
    (manifest([{"assets": [{"sha256": SHA}]}]), 'item 1, file 1: "file" is missing'),
    (manifest([{"assets": {"file": "x"}}]), 'item 1: "assets" is not a list'),
    (manifest([{"created_at": "yesterday"}]), 'item 1: "created_at" is not a number'),
    (b"\xff\xfe{}", "it is not UTF-8 text"),
    (b'{"format": "atelier-gallery", "items": []} trailing', "there is more after its end"),
    (b'{"format": "atelier-gallery", "items": [], "items": []}', '"items" appears twice'),
    (b'{"format": "atelier-gallery", "items": [{}', "not valid JSON"),
    (b"", "it is not a JSON object"),
])
def test_wrong_shapes_get_a_message_that_names_the_file(data, reason):
    assert reason in refused(data)


def test_a_newer_version_says_to_update():
    assert "written by a newer Atelier (gallery version 2); update Atelier" in refused(manifest([], version=2))


def test_lenient_where_nothing_is_lost():
    data = (b'{"format": "atelier-gallery", "version": 1, "items": [{"prompt": "x\\ud800", "rating": 0,'
            b' "params": {"cfg": NaN, "big": 1e999, "deep": [Infinity]}, "created_at": -Infinity,'
            b' "tags": ["  sea  ", "", "sea"], "collections": null, "favorite": 1}]}')
    [item] = read_all(data)
    assert item.prompt == "x?" and item.rating is None and item.favorite is True
    assert item.params == {"cfg": None, "big": None, "deep": [None]} and item.created_at is None
    assert item.tags == ("sea",) and item.collections == ()


def test_items_are_read_one_at_a_time(monkeypatch):
    """A manifest far larger than one item is read through a small window."""
    monkeypatch.setattr(gallery_manifest, "CHUNK", 4096)
    items = [{"prompt": f"item {i} " + "x" * 300, "assets": [{"file": f"files/{i}.png", "sha256": SHA}]}
             for i in range(3000)]
    data = json.dumps({"items": items, "title": "Big", "format": "atelier-gallery"}, indent=1).encode()
    windows = []
    real_fill = gallery_manifest._Text.fill

    def fill(self):
        real_fill(self)
        windows.append(len(self.buffer))

    monkeypatch.setattr(gallery_manifest._Text, "fill", fill)
    manifest_reader = reader(data)
    summary = manifest_reader.scan()
    assert (summary.title, summary.count) == ("Big", 3000)
    assert [i.prompt for i in manifest_reader.items()][2999].startswith("item 2999")
    assert len(data) > 1_000_000 and max(windows) < 10_000


def test_an_item_larger_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(gallery_manifest, "MAX_VALUE_CHARS", 10_000)
    monkeypatch.setattr(gallery_manifest, "CHUNK", 4096)
    assert "an entry is larger than" in refused(manifest([{"prompt": "x" * 50_000}]))


def test_the_importer_names_the_archive_for_a_manifest_of_the_wrong_shape(tmp_path):
    from desktop.store.gallery_import import import_gallery
    from desktop.store.library import Library

    archive = tmp_path / "holiday.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("manifest.json", "[" * 50_000 + "]" * 50_000)
    folder = tmp_path / "trip"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"format": "atelier-gallery", "items": [{"rating": "five"}]}')
    library = Library(tmp_path / "lib")
    with pytest.raises(ManifestError, match=r"^manifest.json in holiday.zip is not an Atelier gallery manifest"):
        import_gallery(library, archive)
    with pytest.raises(ManifestError, match=r'trip/manifest.json is not an Atelier gallery manifest \(item 1: "rating"'):
        import_gallery(library, folder)
    library.close()
