"""Clip files without any model: each format read back (frames, size, fps, metadata, the
AI-generated mark), atomic writes, the poster, hostile inputs (requests with absurd values,
damaged and hostile files whose metadata must read as none, quickly), and the registry."""

import time

import pytest

pytest.importorskip("av")
from PIL import Image  # noqa: E402

from desktop.core.errors import UserFacingError  # noqa: E402
from desktop.core.video.video_files import (last_frame, poster_png, probe, read_frames, read_metadata,  # noqa: E402
                                            save_atomically)
from desktop.core.video.video_metadata import AI_SOURCE_TYPE, VideoTags  # noqa: E402
from desktop.core.video.video_request import VideoRequest  # noqa: E402

TAGS = VideoTags("a cat on a mat, ünïcode", "tiny-sd", 42,
                 {"negative": "blurry", "frames": 10, "fps": 12, "width": 66, "height": 48, "steps": 2, "guidance": 5.0},
                 {"kind": "txt2vid", "precision": "fp32"})


def frames(count=10, size=(66, 48)):
    return [Image.new("RGB", size, (i * 25, 90, 255 - i * 20)) for i in range(count)]


@pytest.mark.parametrize("fmt", ["mp4", "webm", "gif", "webp"])
def test_each_format_reads_back_with_its_metadata(tmp_path, fmt):
    path = save_atomically(frames(), 12, fmt, TAGS, tmp_path / f"clip.{fmt}")
    assert [p.name for p in tmp_path.iterdir()] == [f"clip.{fmt}"]  # no temporary file left
    facts = probe(path)
    even = (66, 48)
    assert (facts.frames, facts.width, facts.height) == (10, *even)
    # GIF keeps hundredths of a second (12 fps -> 80 ms -> 12.5 fps); the exact rate is in the JSON.
    assert facts.fps == pytest.approx(12, abs=0.6)
    decoded = read_frames(path)
    assert len(decoded) == 10 and decoded[0].size == even
    assert abs(int(decoded[3].getpixel((10, 10))[0]) - 75) < 12  # the colours survive the codec
    found = read_metadata(path)
    assert found.ai_generated
    assert found.settings["prompt"] == "a cat on a mat, ünïcode" and found.settings["seed"] == 42
    assert found.settings["fps"] == 12 and found.settings["negative"] == "blurry"
    assert found.details == {"kind": "txt2vid", "precision": "fp32"}
    assert found.parameters.startswith("a cat on a mat, ünïcode\nNegative prompt: blurry\n")
    assert "Seed: 42" in found.parameters and "Model: tiny-sd" in found.parameters


def test_mp4_is_h264_yuv420p_with_even_sides_and_an_xmp_box(tmp_path):
    import av

    path = save_atomically(frames(size=(67, 49)), 8, "mp4", TAGS, tmp_path / "odd.mp4")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.format.name) == ("h264", "yuv420p")
        assert (stream.width, stream.height) == (66, 48)
    data = path.read_bytes()
    assert b"uuid" in data and AI_SOURCE_TYPE.encode() in data[-4000:]  # the XMP box at the end
    webm = save_atomically(frames(4), 8, "webm", TAGS, tmp_path / "c.webm")
    with av.open(str(webm)) as container:
        assert container.streams.video[0].codec_context.name == "vp9"


def test_the_poster_carries_the_clips_metadata():
    import io

    data = poster_png(frames(1)[0], TAGS)
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (66, 48)
        assert '"seed": 42' in image.info["atelier"] and AI_SOURCE_TYPE in image.info["XML:com.adobe.xmp"]


def test_last_frame(tmp_path):
    path = save_atomically(frames(), 12, "webp", TAGS, tmp_path / "c.webp")
    assert last_frame(path).getpixel((5, 5))[0] == pytest.approx(225, abs=12)


def test_a_failed_encode_leaves_nothing_behind(tmp_path):
    with pytest.raises(UserFacingError, match="same size"):
        save_atomically([Image.new("RGB", (64, 64)), Image.new("RGB", (32, 32))], 8, "mp4", TAGS, tmp_path / "x.mp4")
    with pytest.raises(UserFacingError, match="at least one frame"):
        save_atomically([], 8, "webm", TAGS, tmp_path / "y.webm")
    assert list(tmp_path.iterdir()) == []


