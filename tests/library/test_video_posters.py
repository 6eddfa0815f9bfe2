"""A clip's poster through a gallery export and import (the imported clip shows the same
poster tile; a missing or bad poster costs only the poster), and the PNGs of frames handed to
the Image studio (none is left once the viewer has closed)."""

import hashlib
import json
import struct
import tempfile
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QCoreApplication, QEvent, Qt

from app_window import open_only_library_item, open_window, tile_drawn
from desktop.core.errors import UserFacingError
from desktop.core.video.video_files import encode_video, poster_png
from desktop.core.video.video_metadata import VideoTags
from desktop.store.asset_files import write_atomically
from desktop.store.gallery_export import collect, export_gallery
from desktop.store.gallery_import import import_gallery
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library
from desktop.ui.library.video_view import FrameFiles
from desktop.viewmodels.video_thumbnails import make_video_thumbnail, poster_path

RED = (220, 20, 20)        # the poster
BLUE = (0, 10, 200)        # every frame of the clip


def add_clip(library, tmp_path, index: int = 3) -> int:
    """A finished video generation as a video job leaves it: the clip, then its poster beside it."""
    gid = library.generations.start(NewGeneration(modality="video", kind="txt2vid", prompt=f"paper boat {index}",
                                                  params={"frames": 6, "fps": 8}, model_name="tiny", seed=index))
    tags = VideoTags(f"paper boat {index}", "tiny", index, {"frames": 6, "fps": 8}, {})
    clip = tmp_path / f"clip-{index}.mp4"
    encode_video([Image.new("RGB", (64, 48), BLUE)] * 6, 8, "mp4", tags, clip)
    relative = f"assets/{gid:08d}-{index}.mp4"
    root = library.layout.root
    poster = poster_png(Image.new("RGB", (64, 48), RED), tags)
    library.generations.finish(gid, output_text="", assets=[
        AssetMeta(write_atomically(root, relative, clip.read_bytes()), "video/mp4", 64, 48, 0.75),
        AssetMeta(write_atomically(root, relative[:-4] + "-poster.png", poster), "image/png", 64, 48)])
    return gid


def centre(image) -> tuple:
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def is_red(rgb) -> bool:
    return rgb[0] > 180 and rgb[2] < 60


def is_blue(rgb) -> bool:
    return rgb[0] < 60 and rgb[2] > 150


@pytest.fixture
def exported(tmp_path):
    """(zip, its poster's member name, the poster's bytes) of a library with one clip."""
    library = Library(tmp_path / "data")
    gid = add_clip(library, tmp_path)
    out = tmp_path / "gallery.zip"
    export_gallery(library, out, collect(library), "zip")
    poster_bytes = (library.layout.root / f"assets/{gid:08d}-3-poster.png").read_bytes()
    library.close()
    return out, f"files/{gid:08d}-3-poster.png", poster_bytes


def imported(tmp_path, gallery, name: str = "fresh") -> tuple[Library, dict]:
    fresh = Library(tmp_path / name)
    assert import_gallery(fresh, gallery).imported == 1
    [item] = collect(fresh)
    return fresh, item


def rewritten(gallery: Path, out: Path, poster: str, data: bytes | None, fix_checksum: bool) -> Path:
    """A copy of `gallery` whose poster member holds `data` (None: no poster member at all)."""
    with zipfile.ZipFile(gallery) as source, zipfile.ZipFile(out, "w") as target:
        manifest = json.loads(source.read("manifest.json"))
        for name in source.namelist():
            if name == poster:
                if data is not None:
                    target.writestr(name, data)
            elif name != "manifest.json":
                target.writestr(name, source.read(name))
        if fix_checksum and data is not None:
            for asset in manifest["items"][0]["assets"]:
                if asset["file"] == poster:
                    asset["sha256"] = hashlib.sha256(data).hexdigest()
        target.writestr("manifest.json", json.dumps(manifest))
    return out


