"""Video items in the Library: poster tiles, hover frames, the viewer, a frame to the Image
studio, and gallery export and import."""

import zipfile

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from app_window import open_window, tile_drawn
from desktop.core.video.video_files import encode_video, poster_png, probe
from desktop.core.video.video_metadata import VideoTags
from desktop.store.asset_files import write_atomically
from desktop.store.gallery_export import collect, export_gallery
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library
from desktop.store.library_items import LibraryQuery
from desktop.viewmodels import video_thumbnails
from desktop.viewmodels.video_thumbnails import HOVER_CLIPS, HOVER_FRAMES, poster_path

POSTER_RED = (220, 20, 20)


def frames_of(count: int, shade: int) -> list:
    """Frames that get brighter one by one, all blue-ish: unlike the red poster."""
    return [Image.new("RGB", (64, 48), (0, min(255, shade + 10 * i), 200)) for i in range(count)]


def add_clip(library, tmp_path, index: int, frames: int = 12, poster: bool = True) -> int:
    """A finished video generation laid out as a video job leaves it: the clip, then its poster."""
    data = library.layout.root
    prompt = f"<b>paper boat</b> {index}"
    gid = library.generations.start(NewGeneration(
        modality="video", kind="txt2vid", prompt=prompt, params={"frames": frames, "fps": 8, "steps": 2},
        model_name="tiny-animatediff", seed=index))
    tags = VideoTags(prompt, "tiny-animatediff", index, {"frames": frames, "fps": 8}, {})
    clip = tmp_path / f"clip-{index}.mp4"
    encode_video(frames_of(frames, 10 * index), 8, "mp4", tags, clip)
    relative = f"assets/{gid:08d}-{index}.mp4"
    assets = [AssetMeta(write_atomically(data, relative, clip.read_bytes()), "video/mp4", 64, 48, frames / 8)]
    if poster:
        png = poster_png(Image.new("RGB", (64, 48), POSTER_RED), tags)
        assets.append(AssetMeta(write_atomically(data, relative[:-4] + "-poster.png", png), "image/png", 64, 48))
    library.generations.finish(gid, output_text="", assets=assets)
    return gid


@pytest.fixture
def video_data_dir(tmp_path):
    data = tmp_path / "data"
    library = Library(data)
    add_clip(library, tmp_path, 0, poster=False)          # an imported or foreign clip: no poster
    for index in range(1, HOVER_CLIPS + 3):
        add_clip(library, tmp_path, index)
    library.close()
    return data


@pytest.fixture
def window(qtbot, video_data_dir):
    window, services = open_window(qtbot, video_data_dir, panel="library")
    library = window.panel("library")
    qtbot.waitUntil(lambda: library.model.rowCount() == HOVER_CLIPS + 3 and not library.model.loading, timeout=10000)
    yield window
    services.shutdown()


