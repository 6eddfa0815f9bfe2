"""The command line refuses bad input with a message naming the field, exit code 1, no
traceback and no generation row: NaN and infinities, seeds out of a model's range,
negative sizes, prompt bytes that are not UTF-8 (as a POSIX shell passes them)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]


def generation_rows(data: Path) -> int:
    if not (data / "library.sqlite3").exists():
        return 0
    conn = sqlite3.connect(data / "library.sqlite3")
    try:
        return conn.execute("SELECT count(*) FROM generations").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("option, value, message", [
    ("--temperature", "nan", "Temperature must be a finite number (got nan)"),
    ("--top-p", "inf", "Top-p must be a finite number (got inf)"),
    ("--repeat-penalty", "-inf", "Repeat penalty must be a finite number (got -inf)"),
    ("--seed", "4294967296", "Seed must be -1 (random) or between 0 and 4294967294 for this model (got 4294967296)"),
    ("--seed", "4294967295", "between 0 and 4294967294"),
])
def test_generate_text_refuses_bad_numbers(tmp_path, tiny_chat_gguf, capsys, option, value, message):
    data = tmp_path / "data"
    code = main(["--data-dir", str(data), "generate", "text", "the cat", "--model", str(tiny_chat_gguf),
                 "--max-tokens", "4", f"{option}={value}"])  # '=': argparse takes "-inf" for an option
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err
    assert generation_rows(data) == 0


def test_the_largest_text_seed_is_reproducible(tmp_path, tiny_chat_gguf, capsys):
    """4294967294 runs as itself (4294967295 would be llama.cpp's 'random'; 2**32 would wrap to 0)."""
    outputs = []
    for seed in ("4294967294", "4294967294", "0"):
        assert main(["--data-dir", str(tmp_path / "data"), "generate", "text", "the cat", "--model",
                     str(tiny_chat_gguf), "--max-tokens", "24", "--temperature", "1.5", "--top-k", "0",
                     "--top-p", "1", "--seed", seed]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] != outputs[2]


@pytest.mark.parametrize("option, value, message", [
    ("--guidance", "nan", "Guidance must be a finite number (got nan)"),
    ("--strength", "inf", "Strength must be a finite number (got inf)"),
    ("--width", "-1", "Width must be positive: between 64 and 2048 pixels, a multiple of 8 (got -1)"),
    ("--height", "100", "Height must be a multiple of 8 (got 100); try 96 or 104"),
    ("--seed", str(2**63), f"Seed must be -1 (random) or between 0 and {2**63 - 1} for this model"),
    ("--seed", str(2**64), f"between 0 and {2**63 - 1}"),
])
def test_generate_image_refuses_bad_numbers_before_loading_the_model(tmp_path, capsys, option, value, message):
    data = tmp_path / "data"
    missing = tmp_path / "no-model"  # never opened: validation comes first
    code = main(["--data-dir", str(data), "generate", "image", "x", "--model", str(missing), f"{option}={value}"])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err and "try -8" not in err
    assert generation_rows(data) == 0


@pytest.mark.parametrize("argv, message", [
    (["image", ""], "Describe the image first."),
    (["image", "  \n "], "Describe the image first."),
    (["text", ""], "The prompt is empty"),
    (["text", " ", "--chat"], "There is no message to answer"),
    (["music", ""], "Describe the music first"),
])
def test_generate_refuses_an_empty_prompt_before_loading_a_model(tmp_path, capsys, argv, message):
    """`python main.py generate image ""` is refused by the request's own check, the same
    the panels show; the model (which does not exist) is never opened."""
    data = tmp_path / "data"
    code = main(["--data-dir", str(data), "generate", *argv, "--model", str(tmp_path / "no-model")])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err and "no-model" not in err
    assert generation_rows(data) == 0


@pytest.mark.parametrize("argv, message", [
    (["speech", "hello", "--length-scale", "nan"], "Length scale must be a finite number"),
    (["speech", "hello", "--noise-w", "inf"], "Noise width must be a finite number"),
    (["music", "calm", "--model", "m", "--temperature", "nan"], "Temperature must be a finite number"),
    (["music", "calm", "--model", "m", "--duration", "inf"], "Duration must be a finite number"),
])
def test_generate_audio_refuses_nan_and_infinity(tmp_path, capsys, builtin_voice, argv, message):
    data = tmp_path / "data"
    code = main(["--data-dir", str(data), "generate", *argv])
    err = capsys.readouterr().err
    assert code == 1 and message in err and "Traceback" not in err
    assert generation_rows(data) == 0


def run_with_bytes(*args: bytes | str, tmp_path):
    """Run main.py with raw argv bytes, as a shell passes $'\\xff\\xfe'."""
    env = {**os.environ, "ATELIER_CONFIG_DIR": str(tmp_path / "cfg"), "LC_ALL": "C.UTF-8", "PYTHONUTF8": "1"}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=180)