def huge_png(width: int, height: int) -> bytes:
    """A small file whose header declares width×height pixels (a decompression bomb's shape)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


# -- the poster survives export and import ---------------------------------------------------

@pytest.mark.parametrize("fmt", ["zip", "folder"])
def test_an_imported_clip_keeps_its_poster_where_its_tile_looks(qapp, tmp_path, fmt):
    library = Library(tmp_path / "data")
    add_clip(library, tmp_path)
    out = tmp_path / f"gallery-{fmt}"
    export_gallery(library, out, collect(library), fmt)
    library.close()
    fresh, item = imported(tmp_path, out)
    root = fresh.layout.root
    clip, poster = (root / asset["path"] for asset in item["assets"])
    assert [a["mime"] for a in item["assets"]] == ["video/mp4", "image/png"]   # still the second asset
    assert poster == poster_path(str(clip)) and poster.is_file()               # and where the grid looks
    assert hashlib.sha256(poster.read_bytes()).hexdigest() == item["assets"][1]["sha256"]
    assert is_red(centre(make_video_thumbnail(str(clip), 160)))                 # the poster, not a frame
    fresh.close()


def test_the_page_and_the_manifest_name_the_poster(exported):
    out, poster, poster_bytes = exported
    with zipfile.ZipFile(out) as archive:
        page = archive.read("index.html").decode()
        manifest = json.loads(archive.read("manifest.json"))
        assert archive.read(poster) == poster_bytes
    [item] = manifest["items"]
    assert item["poster"] == poster and [a["file"] for a in item["assets"]][1] == poster
    assert f'poster="{poster}" src="{item["file"]}"' in page


def test_the_imported_tile_in_the_library_grid_is_the_poster(qtbot, tmp_path, exported):
    fresh, _item = imported(tmp_path, exported[0])
    fresh.close()
    window, services = open_window(qtbot, tmp_path / "fresh", panel="library")
    try:
        model = window.panel("library").model
        qtbot.waitUntil(lambda: model.rowCount() == 1 and not model.loading, timeout=10000)
        placeholder = model._placeholder("video").toImage()
        qtbot.waitUntil(lambda: tile_drawn(model, 0, placeholder), timeout=10000)
        assert is_red(centre(model.index(0).data(Qt.DecorationRole).toImage()))
    finally:
        services.shutdown()


def test_a_taken_poster_name_moves_the_clip_and_its_poster_together(qapp, tmp_path, exported):
    """Another file already at the name the poster would take: the clip takes another name,
    so its poster still sits beside it under the clip's name, and the other file is untouched."""
    out, poster_member, _bytes = exported
    with zipfile.ZipFile(out) as archive:
        clip_asset = json.loads(archive.read("manifest.json"))["items"][0]["assets"][0]
    squatter = tmp_path / "fresh" / "assets/imported" / f"{clip_asset['sha256'][:16]}-{Path(clip_asset['file']).stem}-poster.png"
    squatter.parent.mkdir(parents=True)
    squatter.write_bytes(b"someone else's")
    fresh, item = imported(tmp_path, out)
    clip, poster = (fresh.layout.root / asset["path"] for asset in item["assets"])
    assert poster == poster_path(str(clip)) != squatter and squatter.read_bytes() == b"someone else's"
    assert is_red(centre(make_video_thumbnail(str(clip), 160)))
    fresh.close()


# -- a missing or bad poster costs only the poster ------------------------------------------

@pytest.mark.parametrize("case", ["missing", "wrong checksum", "not a png", "truncated png", "pixel bomb"])
def test_a_missing_or_bad_poster_imports_the_clip_with_its_first_frame(qapp, tmp_path, exported, case):
    out, poster, poster_bytes = exported
    data, fix = {"missing": (None, False), "wrong checksum": (poster_bytes[:-1] + b"\0", False),
                 "not a png": (b"GIF89a" + bytes(200), True), "truncated png": (poster_bytes[:60], True),
                 "pixel bomb": (huge_png(20_000, 20_000), True)}[case]
    gallery = rewritten(out, tmp_path / "damaged.zip", poster, data, fix)
    fresh, item = imported(tmp_path, gallery)
    [clip_asset] = item["assets"]
    clip = fresh.layout.root / clip_asset["path"]
    assert clip_asset["mime"] == "video/mp4" and clip.is_file()
    assert not poster_path(str(clip)).exists()
    assert [p.name for p in clip.parent.iterdir()] == [clip.name]      # no stray staged poster
    assert fresh.conn.execute("SELECT COUNT(*) FROM staging").fetchone()[0] == 0
    assert is_blue(centre(make_video_thumbnail(str(clip), 160)))        # the first frame instead
    fresh.close()


