"""Importing galleries loses nothing and claims nothing twice: existing items are skipped
unless merging, a failure or a kill after a file is written leaves no file without its
row, two imports at once both succeed, and a hostile archive is streamed in bounded memory."""

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from desktop.core.errors import UserFacingError
from desktop.core.image.image_metadata import encode_image
from desktop.core.image.image_settings import ImageSettings
from desktop.store import gallery_import, integrity
from desktop.store.asset_files import write_atomically
from desktop.store.gallery_export import collect, export_gallery
from desktop.store.gallery_import import import_gallery
from desktop.store.gallery_manifest import ManifestError
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library

ROOT = Path(__file__).resolve().parents[2]


def make_items(library, count: int, tint: int = 0) -> list[int]:
    ids = []
    for i in range(count):
        settings = ImageSettings(prompt=f"tile {tint} {i}", seed=i)
        gid = library.generations.start(NewGeneration(modality="image", kind="txt2img", prompt=settings.prompt,
                                                      params={"steps": 2}, seed=i))
        data = encode_image(Image.new("RGB", (8, 8), (tint, i % 256, 0)), "PNG", settings, {})
        written = write_atomically(library.layout.root, f"assets/{gid}.png", data)
        library.generations.finish(gid, assets=[AssetMeta(written, "image/png", 8, 8)])
        ids.append(gid)
    chat = library.generations.start(NewGeneration(modality="text", kind="chat", prompt=f"a haiku {tint}", params={}))
    library.generations.finish(chat, output_text="old pond / a frog jumps")
    return ids + [chat]


@pytest.fixture
def gallery(tmp_path):
    """A saved gallery of three images and a chat, and the library it came from."""
    source = Library(tmp_path / "source")
    make_items(source, 3)
    out = tmp_path / "gallery.zip"
    export_gallery(source, out, collect(source), "zip")
    yield source, out
    source.close()


def imported_files(library) -> list[Path]:
    folder = library.layout.root / gallery_import.FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def curation(library, gid):
    g = library.generations.get(gid)
    return bool(g.favorite), g.rating, library.items.tags_of(gid), library.items.collections_of(gid)


def test_an_existing_item_is_skipped_and_changes_only_when_merging(tmp_path, gallery):
    source, plain = gallery
    fresh = Library(tmp_path / "fresh")
    assert (import_gallery(fresh, plain).imported, len(imported_files(fresh))) == (4, 3)
    fresh.items.set_rating([2], 2)  # the person's own rating: a merge keeps it
    source.items.set_favorite([1, 2], True)
    source.items.set_rating([1, 2], 5)
    source.items.add_tag([1, 2, 4], "beach")
    source.items.add_to_collection(source.items.create_collection("Holiday"), [1, 4])
    curated = tmp_path / "curated.zip"
    export_gallery(source, curated, collect(source), "zip")
    before = [curation(fresh, gid) for gid in (1, 2, 3, 4)]

    skipped = import_gallery(fresh, curated)
    assert (skipped.imported, skipped.duplicates, skipped.merged) == (0, 4, False)
    assert [curation(fresh, gid) for gid in (1, 2, 3, 4)] == before  # nothing applied to existing items

    merged = import_gallery(fresh, curated, merge=True)
    assert (merged.imported, merged.duplicates, merged.merged) == (0, 4, True)
    assert curation(fresh, 1) == (True, 5, ["beach"], ["Holiday"])
    assert curation(fresh, 2) == (True, 2, ["beach"], [])          # its own rating stays
    assert curation(fresh, 4) == (False, None, ["beach"], ["Holiday"])  # text, by its words and time
    assert len(imported_files(fresh)) == 3 and integrity.check(fresh).clean
    fresh.close()