def test_non_utf8_prompt_bytes_get_a_message_not_a_crash(tmp_path, tiny_chat_gguf):
    data = tmp_path / "data"
    done = run_with_bytes("--data-dir", str(data), "generate", "text", b"caf\xe9 \xff\xfe", "--model",
                          str(tiny_chat_gguf), tmp_path=tmp_path)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 1, err
    assert "The prompt is not UTF-8 text (bytes e9 at character 4" in err and "Traceback" not in err
    assert generation_rows(data) == 0


@pytest.mark.parametrize("argv, message", [
    (["image", b"\xff\xfe", "--model", "m"], "The prompt is not UTF-8 text (bytes ff fe at character 1"),
    (["image", "x", "--negative", b"\xe9t\xe9", "--model", "m"], "The negative prompt is not UTF-8 text"),
    (["text", "x", "--stop", b"\xff"], "A stop string is not UTF-8 text"),
])
def test_non_utf8_bytes_in_other_commands_in_process(tmp_path, capsys, tiny_chat_gguf, argv, message):
    data = tmp_path / "data"
    decoded = [a.decode("utf-8", "surrogateescape") if isinstance(a, bytes) else a for a in argv]
    if decoded[0] == "text":
        decoded += ["--model", str(tiny_chat_gguf)]
    code = main(["--data-dir", str(data), "generate", *decoded])
    err = capsys.readouterr().err
    assert code == 1 and message in err
    assert generation_rows(data) == 0


def test_a_100000_character_image_prompt_gives_one_note_not_a_stderr_dump(tmp_path):
    pytest.importorskip("diffusers")
    import json

    from tiny_models import write_tiny_sd

    model = write_tiny_sd(tmp_path / "tiny-sd")
    data = tmp_path / "data"
    prompt = ("a lighthouse at dusk " * 5000)[:100_000]
    done = run_with_bytes("--data-dir", str(data), "generate", "image", prompt, "--model", str(model), "--steps", "1",
                          "--width", "64", "--height", "64", "--batch", "2", "--precision", "fp32", tmp_path=tmp_path)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 0, err[-2000:]
    assert err.count("Atelier reads the first 750 (10 chunks of 75), so the rest had no effect") == 1
    assert "truncated" not in err and "Token indices" not in err
    assert len(err) < 3000  # was ~100 KB: the cut-off text, once per image
    conn = sqlite3.connect(data / "library.sqlite3")
    stats = [json.loads(s) for (s,) in conn.execute("SELECT stats FROM generations ORDER BY id")]
    conn.close()
    assert [len(s["notes"]) for s in stats] == [1, 1] and all(s["precision"] == "fp32" for s in stats)


def test_ctrl_c_during_a_batch_prints_the_images_it_kept(tmp_path):
    import signal
    import time

    pytest.importorskip("diffusers")
    from tiny_models import write_tiny_sd

    model = write_tiny_sd(tmp_path / "tiny-sd")
    data = tmp_path / "lib"
    process = subprocess.Popen([sys.executable, "main.py", "generate", "image", "a cube", "--model", str(model),
                                "--batch", "3", "--steps", "40", "--width", "128", "--height", "128",
                                "--threads", "1", "--data-dir", str(data)], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "ATELIER_CONFIG_DIR": str(tmp_path / "cfg")})

    def done() -> int:
        try:
            conn = sqlite3.connect(f"file:{data / 'library.sqlite3'}?mode=ro", uri=True)
            try:
                return conn.execute("SELECT count(*) FROM generations WHERE status='done'").fetchone()[0]
            finally:
                conn.close()
        except sqlite3.OperationalError:
            return 0

    deadline = time.time() + 180
    while done() < 1:
        assert process.poll() is None and time.time() < deadline, process.stderr.read()
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    paths = out.split()
    kept = done()
    assert kept in (1, 2) and len(paths) == kept and all(Path(p).exists() for p in paths)
    assert f"[cancelled; {kept} finished kept]" in err
