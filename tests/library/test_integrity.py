"""Start-up integrity: missing files, unclaimed files, and recovery after SIGKILL mid-write."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

from desktop.store import integrity
from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library


def add_item(library, name: str) -> int:
    gid = library.generations.start(NewGeneration(modality="image", kind="txt2img", prompt=name, params={}))
    written = write_atomically(library.layout.root, f"assets/{name}.png", b"png-bytes")
    library.generations.finish(gid, assets=[AssetMeta(written, "image/png")])
    return gid


def test_missing_and_unclaimed_files_are_reported_then_repaired(tmp_path):
    library = Library(tmp_path / "lib")
    kept, lost = add_item(library, "kept"), add_item(library, "lost")
    (library.layout.assets / "lost.png").unlink()
    (library.layout.assets / "stray.png").write_bytes(b"?")
    report = integrity.check(library)
    assert report.database_ok and report.missing_files == [(lost, "assets/lost.png")]
    assert report.orphan_files == ["assets/stray.png"]
    assert "1 item(s) whose file is missing" in report.summary()
    integrity.repair(library, report)
    assert library.generations.get(lost).status == "failed" and library.generations.get(kept).status == "done"
    assert (library.layout.root / "lost+found" / "assets" / "stray.png").exists()
    assert integrity.check(library).clean
    library.close()


def test_sigkill_in_the_middle_of_writing_leaves_a_consistent_library(tmp_path):
    data = tmp_path / "lib"
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(os.getcwd())!r})
        from desktop.store.library import Library
        from desktop.store.asset_files import write_atomically
        from desktop.store.generations import AssetMeta, NewGeneration
        lib = Library({str(data)!r})
        i = 0
        while True:
            gid = lib.generations.start(NewGeneration(modality="image", kind="txt2img", prompt=f"p{{i}}", params={{}}))
            written = write_atomically(lib.layout.root, f"assets/{{i}}.png", b"x" * 200_000)
            lib.generations.finish(gid, assets=[AssetMeta(written, "image/png")])
            i += 1
            if i == 20:
                print("ready", flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    library = Library(data)
    recovered = library.recover_after_crash()
    assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    done = library.conn.execute("SELECT count(*) FROM generations WHERE status='done'").fetchone()[0]
    assert done >= 20
    report = integrity.check(library)
    assert report.database_ok and report.missing_files == []  # every finished item has its file
    assert not list(library.layout.assets.rglob(".partial-*"))  # temp files cleaned
    assert recovered.interrupted <= 1
    conn = sqlite3.connect(data / "library.sqlite3")
    assert conn.execute("SELECT count(*) FROM generations WHERE status='running'").fetchone()[0] == 0
    conn.close()
    library.close()


def test_sigkill_in_the_middle_of_an_export_leaves_the_library_whole(tmp_path):
    data, out = tmp_path / "lib", tmp_path / "out" / "gallery.zip"
    out.parent.mkdir()
    library = Library(data)
    ids = [add_item(library, f"item{i}") for i in range(40)]
    for i in range(40):  # big, incompressible files so the export takes a while
        (library.layout.assets / f"item{i}.png").write_bytes(os.urandom(1_000_000))
    library.close()
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from desktop.store.library import Library
        from desktop.store.gallery_export import collect, export_gallery
        lib = Library({str(data)!r})
        entries = collect(lib)
        def progress(done, total):
            if done == 5:
                print("exporting", flush=True)
        export_gallery(lib, {str(out)!r}, entries, "zip", progress=progress)
        print("finished", flush=True)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "exporting"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    staged = list(out.parent.iterdir())  # staged beside the destination, never in the library
    assert [p.name for p in staged] == [p.name for p in out.parent.glob("gallery.zip.*.partial")] != []
    library = Library(data)
    assert not any(library.layout.temp.iterdir())
    assert integrity.check(library).leftovers.staging == staged  # reported before it is cleaned
    recovered = library.recover_after_crash()
    assert recovered.staging_removed == 1
    assert library.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [g.id for g in library.generations.recent(100)] == sorted(ids, reverse=True)
    assert integrity.check(library).clean
    assert not out.exists() and list(out.parent.iterdir()) == []  # nothing half-written where the user looks
    library.close()
