"""`generate video` on the same core: the command function (desktop/cli_video.py), with the
parser it adds, records the clip into the library and prints its path."""

import argparse
import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from desktop.cli import global_options  # noqa: E402
from desktop.cli_video import add_video_parser, generate_video  # noqa: E402


def parse(argv):
    parser = argparse.ArgumentParser(parents=[global_options(top_level=True)])
    add_video_parser(parser.add_subparsers(dest="modality"), [global_options(top_level=False)])
    return parser.parse_args(argv)


def test_generate_video_records_the_clip_and_prints_its_path(tmp_path, video_models, capsys):
    from desktop.core.video.video_files import probe, read_metadata

    args = parse(["--data-dir", str(tmp_path / "data"), "video", "a red cube turning", "--model",
                  str(video_models / "sd"), "--motion-adapter", str(video_models / "motion"), "--frames", "4",
                  "--fps", "6", "--width", "64", "--height", "64", "--steps", "2", "--guidance", "4", "--seed", "21",
                  "--format", "webm", "--threads", "2", "--precision", "fp32"])
    code = generate_video(args)
    out = capsys.readouterr()
    assert code == 0, out.err
    path = Path(out.out.strip())
    assert path.suffix == ".webm" and path.is_relative_to(tmp_path / "data")
    facts = probe(path)
    assert (facts.frames, facts.fps, facts.width) == (4, 6.0, 64)
    assert read_metadata(path).settings["seed"] == 21
    assert "4 frames at 6 fps" in out.err and "seed 21" in out.err
    assert "[Memory: needs about" in out.err and "Time: about" in out.err  # the estimate, before the clip
    conn = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    row = conn.execute("SELECT status, modality, kind, prompt, seed FROM generations").fetchone()
    conn.close()
    assert row == ("done", "video", "txt2vid", "a red cube turning", 21)


def test_generate_video_from_an_image_with_stable_video_diffusion(tmp_path, video_models, capsys):
    still = tmp_path / "still.png"
    Image.new("RGB", (80, 64), "green").save(still)
    args = parse(["--data-dir", str(tmp_path / "data"), "video", "--model", str(video_models / "svd"),
                  "--init-image", str(still), "--frames", "3", "--width", "64", "--height", "64", "--steps", "1",
                  "--guidance", "2", "--format", "gif", "--threads", "2", "--precision", "fp32"])
    assert generate_video(args) == 0
    assert Path(capsys.readouterr().out.strip()).suffix == ".gif"


@pytest.mark.parametrize("extra, message", [
    (["--frames", "100000"], "Frames must be between"),
    (["--width", "65"], "multiple of 8"),
    (["--init-image", "/nonexistent.png"], "does not exist"),
])
def test_bad_arguments_get_a_message_and_no_done_row(tmp_path, video_models, capsys, extra, message):
    args = parse(["--data-dir", str(tmp_path / "data"), "video", "a cat", "--model", str(video_models / "sd"),
                  "--motion-adapter", str(video_models / "motion"), "--precision", "fp32", *extra])
    assert generate_video(args) == 1
    assert message in capsys.readouterr().err
    database = tmp_path / "data" / "library.sqlite3"
    if database.exists():
        conn = sqlite3.connect(database)
        assert conn.execute("SELECT count(*) FROM generations WHERE status='done'").fetchone()[0] == 0
        conn.close()
