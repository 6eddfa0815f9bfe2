"""`python main.py models ...` against the fake hub on 127.0.0.1 (tests/models/fake_hub.py), with
the window's settings (models folder, hub address, Offline switch) and each test's own catalog
file, home folder and fake stores of other apps."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))

from catalog_helpers import (FOLDER_REPO, GGUF_REPO, Q4, Q8, UNET, folder_entry, gguf_bytes,  # noqa: E402
                             gguf_entry, sha256, tiny_folder_repo, tiny_gguf_repo, write_catalog)
from fake_hub import FakeHub  # noqa: E402

from desktop import settings as settings_io  # noqa: E402
from desktop.cli import main  # noqa: E402
from desktop.cli_progress import TerminalProgress  # noqa: E402
from desktop.core.models.download_progress import DownloadProgress  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Where other apps' standard places are looked for: kept inside each test's home folder.
PLACE_VARIABLES = ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME",
                   "XDG_DATA_HOME", "OLLAMA_MODELS", "HF_ENDPOINT")


@pytest.fixture
def fake_hub(monkeypatch):
    """As tests/models/conftest.py: the suite's HF_HUB_OFFLINE is lifted for this server only."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    hub = FakeHub()
    yield hub
    hub.close()


class Setup:
    def __init__(self, tmp_path: Path, hub: FakeHub):
        self.tmp, self.hub = tmp_path, hub
        self.home = tmp_path / "home"
        self.data = tmp_path / "data"
        self.models = self.data / "models"  # <data>/models: the window's default
        self.gguf, self.folder = tiny_gguf_repo(), tiny_folder_repo()
        hub.add_repo(GGUF_REPO, self.gguf)
        hub.add_repo(FOLDER_REPO, self.folder)
        self.catalog = write_catalog(tmp_path / "catalog.json", gguf_entry(self.gguf, known=True),
                                     folder_entry(self.folder, known=True))
        self.settings(hub_endpoint=hub.url)

    def settings(self, **values) -> None:
        current = settings_io.load()
        for name, value in values.items():
            setattr(current, name, value)
        settings_io.save(current)

    def run(self, capsys, *args: str, catalog: bool = True):
        """One command in this process: (exit code, stdout, stderr)."""
        extra = ["--catalog", str(self.catalog)] if catalog else []
        code = main(["--data-dir", str(self.data), "models", *args, *extra])
        out = capsys.readouterr()
        return code, out.out, out.err


@pytest.fixture
def setup(tmp_path, fake_hub, monkeypatch) -> Setup:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in PLACE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return Setup(tmp_path, fake_hub)


def file_gets(hub: FakeHub) -> list:
    return [r for r in hub.requests if r.method == "GET" and "/api/" not in r.path]


def test_download_by_catalog_id_fetches_the_default_quantization(setup, capsys):
    code, out, err = setup.run(capsys, "download", "tiny-chat")
    assert code == 0, err
    target = setup.models / GGUF_REPO / Q4
    assert out == f"{target}\n"  # stdout holds only the path to load
    assert target.read_bytes() == setup.gguf[Q4]
    assert not (setup.models / GGUF_REPO / Q8).exists()  # one quantization, not the repository
    assert "Recommended settings for Tiny Chat: context length 2048, chat template from the GGUF (ChatML)" in err
    assert "100% " in err  # plain progress lines: stderr is not a terminal here

    code, out, err = setup.run(capsys, "download", "tiny-chat", "--quant", "q8_0")
    assert code == 0 and out == f"{setup.models / GGUF_REPO / Q8}\n"


def test_download_a_folder_model_and_any_repository_file(setup, capsys):
    code, out, err = setup.run(capsys, "download", "tiny-sd")
    assert code == 0, err
    folder = setup.models / FOLDER_REPO
    assert out == f"{folder}\n"
    assert (folder / UNET).read_bytes() == setup.folder[UNET]
    assert not (folder / "unet" / "diffusion_pytorch_model.bin").exists()  # the patterns leave pickles out
    assert "steps 2, guidance 0.0" in err

    setup.hub.add_repo("someone/not-in-the-catalog", {"a.gguf": gguf_bytes(5000), "b.gguf": gguf_bytes(5000)})
    code, out, err = setup.run(capsys, "download", "someone/not-in-the-catalog:b.gguf")
    assert code == 0, err
    assert out == f"{setup.models / 'someone' / 'not-in-the-catalog' / 'b.gguf'}\n"
    assert not (setup.models / "someone" / "not-in-the-catalog" / "a.gguf").exists()
    assert "Recommended" not in err

    code, _, err = setup.run(capsys, "download", "no-such-model")
    assert code == 1 and err.startswith("No model “no-such-model” in the catalog")
    code, _, err = setup.run(capsys, "download", "tiny-chat", "--quant", "Q2_K")
    assert code == 1 and err == "Tiny Chat has no Q2_K file; choose one of Q4_K_M, Q8_0.\n"
    code, _, err = setup.run(capsys, "download", "someone/missing:x.gguf")
    assert code == 1 and "someone/missing" in err and "not found" in err


