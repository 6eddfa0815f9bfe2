"""`python main.py models download ADAPTER` against the fake hub on 127.0.0.1: a motion adapter
brings the SD 1.5 base its catalog entry names, by the same rule as any model (never stored
twice: not fetched again from Atelier's folder, used in place from another app's), and says so;
stdout holds the adapter's path, then the base's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))

from catalog_helpers import (ADAPTER_FILE, ADAPTER_REPO, BASE_REPO, adapter_entry, base_entry,  # noqa: E402
                             write_catalog)
from discovery_trees import COMMIT_A, hf_repo  # noqa: E402
from fake_hub import FakeHub  # noqa: E402

from desktop import settings as settings_io  # noqa: E402
from desktop.cli import main  # noqa: E402

BASE_FILES = {"model_index.json": b'{"_class_name": "StableDiffusionPipeline"}',
              "unet/config.json": b'{"in_channels": 4, "cross_attention_dim": 768}',
              "unet/diffusion_pytorch_model.safetensors": os.urandom(30_000),
              "vae/config.json": b'{"latent_channels": 4}',
              "vae/diffusion_pytorch_model.safetensors": os.urandom(20_000)}
ADAPTER = os.urandom(25_000)


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """One `models` command in this process against a hub holding the pair: (code, out, err)."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    hub = FakeHub()
    hub.add_repo(BASE_REPO, BASE_FILES, lfs={k for k in BASE_FILES if k.endswith(".safetensors")})
    hub.add_repo(ADAPTER_REPO, {ADAPTER_FILE: ADAPTER}, lfs={ADAPTER_FILE})
    catalog = write_catalog(tmp_path / "catalog.json", base_entry(BASE_FILES), adapter_entry(ADAPTER))
    current = settings_io.load()
    current.hub_endpoint = hub.url
    settings_io.save(current)

    def command(*args: str):
        code = main(["--data-dir", str(tmp_path / "data"), "models", *args, "--catalog", str(catalog)])
        out = capsys.readouterr()
        return code, out.out, out.err

    command.hub, command.models = hub, tmp_path / "data" / "models"
    yield command
    hub.close()


def file_gets(hub: FakeHub) -> list[str]:
    return [r.path for r in hub.requests if r.method == "GET" and "/api/" not in r.path]


def test_an_adapter_brings_its_base_once(run):
    code, out, err = run("download", "tiny-lightning-2step")
    assert code == 0, err
    adapter, base = run.models / ADAPTER_REPO / ADAPTER_FILE, run.models / BASE_REPO
    assert out == f"{adapter}\n{base}\n"  # the adapter, then the base it runs on
    assert "Tiny Lightning 2-step runs on Tiny SD 1.5 (tiny-sd15): that is fetched too" in err
    assert f"generate video --model {base} --motion-adapter {adapter}" in err
    assert adapter.read_bytes() == ADAPTER
    assert all((base / name).read_bytes() == content for name, content in BASE_FILES.items())
    fetched = len(file_gets(run.hub))

    code, out, err = run("download", "tiny-lightning-2step")  # both here: nothing fetched, same answer
    assert code == 0 and out == f"{adapter}\n{base}\n"
    assert err.count("is already on this machine (downloaded by Atelier); not downloaded again") == 2
    assert len(file_gets(run.hub)) == fetched


def test_a_base_another_app_keeps_is_used_where_it_is(run, tmp_path):
    cache = tmp_path / "home" / ".cache" / "huggingface" / "hub"  # the Hugging Face cache's standard place
    repo = hf_repo(cache, BASE_REPO, COMMIT_A, BASE_FILES)
    code, out, err = run("download", "tiny-lightning-2step")
    assert code == 0, err
    assert out == f"{run.models / ADAPTER_REPO / ADAPTER_FILE}\n{repo / 'snapshots' / COMMIT_A}\n"
    assert "Tiny SD 1.5 is already on this machine (kept by Hugging Face cache" in err
    assert not (run.models / BASE_REPO).exists()
    assert not [p for p in file_gets(run.hub) if BASE_REPO in p]


def test_the_base_alone_is_just_a_model(run):
    code, out, err = run("download", "tiny-sd15")
    assert code == 0 and out == f"{run.models / BASE_REPO}\n" and "fetched too" not in err
