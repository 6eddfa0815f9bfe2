"""`python main.py storyboard …` end to end, run as a person runs it (its own process): the
built-in model writes the scenes, each piece is reported on stderr as it is committed, stdout
is the final video's path; options before or after the subcommand; Ctrl+C keeps the finished
pieces."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from desktop import cli
from desktop.core.video.video_files import probe

ROOT = Path(__file__).resolve().parents[2]


def atelier(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "main.py", *args], cwd=ROOT, env=dict(os.environ), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def story_args(story_models, *extra, scenes=2):
    return ["storyboard", "A lighthouse keeper befriends a whale", "--scenes", str(scenes), "--image-model",
            str(story_models / "sd"), "--width", "64", "--height", "64", "--steps", "1", "--guidance", "1",
            "--seed", "5", "--threads", "2", "--precision", "fp32", *extra]


def test_the_storyboard_command_prints_the_final_video_and_records_every_piece(tmp_path, story_models, gemma_gguf):
    data = tmp_path / "data"
    child = atelier("--data-dir", str(data), *story_args(story_models))
    out, err = child.communicate(timeout=600)
    assert child.returncode == 0, err
    path = Path(out.strip())
    assert path.suffix == ".mp4" and path.is_file() and path.is_relative_to(data)
    assert probe(path).frames > 8
    # The scenes the built-in model wrote, then each piece as it was committed.
    assert "[scene 1: " in err and "[scene 2: " in err
    for line in ("scene 1 image", "scene 2 image", "scene 1 narration", "scene 2 narration", "final video"):
        assert f"{line}: {data}" in err
    assert "[5/5 final video" in err and "seed 5]" in err
    conn = sqlite3.connect(data / "library.sqlite3")
    try:
        kinds = conn.execute("SELECT modality, kind FROM generations WHERE status='done' ORDER BY id").fetchall()
        premise, collection = conn.execute("SELECT premise, collection_id FROM storyboards").fetchone()
        members = conn.execute("SELECT COUNT(*) FROM collection_items WHERE collection_id=?", (collection,)).fetchone()
    finally:
        conn.close()
    assert kinds == [("image", "txt2img")] * 2 + [("audio", "speech")] * 2 + [("video", "storyboard")]
    assert premise == "A lighthouse keeper befriends a whale" and members == (5,)


def test_options_go_before_or_after_the_subcommand(tmp_path):
    before = cli.build_parser().parse_args(["--data-dir", str(tmp_path), "storyboard", "p", "--image-model", "m"])
    after = cli.build_parser().parse_args(["storyboard", "p", "--image-model", "m", "--data-dir", str(tmp_path),
                                           "--voice", "v", "--music-model", "mg", "--video-model", "sd",
                                           "--motion-adapter", "ad"])
    assert before.data_dir == after.data_dir == tmp_path
    assert (after.voice, after.music_model, after.video_model, after.motion_adapter) == \
        ("v", Path("mg"), Path("sd"), Path("ad"))


def test_ctrl_c_keeps_the_finished_pieces_and_says_what_is_missing(tmp_path, story_models, gemma_gguf):
    data = tmp_path / "data"
    child = atelier(*story_args(story_models, scenes=1), "--data-dir", str(data))  # the global option after it
    said = []
    try:
        deadline = time.monotonic() + 600
        while not any("scene 1 image: " in line for line in said):  # Ctrl+C once the first piece is in
            line = child.stderr.readline()
            assert line or child.poll() is None, "".join(said)
            assert time.monotonic() < deadline, "no image was made"
            said.append(line)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    err = "".join(said) + err
    assert child.returncode == 130 and out == "", err
    assert "narration: " not in err
    assert "kept 1 finished pieces; missing: scene 1 narration, final video" in err
    conn = sqlite3.connect(data / "library.sqlite3")
    try:
        statuses = conn.execute("SELECT kind, status FROM generations ORDER BY id").fetchall()
    finally:
        conn.close()
    # The stop may land before the narration's row starts or inside it: never a second finished item.
    assert statuses[0] == ("txt2img", "done") and statuses[1:] in ([], [("speech", "cancelled")])