def test_cli_import_skips_or_merges(tmp_path, gallery, capsys):
    from desktop.cli import main

    source, out = gallery
    data = str(tmp_path / "other")
    assert main(["--data-dir", data, "import", str(out)]) == 0
    source.items.add_tag([1], "sea")
    tagged = tmp_path / "tagged.zip"
    export_gallery(source, tagged, collect(source), "zip")
    assert main(["--data-dir", data, "import", str(tagged)]) == 0
    assert "0 imported, 4 already in the library (left as they were)" in capsys.readouterr().out
    other = Library(data)
    assert other.items.tags_of(1) == []
    other.close()
    assert main(["--data-dir", data, "import", "--merge", str(tagged)]) == 0
    assert "0 imported, 4 already in the library (merged)" in capsys.readouterr().out
    other = Library(data)
    assert other.items.tags_of(1) == ["sea"]
    other.close()


def test_a_database_error_after_a_file_is_written_leaves_no_file_and_no_row(tmp_path, gallery, monkeypatch):
    _source, out = gallery
    fresh = Library(tmp_path / "fresh")
    real_insert, calls = gallery_import._insert, []

    def failing_insert(library, item, metas):
        calls.append(item.index)
        if len(calls) == 2:  # the second item's file is in place by now
            assert all(m.file.path.exists() for m in metas)
            raise sqlite3.OperationalError("disk I/O error")
        real_insert(library, item, metas)

    monkeypatch.setattr(gallery_import, "_insert", failing_insert)
    with pytest.raises(sqlite3.OperationalError):
        import_gallery(fresh, out)
    rows = fresh.conn.execute("SELECT path FROM assets").fetchall()
    assert [p.relative_to(fresh.layout.root).as_posix() for p in imported_files(fresh)] == [r[0] for r in rows]
    assert len(rows) == 1 and fresh.conn.execute("SELECT count(*) FROM staging").fetchone()[0] == 0
    assert integrity.check(fresh).clean
    monkeypatch.setattr(gallery_import, "_insert", real_insert)
    assert import_gallery(fresh, out).imported == 3  # the rest comes in on a second try
    fresh.close()


def test_a_bad_value_is_refused_before_anything_is_written(tmp_path, gallery):
    _source, out = gallery
    with zipfile.ZipFile(out) as z:
        manifest = json.loads(z.read("manifest.json"))
        files = {name: z.read(name) for name in z.namelist() if name.startswith("files/")}
    manifest["items"][2]["rating"] = 9
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest))
        for name, data in files.items():
            z.writestr(name, data)
    fresh = Library(tmp_path / "fresh")
    with pytest.raises(ManifestError, match=r'manifest.json in bad.zip is not an Atelier gallery manifest '
                                            r'\(item 3: "rating" is not a whole number from 1 to 5\)'):
        import_gallery(fresh, bad)
    assert imported_files(fresh) == [] and fresh.conn.execute("SELECT count(*) FROM generations").fetchone()[0] == 0
    fresh.close()


def test_a_kill_after_a_file_is_placed_is_cleaned_at_the_next_start(tmp_path, gallery):
    _source, out = gallery
    data = tmp_path / "fresh"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from desktop.store import gallery_import
        from desktop.store.library import Library

        def killed(library, item, metas):  # the file is in place, its row not yet committed
            assert all(m.file.path.exists() for m in metas)
            os.kill(os.getpid(), signal.SIGKILL)

        gallery_import._insert = killed
        gallery_import.import_gallery(Library({str(data)!r}), {str(out)!r})
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == -9
    library = Library(data)
    placed = imported_files(library)
    assert len(placed) == 1 and not placed[0].name.startswith(".partial")
    assert integrity.check(library).leftovers.staging == placed
    assert library.recover_after_crash().staging_removed == 1
    assert imported_files(library) == [] and integrity.check(library).clean
    library.close()


IMPORTER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from desktop.store.gallery_import import import_gallery
    from desktop.store.library import Library
    library = Library(sys.argv[2])
    while not Path(sys.argv[4]).exists():  # start together
        time.sleep(0.005)
    result = import_gallery(library, sys.argv[3])
    print(result.imported, result.duplicates)
