"""The models other apps keep, in the window's real model lists (desktop/model_sources.py):
fake LM Studio, Ollama, Hugging Face cache and ComfyUI stores built in the test's home folder
(tests/models/discovery_trees.py) with tiny real models copied in (tests/tiny_models.py), each
model listed with its source app, hidden ones left out, roots added in settings scanned, one
disk walk per refresh round for the four lists, a text job run from an Ollama blob — and not a
byte written into the stores."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from discovery_trees import (build_comfyui, build_hf_cache, build_lm_studio, build_ollama, hf_repo, layer,
                             listing, ollama_blob, ollama_manifest)
from model_kinds import write_flux_gguf
from desktop.core.image.tiny_autoencoder import find_tiny_autoencoder
from desktop.model_sources import OtherAppStores, discover_other_apps

COMMIT = "d" * 40


def folder_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def tiny_files(tmp_path_factory, tiny_vits) -> dict:
    """Tiny real models as file contents, written once per session, copied into each fake store."""
    from tiny_models import write_tiny_esrgan, write_tiny_sd

    folder = tmp_path_factory.mktemp("other-app-models")
    return {"sd": folder_files(write_tiny_sd(folder / "tiny-sd")),
            "esrgan": write_tiny_esrgan(folder / "esrgan.safetensors").read_bytes(),
            "vits": folder_files(tiny_vits)}


@pytest.fixture
def stores(tmp_path, tiny_chat_gguf, tiny_files) -> dict[str, Path]:
    """Other apps' stores in their standard places under the test's home (conftest sets HOME)."""
    home = Path(os.environ["HOME"])
    assert home == tmp_path / "home"
    chat = tiny_chat_gguf.read_bytes()
    lm_studio = build_lm_studio(home / ".lmstudio" / "models")
    lm_chat = lm_studio / "lmstudio-community" / "Tiny-Chat-GGUF" / "tiny-chat-Q8_0.gguf"
    lm_chat.parent.mkdir(parents=True)
    lm_chat.write_bytes(chat)
    ollama = home / ".ollama" / "models"
    digests = build_ollama(ollama, model_bytes=chat)  # llama3.2:1b is the tiny chat model
    cache = build_hf_cache(home / ".cache" / "huggingface" / "hub")
    hf_repo(cache, "someone/tiny-sd", COMMIT, tiny_files["sd"])
    hf_repo(cache, "someone/tiny-vits", COMMIT, tiny_files["vits"])
    flux = hf_repo(cache, "city96/FLUX.1-dev-gguf", COMMIT,
                   {"flux1-dev-Q4_0.gguf": write_flux_gguf(tmp_path / "flux.gguf")})
    comfy = build_comfyui(home / "ComfyUI")
    (comfy / "models" / "upscale_models" / "tiny_x4.safetensors").write_bytes(tiny_files["esrgan"])
    return {"home": home, "roots": [lm_studio, ollama, cache, comfy], "lm_chat": lm_chat, "cache": cache,
            "ollama_blob": ollama / "blobs" / digests["model"].replace(":", "-"), "flux": flux, "comfy": comfy}


@pytest.fixture
def make_services(qtbot, data_dir):
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.viewmodels.settings_model import SettingsModel

    made = []

    def make(**values):
        svc = Services(SettingsModel(Settings(cpu_threads=2, context_length=1024, **values)), data_dir)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.shutdown()


def untouched(stores) -> dict:
    """Every entry of the stores with its type, size and times (the app's own cache in the same
    home is not theirs)."""
    return {path: entry for root in stores["roots"] for path, entry in listing(root).items()}


def lists(svc):
    return [svc.models, svc.image_models, svc.upscalers, svc.audio_models]


def refresh(qtbot, svc) -> None:
    """One refresh round, as the menu's Rescan models does; returns when all four lists are in."""
    with qtbot.waitSignals([m.scanned for m in lists(svc)], timeout=60000):
        svc.rescan_models()


def listed(model_list) -> dict[str, object]:
    return {info.name: info for info in model_list.models()}