def centre(pixmap) -> tuple:
    colour = pixmap.toImage().pixelColor(pixmap.width() // 2, pixmap.height() // 2)
    return colour.red(), colour.green(), colour.blue()


def test_a_video_item_shows_its_poster_or_else_its_first_frame(qtbot, window):
    model = window.panel("library").model
    with_poster = next(r for r in range(model.rowCount()) if model.item(r).prompt.endswith(" 1"))
    without = next(r for r in range(model.rowCount()) if model.item(r).prompt.endswith(" 0"))
    placeholder = model._placeholder("video").toImage()
    for row in (with_poster, without):
        qtbot.waitUntil(lambda: tile_drawn(model, row, placeholder), timeout=10000)
    red, green, blue = centre(model.index(with_poster).data(Qt.DecorationRole))
    assert red > 180 and blue < 60          # the poster the job wrote, not a decoded frame
    tile = model.index(without).data(Qt.DecorationRole)
    red, green, blue = centre(tile)
    assert red < 60 and blue > 150          # the clip's first frame, decoded
    assert (tile.width(), tile.height()) == (160, 120)


def test_hover_cycles_a_few_frames_and_keeps_few_clips(qtbot, window):
    model = window.panel("library").model
    hover = model.hover_frames
    model.hover(0)
    clip = hover.hovered
    qtbot.waitUntil(lambda: hover.current(clip) is not None, timeout=10000)
    assert len(hover._frames[clip]) == HOVER_FRAMES
    seen = set()
    qtbot.waitUntil(lambda: seen.add(centre(model.index(0).data(Qt.DecorationRole))) or len(seen) >= 3, timeout=5000)
    for row in range(model.rowCount()):   # hover across the whole grid
        model.hover(row)
        qtbot.waitUntil(lambda: hover.current(hover.hovered) is not None, timeout=10000)
    assert len(hover) == HOVER_CLIPS
    model.hover(-1)
    assert hover.hovered == "" and hover.current(clip) is None


def open_first_clip(qtbot, window):
    library = window.panel("library")
    library.grid.setCurrentIndex(library.model.index(0))
    qtbot.waitUntil(lambda: library.details is not None, timeout=10000)
    library.open_viewer()
    return library, library._viewers[-1]


def test_the_viewer_plays_the_clip(qtbot, window):
    library, viewer = open_first_clip(qtbot, window)
    video = viewer.pane.video
    assert viewer.pane.stack.currentWidget() is video
    if not video.playing_with_player:
        pytest.skip("QtMultimedia cannot play on this machine (the poster test covers it)")
    qtbot.waitUntil(lambda: video.player.position() > 0, timeout=15000)
    assert video.player.source().toLocalFile().endswith(".mp4")


def test_without_playback_the_viewer_shows_the_poster_then_draws_frames(qtbot, window, monkeypatch):
    from desktop import playback

    monkeypatch.setattr(playback, "can_play", lambda: False)
    library, viewer = open_first_clip(qtbot, window)
    video = viewer.pane.video
    assert video.player is None and video.picture.pixmap() is not None
    assert centre(video.picture.pixmap())[0] > 180   # the red poster at once
    qtbot.waitUntil(lambda: len(video._frames) == 12 and video._timer.isActive(), timeout=10000)
    qtbot.waitUntil(lambda: video._index > 1, timeout=5000)
    assert centre(video.picture.pixmap())[2] > 150   # frames drawn in turn


def test_a_frame_goes_to_the_image_studio(qtbot, window, monkeypatch):
    from desktop import playback

    monkeypatch.setattr(playback, "can_play", lambda: False)
    library, viewer = open_first_clip(qtbot, window)
    video = viewer.pane.video
    qtbot.waitUntil(lambda: len(video._frames) == 12, timeout=10000)
    image_panel = window.panel("image")
    video.use_frame()
    qtbot.waitUntil(lambda: image_panel.init_image is not None, timeout=10000)
    assert image_panel.init_image.size == (64, 48)


def test_gallery_export_plays_video_and_import_brings_it_back(tmp_path):
    library = Library(tmp_path / "data")
    gid = add_clip(library, tmp_path, 3)
    out = tmp_path / "gallery.zip"
    export_gallery(library, out, collect(library), "zip")
    with zipfile.ZipFile(out) as archive:
        page = archive.read("index.html").decode()
        names = archive.namelist()
        csv_text = archive.read("manifest.csv").decode()
    clip_name = f"files/{gid:08d}-3.mp4"
    poster_name = f"files/{gid:08d}-3-poster.png"
    assert clip_name in names and poster_name in names
    assert f'<video controls loop muted playsinline preload="metadata" poster="{poster_name}" src="{clip_name}">' in page
    assert "<b>paper boat</b>" not in page and "&lt;b&gt;paper boat&lt;/b&gt; 3" in page
    assert "video" in csv_text and clip_name in csv_text
    fresh = Library(tmp_path / "fresh")
    from desktop.store.gallery_import import import_gallery

    assert import_gallery(fresh, out).imported == 1
    [item] = collect(fresh)
    assert item["modality"] == "video" and item["prompt"] == "<b>paper boat</b> 3"
    assert [a["mime"] for a in item["assets"]] == ["video/mp4", "image/png"]
    clip = fresh.layout.root / item["assets"][0]["path"]
    assert probe(clip).frames == 12
    assert [i.id for i in fresh.items.page(LibraryQuery(text="boat")).items] == [item["id"]]  # searchable
    library.close()
    fresh.close()


def test_poster_path_is_where_the_job_writes_it():
    assert poster_path("/x/assets/2026/00000007-42.mp4").name == "00000007-42-poster.png"
    assert video_thumbnails.HOVER_FRAMES <= video_thumbnails.HOVER_SCAN