def test_a_missing_clip_still_refuses_the_gallery(tmp_path, exported):
    out, poster, _bytes = exported
    with zipfile.ZipFile(out) as archive:
        clip = json.loads(archive.read("manifest.json"))["items"][0]["file"]
    gallery = rewritten(out, tmp_path / "no-clip.zip", clip, None, False)
    fresh = Library(tmp_path / "fresh")
    with pytest.raises(UserFacingError, match="does not contain it"):
        import_gallery(fresh, gallery)
    assert collect(fresh) == []
    fresh.close()


def test_a_poster_outside_the_gallery_folder_still_refuses_the_gallery(tmp_path):
    """Leniency for a missing poster is no way around the path checks."""
    library = Library(tmp_path / "data")
    add_clip(library, tmp_path)
    folder = tmp_path / "gallery"
    export_gallery(library, folder, collect(library), "folder")
    library.close()
    (tmp_path / "evil.png").write_bytes(b"outside")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["items"][0]["assets"][1]["file"] = "../evil.png"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    fresh = Library(tmp_path / "fresh")
    with pytest.raises(UserFacingError, match="refers outside its folder"):
        import_gallery(fresh, folder)
    assert collect(fresh) == []
    fresh.close()


def test_a_clip_whose_poster_file_is_gone_still_exports(tmp_path):
    library = Library(tmp_path / "data")
    gid = add_clip(library, tmp_path)
    (library.layout.root / f"assets/{gid:08d}-3-poster.png").unlink()
    out = tmp_path / "gallery.zip"
    assert export_gallery(library, out, collect(library), "zip").files == 1
    with zipfile.ZipFile(out) as archive:
        [item] = json.loads(archive.read("manifest.json"))["items"]
        page = archive.read("index.html").decode()
    assert [a["mime"] for a in item["assets"]] == ["video/mp4"] and "poster" not in item
    assert "<video" in page and "poster=" not in page
    library.close()


# -- frames handed to the Image studio --------------------------------------------------------

def frame_files_in(folder: Path) -> list[Path]:
    return list(folder.rglob("atelier-frame*.png"))


def test_frame_files_are_removed_only_after_a_running_save(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    files = FrameFiles()
    first = files.next_path()
    first.write_bytes(b"png")
    files.saved()
    second = files.next_path()   # a save still running on the pool when the view goes
    files.close()
    assert files.folder is not None and first.exists()
    second.write_bytes(b"png")
    files.saved()
    assert frame_files_in(tmp_path) == []
    FrameFiles().close()         # a view that never handed a frame has nothing to remove


def test_no_frame_file_is_left_once_the_viewer_has_closed(qtbot, tmp_path, monkeypatch):
    from desktop import playback

    monkeypatch.setattr(playback, "can_play", lambda: False)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    library = Library(tmp_path / "data")
    add_clip(library, tmp_path)
    library.close()
    window, services = open_window(qtbot, tmp_path / "data", panel="library")
    try:
        viewer = open_only_library_item(qtbot, window)
        video = viewer.pane.video
        qtbot.waitUntil(lambda: len(video._frames) == 6, timeout=10000)
        image_panel = window.panel("image")
        for _ in range(2):
            image_panel.init_image = None
            video.use_frame()
            qtbot.waitUntil(lambda: image_panel.init_image is not None, timeout=10000)
        assert image_panel.init_image.size == (64, 48)
        assert len(frame_files_in(temp)) == 2       # they exist while the viewer is open
        gone = []
        viewer.destroyed.connect(lambda *_: gone.append(True))
        viewer.close()                              # WA_DeleteOnClose
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        qtbot.waitUntil(lambda: bool(gone), timeout=5000)
        assert frame_files_in(temp) == [] and list(temp.iterdir()) == []
    finally:
        services.shutdown()