def test_the_windows_lists_show_other_apps_models_in_place_with_their_source(qtbot, stores, make_services,
                                                                            monkeypatch):
    import threading

    from desktop import model_sources

    walked_on = []
    real_discover = model_sources.discover_other_apps

    def discover(*args, **kwargs):
        walked_on.append(threading.current_thread())
        return real_discover(*args, **kwargs)

    monkeypatch.setattr(model_sources, "discover_other_apps", discover)
    before = untouched(stores)
    svc = make_services()
    refresh(qtbot, svc)
    assert walked_on and threading.main_thread() not in walked_on  # the disk is walked off the GUI thread

    text = listed(svc.models)
    ollama = text["llama3.2:1b"]  # an Ollama blob, named by its tag
    assert (ollama.source, ollama.path, ollama.architecture) == ("Ollama", str(stores["ollama_blob"]), "llama")
    assert ollama.has_chat_template and ollama.label.endswith("· chat · Ollama")
    assert ollama.projector  # Ollama keeps a projector layer for it: carried along for vision later
    in_lm_studio = [m for m in text.values() if m.path == str(stores["lm_chat"])]
    assert [m.source for m in in_lm_studio] == ["LM Studio"]
    assert "· LM Studio" in in_lm_studio[0].label
    assert {m.source for m in text.values()} == {"built-in", "LM Studio", "Ollama", "Hugging Face cache"}
    # Inside the HF cache the snapshot's link is listed (it keeps the name), refs/main's snapshot only.
    hf_text = sorted(Path(m.path).name for m in text.values() if m.source == "Hugging Face cache")
    assert hf_text == ["model-f16.gguf", "qwen2.5-0.5b-instruct-q4_k_m.gguf"]
    assert not [m for m in text.values() if str(stores["flux"]) in m.path]  # a FLUX GGUF is not a text model

    images = listed(svc.image_models)
    assert (images["someone/tiny-sd"].source, images["someone/tiny-sd"].family) == ("Hugging Face cache", "SD 1.x/2.x")
    assert images["stabilityai/sd-turbo"].source == "Hugging Face cache"
    assert images["sd-turbo"].source == "ComfyUI"
    assert images["someone/tiny-sd"].label.endswith("· Hugging Face cache")
    upscalers = listed(svc.upscalers)  # ComfyUI's fake RealESRGAN_x4plus (one tensor) is quietly not one
    assert [(u.name, u.scale, u.source) for u in upscalers.values()] == [("tiny x4", 4, "ComfyUI")]
    audio = listed(svc.audio_models)
    assert (audio["someone/tiny-vits"].engine, audio["someone/tiny-vits"].source) == ("vits", "Hugging Face cache")
    assert audio["facebook/musicgen-small"].source == "Hugging Face cache"

    assert svc.other_apps.scans == 1  # one walk of the stores served the four lists
    refresh(qtbot, svc)
    assert svc.other_apps.scans == 2
    assert untouched(stores) == before  # nothing written, moved or touched in the stores


def test_hidden_models_are_left_out_by_the_path_listed_or_the_file_behind_it(qtbot, stores, make_services):
    hf_link = next(stores["cache"].glob("models--Qwen--*/snapshots/*/qwen2.5-0.5b-instruct-q4_k_m.gguf"))
    svc = make_services(hidden_models=[str(stores["lm_chat"]), str(hf_link.resolve())])
    refresh(qtbot, svc)
    paths = {m.path for m in svc.models.models()}
    assert str(stores["lm_chat"]) not in paths and str(hf_link) not in paths
    assert str(stores["ollama_blob"]) in paths
    svc.settings.set("hidden_models", [])  # showing them again rescans
    qtbot.waitUntil(lambda: str(stores["lm_chat"]) in {m.path for m in svc.models.models()}, timeout=60000)