HOSTILE = {
    "empty": b"",
    "text": b"hello, not a video\n" * 10,
    "mp4 box loop": (8).to_bytes(4, "big") + b"ftyp" + (0).to_bytes(4, "big") + b"uuid" + b"\0" * 64,
    "tiny boxes": b"".join((8).to_bytes(4, "big") + b"free" for _ in range(100_000)),
    "huge box": (2**32 - 1).to_bytes(4, "big") + b"uuid" + bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC") + b"x" * 100,
    "gif header only": b"GIF89a" + b"\xff" * 20,
    "webp riff": b"RIFF" + (2**31).to_bytes(4, "little") + b"WEBPVP8X" + b"\0" * 30,
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_damaged_and_hostile_files_read_as_no_metadata_quickly(tmp_path, name):
    path = tmp_path / "dropped.mp4"
    path.write_bytes(HOSTILE[name])
    started = time.perf_counter()
    assert read_metadata(path) is None
    assert time.perf_counter() - started < 2
    with pytest.raises(UserFacingError):
        probe(path) if name != "tiny boxes" else read_frames(path)


def test_hostile_metadata_inside_a_real_clip_is_bounded(tmp_path):
    nested = VideoTags("p", "m", 1, {"extra": "x"}, {"deep": "[" * 5000})
    path = save_atomically(frames(3), 8, "gif", nested, tmp_path / "c.gif")
    found = read_metadata(path)
    assert found.settings["prompt"] == "p" and found.ai_generated
    # A comment that is JSON nested absurdly deep, or not an object, reads as settings-less.
    bad = tmp_path / "bad.gif"
    frames(2)[0].save(bad, "GIF", save_all=True, append_images=frames(2)[1:], comment=b"x\nAtelier: " + b"[" * 100_000)
    found = read_metadata(bad)
    assert found is not None and found.settings == {} and not found.ai_generated


@pytest.mark.parametrize("kw, message", [
    ({"prompt": ""}, "Describe the video first"),
    ({"width": 100}, "multiple of 8"), ({"height": 8}, "between 64 and 1280"),
    ({"width": 10**9}, "between 64 and 1280"), ({"height": -512}, "positive"),
    ({"frames": 0}, "Frames must be between"), ({"frames": 10**7}, "Frames must be between"),
    ({"frames": 2.5}, "Frames"), ({"fps": 0}, "Frames per second"), ({"fps": 10**6}, "Frames per second"),
    ({"steps": 0}, "Steps"), ({"steps": 10**5}, "Steps"), ({"guidance": float("nan")}, "finite"),
    ({"guidance": 1e9}, "Guidance"), ({"seed": 2**64}, "Seed"), ({"file_format": "avi"}, "Clips are saved as"),
    ({"init_image": Image.new("RGB", (8, 8)), "strength": 0}, "Strength"),
    ({"motion_bucket_id": 999}, "Motion amount"), ({"prompt": "a\udcffb"}, "not UTF-8"),
])
def test_absurd_requests_are_refused_with_clear_messages(kw, message):
    values = dict(prompt="a cat", frames=8, width=64, height=64)
    values.update(kw)
    with pytest.raises(UserFacingError, match=message):
        VideoRequest(**values).validate()


def test_each_family_has_its_own_limits():
    VideoRequest("a cat", frames=32).validate("animatediff")
    with pytest.raises(UserFacingError, match="between 2 and 32 for AnimateDiff"):
        VideoRequest("a cat", frames=33).validate("animatediff")
    with pytest.raises(UserFacingError, match="animates an image"):
        VideoRequest("", frames=14).validate("svd")
    VideoRequest("", frames=14, init_image=Image.new("RGB", (8, 8))).validate("svd")
    with pytest.raises(UserFacingError, match="8k\\+1"):
        VideoRequest("a cat", frames=16, width=512, height=320).validate("ltx")
    with pytest.raises(UserFacingError, match="multiples of 32"):
        VideoRequest("a cat", frames=17, width=520, height=320).validate("ltx")
    VideoRequest("a cat", frames=97, width=704, height=480).validate("ltx")


def test_a_posters_name_follows_its_clips_in_library_and_absolute_paths():
    from desktop.core.video.video_files import poster_name

    assert poster_name("assets/2026-12/clip.mp4") == "assets/2026-12/clip-poster.png"
    assert poster_name("/data/assets/a.b/clip.v2.webm") == "/data/assets/a.b/clip.v2-poster.png"
    assert poster_name("clip.gif") == "clip-poster.png"