""")


def test_two_processes_importing_at_once_both_succeed(tmp_path):
    source = Library(tmp_path / "source")
    ids = make_items(source, 40)
    out = tmp_path / "big.zip"
    export_gallery(source, out, collect(source), "zip")
    source.close()
    data, go = tmp_path / "shared", tmp_path / "go"
    Library(data).close()
    processes = [subprocess.Popen([sys.executable, "-c", IMPORTER, str(ROOT), str(data), str(out), str(go)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    go.touch()
    results = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], [err for _out, err in results]
    counts = [tuple(map(int, out.split())) for out, _err in results]
    assert sum(c[0] for c in counts) == len(ids) and sum(c[1] for c in counts) == len(ids)
    library = Library(data)
    assert library.conn.execute("SELECT count(*) FROM generations").fetchone()[0] == len(ids)
    assert len(imported_files(library)) == len(ids) - 1 and integrity.check(library).clean
    library.close()


def test_two_threads_importing_at_once_both_succeed(tmp_path, gallery):
    _source, out = gallery
    data = tmp_path / "shared"
    libraries = [Library(data), Library(data)]
    results, errors = [], []

    def run(library):
        try:
            results.append(import_gallery(library, out))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(lib,)) for lib in libraries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and sum(r.imported for r in results) == 4 and sum(r.duplicates for r in results) == 4
    assert len(imported_files(libraries[0])) == 3 and integrity.check(libraries[0]).clean
    for library in libraries:
        library.close()


HOSTILE = textwrap.dedent("""
    import sys, threading, time
    import psutil
    sys.path.insert(0, sys.argv[1])
    from desktop.core.errors import UserFacingError
    from desktop.store.gallery_import import import_gallery
    from desktop.store.library import Library
    library = Library(sys.argv[2])
    process = psutil.Process()
    baseline = peak = process.memory_info().rss
    done = threading.Event()

    def sample():  # the resident size itself, every few milliseconds (ru_maxrss keeps start-up's peak)
        global peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.003)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        import_gallery(library, sys.argv[3])
        outcome = "imported"
    except UserFacingError as exc:
        outcome = str(exc)
    done.set()
    sampler.join()
    print(max(peak, process.memory_info().rss) - baseline)
    print(outcome)
""")


def test_a_hostile_archive_is_imported_in_bounded_memory(tmp_path):
    """The measured case: a 16 MB zip with one 1.5 GiB member (3.1 GB RSS when read whole),
    whose manifest also holds the most memory-hungry items the reader accepts (5 items of
    nearly 1 MiB of empty objects, each read and dropped in turn)."""
    out = tmp_path / "hostile.zip"
    zeros = bytes(1 << 20)
    bomb = {"modality": "image", "assets": [{"file": "files/huge.png", "sha256": "0" * 64}]}
    hungry = '{"modality": "text", "params": {"a": [' + ",".join(["{}"] * 345_000) + "]}}"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", '{"format": "atelier-gallery", "version": 1, "items": ['
                   + ",".join([json.dumps(bomb)] + [hungry] * 5) + "]}")
        with z.open("files/huge.png", "w", force_zip64=True) as member:
            for _ in range(1536):
                member.write(zeros)
        z.writestr(zipfile.ZipInfo("files/noise.bin"), os.urandom(14_500_000))
    assert 15e6 < out.stat().st_size < 17e6
    data = tmp_path / "lib"
    run = subprocess.run([sys.executable, "-c", HOSTILE, str(ROOT), str(data), str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    growth, outcome = run.stdout.splitlines()
    print(f"peak RSS growth importing a 16 MB archive with a 1.5 GiB member: {int(growth) / 1e6:.1f} MB")
    assert int(growth) < 100e6
    assert "files/huge.png does not match its recorded checksum" in outcome
    library = Library(data)
    assert imported_files(library) == [] and integrity.check(library).clean
    library.close()


def test_missing_files_and_foreign_archives_get_messages(tmp_path, gallery):
    _source, out = gallery
    fresh = Library(tmp_path / "fresh")
    partial = tmp_path / "partial.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(partial, "w") as dst:
        for info in src.infolist():
            if info.filename != "files/00000003-3.png":
                dst.writestr(info, src.read(info))
    with pytest.raises(UserFacingError, match="partial.zip lists files/00000003-3.png but does not contain it"):
        import_gallery(fresh, partial)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(UserFacingError, match="empty.zip is not an Atelier gallery .it has no manifest.json"):
        import_gallery(fresh, empty)
    assert imported_files(fresh) == []
    fresh.close()