def test_a_root_added_in_settings_is_scanned_and_changing_the_setting_rescans(qtbot, tmp_path, make_services,
                                                                               tiny_gguf):
    elsewhere = tmp_path / "disk2" / "ollama"  # an Ollama store outside the standard places
    model = ollama_blob(elsewhere / "models", tiny_gguf.read_bytes())
    config = ollama_blob(elsewhere / "models", b'{"model_format":"gguf"}')
    ollama_manifest(elsewhere / "models", ("registry.ollama.ai", "library", "tinybase", "latest"),
                    [layer("model", model, tiny_gguf.stat().st_size)], config)
    svc = make_services()
    refresh(qtbot, svc)
    assert "tinybase:latest" not in listed(svc.models)
    scans = svc.other_apps.scans
    svc.settings.set("other_app_dirs", [str(elsewhere)])  # the folder a person picks: ~/.ollama's like
    qtbot.waitUntil(lambda: "tinybase:latest" in listed(svc.models), timeout=60000)
    assert listed(svc.models)["tinybase:latest"].source == "Ollama"
    assert svc.other_apps.scans == scans + 1


def test_the_apps_own_copy_wins_over_another_apps_listing_of_the_same_file(qtbot, stores, make_services, data_dir):
    svc = make_services()
    (svc.layout.models / "linked.gguf").symlink_to(stores["lm_chat"])
    refresh(qtbot, svc)
    same = [m for m in svc.models.models() if os.path.realpath(m.path) == str(stores["lm_chat"].resolve())]
    assert [m.source for m in same] == ["folder"]


def test_a_text_job_runs_from_an_ollama_blob_through_the_apps_own_loader(qtbot, stores, make_services):
    from desktop.core.jobs import JobKind, Studio
    from desktop.core.text.text_request import CHAT, ChatMessage, Sampling, TextRequest

    before = untouched(stores)
    svc = make_services()
    refresh(qtbot, svc)
    blob = listed(svc.models)["llama3.2:1b"]
    assert Path(blob.path).suffix == ""  # a blob has no extension; llama.cpp reads it all the same
    session = svc.job_session(Studio.TEXT)
    request = TextRequest(mode=CHAT, messages=[ChatMessage("user", "hello")],
                          sampling=Sampling(temperature=0, max_tokens=8, seed=1))
    with qtbot.waitSignal(svc.queue.job_finished, timeout=60000) as finished:
        session.submit(JobKind.TEXT, request, blob.path, "from Ollama")
    outcome = finished.args[1]
    assert outcome.result.completion_tokens == 8 and outcome.result.text
    assert untouched(stores) == before


def test_the_tiny_autoencoder_another_app_keeps_gives_previews_for_its_family(stores):
    found = discover_other_apps().tiny_autoencoders()
    taesd = find_tiny_autoencoder([], sdxl=False, found=found)
    assert taesd is not None and taesd.parent.parent.name == "models--madebyollin--taesd"
    assert find_tiny_autoencoder([], sdxl=True, found=found) is None  # TAESD is not TAESDXL's stand-in


def test_one_scan_per_round_even_when_the_lists_ask_at_once(stores):
    import threading

    shared = OtherAppStores()
    shared.new_round([], [])
    assert shared.latest().models == () and shared.scans == 0  # the GUI thread's view: never a scan
    results = []
    threads = [threading.Thread(target=lambda: results.append(shared.current())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert shared.scans == 1 and all(r is results[0] for r in results) and results[0].models
    assert shared.latest() is results[0]
    shared.new_round([], [str(stores["ollama_blob"])])
    assert "llama3.2:1b" not in {m.name for m in shared.current().models} and shared.scans == 2


def test_the_command_line_finds_a_voice_another_app_keeps(tmp_path, builtin_voice, capsys):
    from desktop.cli import main

    voice = {"de_DE-test-medium.onnx": builtin_voice.read_bytes(),
             "de_DE-test-medium.onnx.json": Path(f"{builtin_voice}.json").read_bytes()}
    # Copies, as the cache keeps them where links are not allowed (Windows): see the report on
    # the pipelines resolving links to blobs, whose names lose the .onnx the voice needs.
    hf_repo(Path(os.environ["HOME"]) / ".cache" / "huggingface" / "hub", "rhasspy/piper-voices", COMMIT,
            {f"de/de_DE/test/medium/{name}": content for name, content in voice.items()}, link=False)
    code = main(["--data-dir", str(tmp_path / "data"), "generate", "speech", "Hallo.", "--voice",
                 "de_DE-test-medium", "--threads", "1"])
    assert code == 0, capsys.readouterr().err
