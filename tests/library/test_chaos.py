"""Chaos: CLI commands killed with SIGKILL at random points — text, image (tiny SD), speech,
export, import — each followed by the next CLI start on the same folder, which must find a
library with nothing lost and nothing left over. Bounded: ATELIER_CHAOS_KILLS kills (10 by
default), seeded by ATELIER_CHAOS_SEED so a failure can be replayed.

Also the offline promise: every CLI path runs with non-loopback sockets blocked and makes
no attempt to reach the network."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.store.asset_files import write_atomically
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.library import Library

ROOT = Path(__file__).resolve().parents[2]
KILLS = int(os.environ.get("ATELIER_CHAOS_KILLS", "10"))
SEED = int(os.environ.get("ATELIER_CHAOS_SEED", str(random.randrange(1 << 30))))
LONG_TEXT = " ".join(f"Sentence number {i} is spoken slowly and clearly." for i in range(60))


def start(args: list[str], data: Path, env_extra: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "ATELIER_CONFIG_DIR": str(data.parent / "cfg"), **(env_extra or {})}
    return subprocess.Popen([sys.executable, "main.py", *args, "--data-dir", str(data)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_whole(data: Path, out_dir: Path) -> int:
    """The next CLI start recovers; then the library must be whole. Returns the done items."""
    check = start(["check"], data)
    stdout, stderr = check.communicate(timeout=120)
    assert check.returncode == 0 and stdout.startswith("The library is intact."), (stdout, stderr)
    conn = sqlite3.connect(data / "library.sqlite3")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM generations WHERE status='running'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM staging").fetchone()[0] == 0
        for (relative,) in conn.execute("SELECT path FROM assets"):
            assert (data / relative).exists() or (data / "trash" / relative).exists(), relative
        done = conn.execute("SELECT count(*) FROM generations WHERE status='done'").fetchone()[0]
    finally:
        conn.close()
    debris = [p for p in data.rglob("*") if p.name.startswith(".partial-")]
    debris += list((data / "pending").glob("*.json")) if (data / "pending").exists() else []
    debris += [p for p in out_dir.iterdir() if "partial" in p.name]
    assert not debris, debris
    assert not any((data / "tmp").iterdir())
    return done


@pytest.fixture(scope="module")
def tiny_sd(tmp_path_factory) -> Path:
    pytest.importorskip("diffusers")
    from tiny_models import write_tiny_sd

    return write_tiny_sd(tmp_path_factory.mktemp("chaos-models") / "tiny-sd")


def scenarios(tiny_chat_gguf, tiny_sd, builtin_voice, out_dir: Path) -> dict:
    """name -> (arguments, the window in seconds after start in which the kill lands)."""
    return {
        "text": (["generate", "text", "the cat", "--model", str(tiny_chat_gguf), "--max-tokens", "30000",
                  "--ctx", "32768"], (0.2, 4.0)),
        "image": (["generate", "image", "a red cube", "--model", str(tiny_sd), "--steps", "40", "--batch", "4",
                   "--width", "64", "--height", "64", "--threads", "1"], (2.0, 12.0)),
        "speech": (["generate", "speech", LONG_TEXT, "--voice", str(builtin_voice), "--threads", "1"], (1.0, 8.0)),
        "export": (["export", "--out", str(out_dir / "gallery.zip")], (0.2, 1.8)),
        "import": (["import", str(out_dir / "seed-gallery.zip")], (0.1, 0.8)),
    }


def fill_library(data: Path, name: str, items: int = 30) -> None:
    library = Library(data)
    for i in range(items):
        generation_id = library.generations.start(NewGeneration(modality="image", kind="txt2img",
                                                                prompt=f"{name} {i}", params={}))
        written = write_atomically(library.layout.root, f"assets/{name}/{i}.png", os.urandom(1_500_000))
        library.generations.finish(generation_id, assets=[AssetMeta(written, "image/png", 1, 1)])
    library.close()


def test_kill_9_at_random_points_loses_nothing_and_leaves_nothing(tmp_path, tiny_chat_gguf, tiny_sd, builtin_voice):
    rng = random.Random(SEED)
    data, out_dir = tmp_path / "lib", tmp_path / "out"
    out_dir.mkdir()
    # Something to export and import: finished items with big, incompressible files, in this
    # library (for export) and in another one whose gallery gets imported.
    fill_library(data, "mine")
    fill_library(tmp_path / "other", "theirs")
    exporter = start(["export", "--out", str(out_dir / "seed-gallery.zip")], tmp_path / "other")
    assert exporter.wait(timeout=120) == 0, exporter.stderr.read()
    plan = scenarios(tiny_chat_gguf, tiny_sd, builtin_voice, out_dir)
    names = [list(plan)[i % len(plan)] for i in range(KILLS)]
    rng.shuffle(names)
    done_before = assert_whole(data, out_dir)
    for name in names:
        args, (low, high) = plan[name]
        (out_dir / "gallery.zip").unlink(missing_ok=True)
        process = start(args, data)
        delay = rng.uniform(low, high)
        time.sleep(delay)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        done = assert_whole(data, out_dir)
        assert done >= done_before, f"{name} killed after {delay:.2f} s lost finished items (seed {SEED})"
        done_before = done
        if finished:
            print(f"[chaos] {name} finished before its kill at {delay:.2f} s")


BLOCKER = '''
import socket, os
_connect = socket.socket.connect
def _guarded(self, address, _connect=_connect):
    host = address[0] if isinstance(address, tuple) else ""
    if self.family in (socket.AF_INET, socket.AF_INET6) and not (
            host in ("localhost", "::1") or str(host).startswith("127.")):
        with open(os.environ["ATELIER_BLOCKED_LOG"], "a") as log:
            log.write(f"{host}\\n")
        raise OSError("network blocked by the offline test")
    return _connect(self, address)
socket.socket.connect = _guarded
'''


def test_every_cli_path_works_offline_and_tries_no_network(tmp_path, tiny_chat_gguf, tiny_sd, builtin_voice):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    blocked = tmp_path / "blocked.log"
    env = {"PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", "ATELIER_BLOCKED_LOG": str(blocked),
           "HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0"}  # the app must not rely on these being set
    data, out = tmp_path / "lib", tmp_path / "out"
    commands = [["generate", "text", "the cat", "--model", str(tiny_chat_gguf), "--max-tokens", "5"],
                ["generate", "image", "a cube", "--model", str(tiny_sd), "--steps", "2", "--width", "64",
                 "--height", "64"],
                ["generate", "speech", "Hello there.", "--voice", str(builtin_voice)],
                ["export", "--out", str(out / "g.zip")],
                ["import", str(out / "g.zip")]]
    out.mkdir()
    for args in commands:
        process = start(args, data, env)
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, (args, stderr)
    assert not blocked.exists(), blocked.read_text()
    check = subprocess.run([sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80), 1)"],
                           env={**os.environ, **env}, capture_output=True, text=True, timeout=60)
    # ...and the blocker was really in force in those processes
    assert "network blocked" in check.stderr and blocked.read_text().strip() == "192.0.2.1"
