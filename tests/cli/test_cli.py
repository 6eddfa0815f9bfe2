import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from desktop import __version__
from desktop.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args, tmp_path):
    env = {**os.environ, "ATELIER_CONFIG_DIR": str(tmp_path / "cfg")}
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_version(tmp_path):
    done = run_cli("--version", tmp_path=tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == f"Atelier {__version__}"


def test_generate_text_matches_raw_greedy_and_is_recorded(tmp_path, tiny_chat_gguf, capsys):
    import llama_cpp

    raw = llama_cpp.Llama(str(tiny_chat_gguf), n_ctx=1024, n_threads=2, n_threads_batch=2, verbose=False)
    expected = raw.create_completion("the cat", max_tokens=30, temperature=0, repeat_penalty=1.1)
    raw.close()
    code = main(["--data-dir", str(tmp_path / "data"), "generate", "text", "the cat", "--model",
                 str(tiny_chat_gguf), "--temperature", "0", "--max-tokens", "30", "--threads", "2",
                 "--ctx", "1024", "--seed", "9"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out == expected["choices"][0]["text"] + "\n"
    conn = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    row = conn.execute("SELECT status, prompt, seed, kind FROM generations").fetchone()
    conn.close()
    assert row == ("done", "the cat", 9, "text")  # filed as the Text studio's, like the window's


def test_generate_text_with_a_broken_model_says_why(tmp_path, capsys):
    bad = tmp_path / "bad.gguf"
    bad.write_text("not a model")
    code = main(["--data-dir", str(tmp_path / "data"), "generate", "text", "hi", "--model", str(bad)])
    assert code == 1
    assert "not a GGUF" in capsys.readouterr().err
    conn = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    assert conn.execute("SELECT count(*) FROM generations WHERE status='done'").fetchone()[0] == 0
    conn.close()


def test_generate_image_writes_a_png_with_metadata_into_the_library(tmp_path, capsys):
    import pytest

    pytest.importorskip("diffusers")
    from desktop.core.image.image_metadata import read_settings
    from tiny_models import write_tiny_sd

    model = write_tiny_sd(tmp_path / "tiny-sd")
    code = main(["--data-dir", str(tmp_path / "data"), "generate", "image", "a blue sphere", "--model", str(model),
                 "--steps", "2", "--width", "64", "--height", "64", "--seed", "11", "--scheduler", "Euler a"])
    out = capsys.readouterr()
    assert code == 0, out.err
    path = Path(out.out.strip())
    assert path.exists() and path.is_relative_to(tmp_path / "data")
    settings = read_settings(path)
    assert (settings.prompt, settings.seed, settings.sampler) == ("a blue sphere", 11, "Euler a")
    code = main(["--data-dir", str(tmp_path / "data"), "generate", "image", "x", "--model", str(model),
                 "--width", "100"])
    assert code == 1 and "multiple of 8" in capsys.readouterr().err


def test_generate_image_from_an_init_image_and_a_bad_one(tmp_path, capsys):
    import pytest

    pytest.importorskip("diffusers")
    from PIL import Image

    from tiny_models import write_tiny_sd

    model = write_tiny_sd(tmp_path / "tiny-sd")
    init = tmp_path / "init.png"
    Image.new("RGB", (64, 64), "purple").save(init)
    base = ["--data-dir", str(tmp_path / "data"), "generate", "image", "a purple room", "--model", str(model),
            "--steps", "4", "--width", "64", "--height", "64"]
    assert main(base + ["--init-image", str(init), "--strength", "0.5"]) == 0
    assert Path(capsys.readouterr().out.strip()).exists()
    fake = tmp_path / "fake.png"
    fake.write_text("not really a png")
    assert main(base + ["--init-image", str(fake)]) == 1
    assert "not an image" in capsys.readouterr().err
    conn = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    assert conn.execute("SELECT kind, status FROM generations").fetchall() == [("img2img", "done")]
    conn.close()


def test_generate_image_from_a_single_file_checkpoint(tmp_path, capsys):
    import pytest

    pytest.importorskip("diffusers")
    import torch
    from diffusers import StableDiffusionPipeline

    from ldm_layout import write_single_file
    from tiny_models import write_tiny_sd

    config_source = write_tiny_sd(tmp_path / "data" / "models" / "tiny-sd")  # in the library's model folder
    (tmp_path / "downloads").mkdir()
    checkpoint = write_single_file(StableDiffusionPipeline.from_pretrained(config_source, dtype=torch.float32),
                                   tmp_path / "downloads" / "fine-tune.safetensors")
    code = main(["--data-dir", str(tmp_path / "data"), "generate", "image", "a tiny boat", "--model", str(checkpoint),
                 "--steps", "2", "--width", "64", "--height", "64", "--seed", "3"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert Path(out.out.strip()).exists()


def test_generate_speech_with_the_builtin_voice_prints_the_file(tmp_path, capsys, builtin_voice):
    from desktop.core.audio.audio_files import read_tags

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "generate", "speech", "Good evening. The library is open.",
                 "--format", "flac", "--length-scale", "1.1", "--noise-scale", "0", "--noise-w", "0"]) == 0
    out, err = capsys.readouterr()
    path = Path(out.strip())
    assert path.suffix == ".flac" and path.is_relative_to(data) and "[Sentence 2/2]" in err
    tags = read_tags(path)
    assert tags["text"] == "Good evening. The library is open." and tags["model"] == "en_US-joe-medium"
    assert tags["settings"]["length_scale"] == 1.1
    assert main(["--data-dir", str(data), "generate", "speech", "Hi.", "--voice", "en_US-joe-medium"]) == 0
    assert main(["--data-dir", str(data), "generate", "speech", "Hi.", "--voice", "no-such-voice"]) == 1
    assert "No voice named" in capsys.readouterr().err
    assert main(["--data-dir", str(data), "generate", "speech", "   "]) == 1
    assert "no text to speak" in capsys.readouterr().err


def test_generate_music_from_a_musicgen_folder(tmp_path, capsys, tiny_musicgen):
    import soundfile

    data = tmp_path / "data"
    assert main(["--data-dir", str(data), "generate", "music", "calm piano", "--model", str(tiny_musicgen),
                 "--duration", "1.5", "--seed", "9"]) == 0
    out, err = capsys.readouterr()
    samples, rate = soundfile.read(out.strip())
    assert rate == 16000 and abs(len(samples) / rate - 1.5) < 0.05 and "seed 9" in err
    assert main(["--data-dir", str(data), "generate", "music", "calm", "--model", str(tiny_musicgen),
                 "--duration", "999"]) == 1
    assert "Duration must be between" in capsys.readouterr().err


import pytest  # noqa: E402

from desktop.cli import build_parser  # noqa: E402

COMMANDS = [["generate", "text", "x"], ["generate", "image", "x", "--model", "m"], ["generate", "speech", "x"],
            ["generate", "music", "x", "--model", "m"], ["export", "--out", "o.zip"], ["import", "a.zip"], ["check"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c[:2]))
def test_global_options_go_before_or_after_the_subcommand(command):
    places = [["--data-dir", "D", "--verbose", *command],             # before
              [*command, "--data-dir", "D", "--verbose"],             # after
              [command[0], "--data-dir", "D", "--verbose", *command[1:]]]  # between
    for argv in places:
        args = build_parser().parse_args(argv)
        assert str(args.data_dir) == "D" and args.verbose is True, argv
    plain = build_parser().parse_args(command)
    assert plain.data_dir is None and plain.verbose is False


def test_generate_text_with_the_data_dir_after_the_subcommand_records_there(tmp_path, tiny_chat_gguf, capsys):
    code = main(["generate", "text", "the cat", "--model", str(tiny_chat_gguf), "--max-tokens", "4",
                 "--data-dir", str(tmp_path / "data")])
    assert code == 0, capsys.readouterr().err
    conn = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    assert conn.execute("SELECT status FROM generations").fetchall() == [("done",)]
    conn.close()


def test_llama_cpp_log_lines_reach_stderr_only_with_verbose(tmp_path, gemma_gguf):
    """The built-in Gemma makes llama.cpp log its cache layout while loading."""
    quiet = run_cli("generate", "text", "def f(n):", "--max-tokens", "2", "--data-dir", str(tmp_path / "d"),
                    tmp_path=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert "llama_" not in quiet.stderr and quiet.stderr.startswith("[generation 1 ")
    loud = run_cli("--verbose", "generate", "text", "def f(n):", "--max-tokens", "2", "--data-dir",
                   str(tmp_path / "d"), tmp_path=tmp_path)
    assert loud.returncode == 0 and "llama_context" in loud.stderr