def test_a_retry_is_shown_in_the_progress_and_logged_to_the_file_not_stderr(setup, capsys):
    setup.hub.fail(Q4, status=503, times=1)
    code, out, err = setup.run(capsys, "download", "tiny-chat")
    assert code == 0 and out == f"{setup.models / GGUF_REPO / Q4}\n"
    assert "Retrying in 1 s (the hub answered 503)" in err
    assert "attempt 1" not in err  # the log line is in the log file
    import logging.handlers

    # the log file of this process: the first command run in it chose it (a real CLI run is one command)
    [log] = [h.baseFilename for h in logging.getLogger().handlers
             if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert "the hub answered 503; attempt 1" in Path(log).read_text(encoding="utf-8")


def test_a_model_atelier_downloaded_is_not_fetched_again(setup, capsys):
    assert setup.run(capsys, "download", "tiny-chat")[0] == 0
    asked = len(setup.hub.requests)
    setup.settings(offline=True)  # it is answered from the disk: no network needed
    code, out, err = setup.run(capsys, "download", "tiny-chat")
    assert code == 0 and out == f"{setup.models / GGUF_REPO / Q4}\n"
    assert "already on this machine (downloaded by Atelier); not downloaded again" in err
    assert len(setup.hub.requests) == asked
    code, out, err = setup.run(capsys, "download", f"{GGUF_REPO}:{Q4}")  # the same file by its name
    assert code == 0 and "already on this machine" in err and len(setup.hub.requests) == asked


def test_another_revision_asks_the_hub_and_fetches_only_what_differs(setup, capsys):
    assert setup.run(capsys, "download", "tiny-chat")[0] == 0
    gets = len(file_gets(setup.hub))
    commit = setup.hub.repos[GGUF_REPO].commit
    code, out, err = setup.run(capsys, "download", "tiny-chat", "--revision", commit)
    assert code == 0 and out == f"{setup.models / GGUF_REPO / Q4}\n" and "already on this machine" not in err
    assert any(f"/api/models/{GGUF_REPO}/revision/{commit}" == r.path for r in setup.hub.requests)
    assert len(file_gets(setup.hub)) == gets  # the file in place is the same: not fetched again


def test_a_gated_repository_needs_the_access_token_from_settings(setup, capsys):
    token = "hf_CliSeCrEt0123456789"
    setup.hub.add_repo("acme/gated-GGUF", {"g.gguf": gguf_bytes(5000)}, gated=True)
    setup.hub.token = token
    code, out, err = setup.run(capsys, "download", "acme/gated-GGUF:g.gguf")
    assert code == 1 and out == ""
    assert f"accept its licence at {setup.hub.url}/acme/gated-GGUF" in err and "access token" in err
    setup.settings(hub_token=token)
    code, out, err = setup.run(capsys, "download", "acme/gated-GGUF:g.gguf")
    assert code == 0, err
    assert token not in out + err
    cdn = [r for r in setup.hub.requests if r.path.startswith("/_cdn/")]
    assert cdn and all(r.authorization is None for r in cdn)  # the token goes to the hub only


def test_a_model_another_app_keeps_is_used_where_it_is(setup, capsys):
    lm_studio = setup.home / ".lmstudio" / "models" / GGUF_REPO / Q4  # LM Studio's standard place
    lm_studio.parent.mkdir(parents=True)
    lm_studio.write_bytes(setup.gguf[Q4])
    code, out, err = setup.run(capsys, "download", "tiny-chat")
    assert code == 0 and out == f"{lm_studio}\n"
    assert "kept by LM Studio, same repository and file" in err
    assert setup.hub.requests == [] and not setup.models.exists()

    renamed = setup.tmp / "gpt4all" / "my-chat-model.gguf"  # another name: known by its sha256
    renamed.parent.mkdir()
    renamed.write_bytes(setup.gguf[Q8])
    setup.settings(other_app_dirs=[str(renamed.parent)])
    code, out, err = setup.run(capsys, "download", "tiny-chat", "--quant", "Q8_0")
    assert code == 0 and out == f"{renamed}\n" and "same sha256" in err
    assert setup.hub.requests == []


def test_ctrl_c_pauses_and_the_same_command_resumes_with_a_range_request(setup, capsys, tmp_path):
    big = tmp_path / "big.gguf"
    big.write_bytes(gguf_bytes(4_000_000))
    setup.hub.add_repo("acme/Big-GGUF", {"big.gguf": big})
    setup.hub.rate = 1_500_000  # bytes per second: slow enough to be stopped midway
    env = {key: value for key, value in os.environ.items() if key != "HF_HUB_OFFLINE"}
    command = [sys.executable, "main.py", "--data-dir", str(setup.data), "models", "download", "acme/Big-GGUF:big.gguf"]
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    partial = setup.models / ".partial"
    try:
        deadline = time.monotonic() + 60
        while not any(p.suffix == ".part" and p.stat().st_size > 0 for p in partial.glob("*.part")):
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the download never started"
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert out == "" and "Pausing" in err and "run the same command again to continue" in err
    assert "models download acme/Big-GGUF:big.gguf" in err
    [part] = list(partial.glob("*.part"))
    kept = part.stat().st_size
    assert 0 < kept < 4_000_000 and not (setup.models / "acme" / "Big-GGUF" / "big.gguf").exists()
    # what the paced sender put into the socket before the pause (counted once a send ends)
    served_before = setup.hub.served.get("acme/Big-GGUF/big.gguf", 0)

    setup.hub.rate = None
    code, out, err = setup.run(capsys, "download", "acme/Big-GGUF:big.gguf", catalog=False)
    assert code == 0, err
    assert Path(out.strip()).read_bytes() == big.read_bytes()
    assert [g.range for g in setup.hub.gets_of("acme/Big-GGUF", "big.gguf")] == [None, f"bytes={kept}-"]
    assert setup.hub.served["acme/Big-GGUF/big.gguf"] - served_before == 4_000_000 - kept  # no byte twice


def test_installed_lists_atelier_downloads_and_other_apps_models_apart(setup, capsys):
    assert setup.run(capsys, "download", "tiny-sd")[0] == 0
    lm_studio = setup.home / ".lmstudio" / "models" / "lmstudio-community" / "gemma-GGUF" / "gemma-Q4_K_M.gguf"
    lm_studio.parent.mkdir(parents=True)
    lm_studio.write_bytes(gguf_bytes(3000))
    ollama_like = setup.tmp / "plain" / "voice-model.gguf"
    ollama_like.parent.mkdir()
    ollama_like.write_bytes(gguf_bytes(2000))
    setup.settings(other_app_dirs=[str(ollama_like.parent)], hidden_models=[str(lm_studio)])
    code, out, err = setup.run(capsys, "installed")
    assert code == 0, err
    ours, theirs = out.split("Kept by other apps")
    assert ours.startswith(f"Downloaded by Atelier, in {setup.models}:")
    assert f"{FOLDER_REPO}  " in ours and str(setup.models / FOLDER_REPO) in ours
    assert str(lm_studio) not in ours and FOLDER_REPO not in theirs
    lines = {line.strip().split("  ")[0]: line for line in theirs.splitlines()[1:]}
    assert set(lines) == {"lmstudio-community/gemma-GGUF/gemma-Q4_K_M (LM Studio)", "voice-model (Folder)"}
    gemma = lines["lmstudio-community/gemma-GGUF/gemma-Q4_K_M (LM Studio)"]
    assert f"  3.0 KB  {lm_studio}" in gemma and gemma.endswith("[hidden in the window]")
    assert "voice-model (Folder)" in lines and "[hidden" not in lines["voice-model (Folder)"]


def test_a_models_folder_inside_lm_studios_tree_lists_each_model_once(setup, capsys):
    lm_studio = setup.home / ".lmstudio" / "models"
    theirs = lm_studio / "lmstudio-community" / "gemma-GGUF" / "gemma-Q4_K_M.gguf"
    theirs.parent.mkdir(parents=True)
    theirs.write_bytes(gguf_bytes(3000))
    setup.settings(models_dir=str(lm_studio))  # one folder for both apps: LM Studio's layout
    assert setup.run(capsys, "download", "tiny-chat")[0] == 0
    assert setup.run(capsys, "download", "tiny-sd")[0] == 0
    code, out, _ = setup.run(capsys, "installed")
    ours, others = out.split("Kept by other apps")
    assert GGUF_REPO in ours and FOLDER_REPO in ours
    assert GGUF_REPO not in others and FOLDER_REPO not in others and str(theirs) in others


def test_remove_deletes_only_what_atelier_downloaded(setup, capsys):
    assert setup.run(capsys, "download", "tiny-chat")[0] == 0
    folder = setup.models / GGUF_REPO
    mine = folder / "my-notes.txt"  # a person's own file in the same folder
    mine.write_text("keep me")
    lm_studio = setup.home / ".lmstudio" / "models" / "lmstudio-community" / "gemma-GGUF" / "gemma-Q4_K_M.gguf"
    lm_studio.parent.mkdir(parents=True)
    lm_studio.write_bytes(gguf_bytes(3000))

    code, out, err = setup.run(capsys, "remove", "tiny-chat")
    assert code == 0, err
    assert out.splitlines() == [f"removed {folder / Q4} (40.0 KB)"]
    assert not (folder / Q4).exists() and not (folder / "atelier-download.json").exists()
    assert mine.read_text() == "keep me" and "1 file that Atelier did not download stay" in err

    code, out, err = setup.run(capsys, "remove", "lmstudio-community/gemma-GGUF")
    assert code == 1 and out == ""
    assert "Atelier did not download lmstudio-community/gemma-GGUF" in err and "LM Studio" in err
    assert "Hide it in the Models window" in err and lm_studio.read_bytes()[:4] == b"GGUF"

    mine.unlink()
    assert setup.run(capsys, "download", "tiny-chat")[0] == 0
    manifest = folder / "atelier-download.json"  # a damaged or doctored manifest names a file outside
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data["files"].append({**data["files"][0], "path": "../../outside.txt"})
    manifest.write_text(json.dumps(data), encoding="utf-8")
    outside = setup.models / "outside.txt"
    outside.write_text("not Atelier's")
    assert setup.run(capsys, "remove", GGUF_REPO)[0] == 0
    assert not folder.exists() and not folder.parent.exists()  # folders left empty go too
    assert outside.read_text() == "not Atelier's"
    code, _, err = setup.run(capsys, "remove", "tiny-chat")
    assert code == 1 and "not among the models Atelier downloaded" in err


def test_verify_catalog_reports_and_writes_what_the_hub_confirmed(setup, capsys):
    unknown = write_catalog(setup.tmp / "unknown.json", gguf_entry(setup.gguf), folder_entry(setup.folder))
    code = main(["models", "verify-catalog", "--catalog", str(unknown), "--write"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("learned   tiny-chat: learned revision ")
    assert f"learned size of {Q4} 40000 bytes" in out and len(out.splitlines()) == 2
    assert "Wrote 8 facts of 2 entries" in err
    data = json.loads(unknown.read_text(encoding="utf-8"))
    assert data["models"][0]["source"]["files"][0]["sha256"] == sha256(setup.gguf[Q4])
    assert data["models"][0]["unverified"] == []

    wrong = gguf_entry(setup.gguf, known=True)
    wrong["source"]["files"][1]["sha256"] = "f" * 64
    contradicted = write_catalog(setup.tmp / "wrong.json", wrong)
    before = contradicted.read_bytes()
    code = main(["models", "verify-catalog", "--write", "--catalog", str(contradicted)])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith(f"differs   tiny-chat: sha256 of {Q8}: the catalog says {'f' * 64}")
    assert contradicted.read_bytes() == before and "Nothing to write" in err


def test_offline_nothing_reaches_the_hub(setup, capsys):
    setup.settings(offline=True)
    code, out, err = setup.run(capsys, "download", "tiny-chat")
    assert code == 1 and out == "" and "offline" in err.lower()
    code, out, err = setup.run(capsys, "verify-catalog")
    assert code == 1 and "offline" in err.lower()
    assert setup.hub.requests == []
    assert not setup.models.exists()  # not even a partial folder


def test_global_options_before_or_after_the_subcommand(setup, capsys):
    for args in (["--data-dir", str(setup.data), "models", "installed"],
                 ["models", "--data-dir", str(setup.data), "installed"],
                 ["models", "installed", "--data-dir", str(setup.data)]):
        assert main(args) == 0
        assert capsys.readouterr().out.startswith(f"Downloaded by Atelier, in {setup.models}:")
    setup.settings(models_dir=str(setup.tmp / "elsewhere"))  # the window's models folder setting
    assert main(["models", "installed", "--verbose"]) == 0
    assert capsys.readouterr().out.startswith(f"Downloaded by Atelier, in {setup.tmp / 'elsewhere'}:")


def test_list_shows_the_catalog_with_installed_markers(setup, capsys):
    assert setup.run(capsys, "download", "tiny-chat")[0] == 0
    code, out, err = setup.run(capsys, "list")
    assert code == 0, err
    header, chat, sd = out.splitlines()
    assert header.split() == ["ID", "NAME", "STUDIO", "SIZE", "LICENCE", "GATED", "INSTALLED", "FIT"]
    assert chat.split()[:7] == ["tiny-chat", "Tiny", "Chat", "text", "40.0", "KB", "apache-2.0"]
    assert " yes " in chat and " yes " not in sd
    code, out, _ = setup.run(capsys, "list", "--studio", "image")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == ["ID", "tiny-sd"]
    setup.catalog.write_text("{not json", encoding="utf-8")
    code, out, err = setup.run(capsys, "list")
    assert code == 1 and out == "" and err.startswith("The model catalog catalog.json is not valid JSON")


def test_the_progress_bar_redraws_one_line_on_a_terminal():
    stream = io.StringIO()
    bar = TerminalProgress(stream, is_tty=True, width=120)
    for done in (0, 250_000, 1_000_000):
        bar(DownloadProgress("downloading", done, 1_000_000, 500_000.0, (1_000_000 - done) / 500_000, "m.gguf"))
    bar.end()
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "[######..................]  25% 250.0 KB of 1.0 MB · 500.0 KB/s · 2 s left · m.gguf" in text

    plain = io.StringIO()
    bar = TerminalProgress(plain, is_tty=False)
    for done in range(0, 1_000_001, 10_000):  # a hundred reports: a line per tenth, not per report
        bar(DownloadProgress("downloading", done, 1_000_000, 1.0, 1.0, "m.gguf"))
    assert len(plain.getvalue().splitlines()) == 11 and "\r" not in plain.getvalue()


def test_the_speed_shown_after_a_resume_counts_only_new_bytes():
    from desktop.core.models.download_progress import ProgressMeter

    now = [0.0]
    reports = []
    meter = ProgressMeter(reports.append, 0, interval=0.1, clock=lambda: now[0])
    meter.set_state("starting")
    now[0] = 2.0  # asking the hub for the file list
    meter.total, meter.done = 30_000_000, 10_000_000  # 10 MB were already on disk
    meter.set_state("downloading", "big.gguf")
    for _ in range(10):
        now[0] += 0.1
        meter.advance(100_000)  # 1 MB/s
    assert reports[-1].speed == pytest.approx(1_000_000, rel=0.01)
    assert reports[-1].seconds_left == pytest.approx(19, rel=0.02)


def test_list_fits_keeps_what_fits_this_machines_memory(setup, capsys, monkeypatch):
    from desktop.core.models import fit

    gib = 1024 ** 3
    monkeypatch.setattr(fit, "this_machine", lambda: fit.Machine(2 * gib, 1 * gib, 1 * gib))
    code, out, err = setup.run(capsys, "list", "--fits")
    assert code == 0, err
    rows = out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["tiny-chat"]  # the image model needs ~1 GB at 512×512
    assert rows[0].split("  ")[-1].strip().startswith("fits (")
    code, out, _ = setup.run(capsys, "list")
    assert "too big" in out.splitlines()[2]  # without --fits it is listed, with its verdict
    monkeypatch.setattr(fit, "this_machine", lambda: fit.Machine(64 * gib, 60 * gib, 32 * gib))
    code, out, _ = setup.run(capsys, "list", "--fits")
    assert [row.split()[0] for row in out.splitlines()[1:]] == ["tiny-chat", "tiny-sd"]
