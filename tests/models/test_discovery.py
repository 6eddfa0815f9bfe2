"""Models other apps keep, found in place: fake LM Studio, GPT4All, Jan, Ollama, Hugging
Face cache, ComfyUI and A1111/Forge trees built in tmp_path (tests/models/discovery_trees.py),
the standard places on Linux, macOS and Windows from a fake home, folders a person adds,
and hostile folders (link loops, a FIFO named .gguf, bad manifests, unreadable folders)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from desktop.core.models import discovery_walk
from desktop.core.models.discovery import (AppRoot, ScanLimits, discover, identify_root, scan, scan_detailed,
                                           standard_locations)
from desktop.core.models.discovery_types import (A1111_LAYOUT, AUDIO, DIFFUSERS, DIFFUSERS_PART, FOLDER_LAYOUT,
                                                 GGUF, GPT4ALL_LAYOUT, HF_LAYOUT, IMAGE, JAN_LAYOUT, LM_STUDIO_LAYOUT,
                                                 LORA, OLLAMA_LAYOUT, ONNX_VOICE, SAFETENSORS, TEXT, TRANSFORMERS,
                                                 UPSCALER, VAE)
from discovery_trees import (COMMIT_A, GGUF_HEAD, build_a1111, build_comfyui, build_gpt4all, build_hf_cache,
                             build_jan, build_lm_studio, build_ollama, layer, listing, ollama_blob, ollama_manifest,
                             write_gguf, write_json, write_safetensors)


def by_name(models):
    return {m.name: m for m in models}


# --- each app --------------------------------------------------------------------------------

def test_lm_studio_ggufs_are_named_by_publisher_and_repository(tmp_path):
    models = build_lm_studio(tmp_path / "models")
    found = by_name(scan(AppRoot("LM Studio", models, LM_STUDIO_LAYOUT)))
    assert set(found) == {"lmstudio-community/gemma-3-4b-it-GGUF/gemma-3-4b-it-Q4_K_M", "bartowski/Big-GGUF/Big-Q8_0"}
    gemma = found["lmstudio-community/gemma-3-4b-it-GGUF/gemma-3-4b-it-Q4_K_M"]
    assert (gemma.kind, gemma.studio, gemma.source, gemma.size_bytes) == (GGUF, TEXT, "LM Studio", 100)
    assert gemma.projector.endswith("mmproj-model-f16.gguf")  # the projector goes with it, not listed alone
    split = found["bartowski/Big-GGUF/Big-Q8_0"]
    assert split.path.endswith("-00001-of-00002.gguf") and split.size_bytes == 350  # both parts
    # the MLX folder (config.json + safetensors) is not something LM Studio's GGUF list offers
    assert all(m.kind == GGUF for m in found.values())


def test_gpt4all_leaves_out_downloads_in_progress(tmp_path):
    folder = build_gpt4all(tmp_path / "GPT4All")
    found = scan(AppRoot("GPT4All", folder, GPT4ALL_LAYOUT))
    assert [m.name for m in found] == ["Llama-3.2-1B-Instruct-Q4_0"]


def test_jan_models_by_id_including_one_imported_in_place(tmp_path):
    data = build_jan(tmp_path / "Jan" / "data", tmp_path / "elsewhere" / "mine.gguf")
    found = by_name(scan(AppRoot("Jan", data, JAN_LAYOUT)))
    assert set(found) == {"qwen3-4b", "My import"}
    assert found["qwen3-4b"].projector.endswith("mmproj.gguf")
    assert found["My import"].path == str(tmp_path / "elsewhere" / "mine.gguf")


def test_ollama_models_are_named_as_ollama_names_them(tmp_path):
    store = tmp_path / "ollama"
    digests = build_ollama(store)
    found = by_name(scan(AppRoot("Ollama", store, OLLAMA_LAYOUT)))
    assert set(found) == {"llama3.2:1b", "hf.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M"}  # one blob, once
    llama = found["llama3.2:1b"]
    assert Path(llama.path) == store / "blobs" / digests["model"].replace(":", "-")
    assert (llama.kind, llama.studio, llama.source) == (GGUF, TEXT, "Ollama")
    assert llama.size_bytes == os.path.getsize(llama.path)
    assert llama.projector == str(store / "blobs" / digests["projector"].replace(":", "-"))
    both = scan_detailed(AppRoot("Ollama", store, OLLAMA_LAYOUT))
    assert not both.problems and not both.truncated


def test_hugging_face_cache_lists_the_snapshot_refs_main_names(tmp_path):
    cache = build_hf_cache(tmp_path / "hub")
    result = scan_detailed(AppRoot("Hugging Face cache", cache, HF_LAYOUT))
    found = by_name(result.models)
    gguf = found["Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m"]
    assert f"snapshots/{COMMIT_A}/" in gguf.path and gguf.path.endswith(".gguf")  # the name a loader needs
    assert "/blobs/" in gguf.real_path and gguf.size_bytes == len(GGUF_HEAD) + 80  # the link, resolved
    assert not any("q8_0" in name for name in found)  # the newer snapshot is not what main points to
    assert (found["stabilityai/sd-turbo"].kind, found["stabilityai/sd-turbo"].studio) == (DIFFUSERS, IMAGE)
    assert found["stabilityai/sd-turbo"].size_bytes > 64 * 4  # the component files, through links
    taesd = found["madebyollin/taesd"]
    assert (taesd.kind, taesd.studio, taesd.detail) == (DIFFUSERS_PART, VAE, "AutoencoderTiny")
    musicgen = found["facebook/musicgen-small"]
    assert (musicgen.kind, musicgen.studio, musicgen.detail) == (TRANSFORMERS, AUDIO, "musicgen")
    voice = found["rhasspy/piper-voices/de/de_DE/thorsten/medium/de_DE-thorsten-medium"]  # copies, not links
    assert (voice.kind, voice.studio) == (ONNX_VOICE, AUDIO)
    assert "someone/no-ref-GGUF/model-f16" in found  # no refs/main: the newest snapshot
    assert not any(name.startswith("someone/data") for name in found) and not result.problems


def test_comfyui_tree_by_role_and_its_extra_model_paths(tmp_path):
    root = build_comfyui(tmp_path / "ComfyUI")
    shared = tmp_path / "shared"
    write_safetensors(shared / "Stable-diffusion" / "juggernaut.safetensors")
    write_safetensors(shared / "ESRGAN" / "remacri.safetensors")
    (root / "extra_model_paths.yaml").write_text(
        f"a111:\n    base_path: {shared}\n    checkpoints: Stable-diffusion\n"
        "    upscale_models: |\n        ESRGAN\n        RealESRGAN\n", encoding="utf-8")
    found = {m.name: (m.kind, m.studio) for m in scan(identify_root(root))}
    assert found == {
        "sd_xl_turbo_1.0_fp16": (SAFETENSORS, IMAGE), "SD15/dreamshaper_8": (SAFETENSORS, IMAGE),
        "sd-turbo": (DIFFUSERS, IMAGE), "sdxl_vae": (SAFETENSORS, VAE),
        "RealESRGAN_x4plus": (SAFETENSORS, UPSCALER), "detail": (SAFETENSORS, LORA),
        "juggernaut": (SAFETENSORS, IMAGE), "remacri": (SAFETENSORS, UPSCALER)}
    # never listed: pickles (.ckpt, .pth), unet/'s diffusion GGUF, text encoders


@pytest.mark.parametrize("forge", [False, True])
def test_a1111_and_forge_trees_by_role(tmp_path, forge):
    root = build_a1111(tmp_path / ("stable-diffusion-webui-forge" if forge else "stable-diffusion-webui"), forge)
    app_root = identify_root(root)
    assert (app_root.app, app_root.layout) == ("Forge" if forge else "AUTOMATIC1111", A1111_LAYOUT)
    assert {m.name: m.studio for m in scan(app_root)} == {
        "v1-5-pruned-emaonly": IMAGE, "vae-ft-mse-840000-ema-pruned": VAE, "4x_foolhardy_Remacri": UPSCALER,
        "RealESRGAN_x2plus": UPSCALER, "style": LORA}


# --- standard places ---------------------------------------------------------------------------

def fake_machine(home: Path, platform: str) -> dict[str, Path]:
    """Every app's default folder for `platform`, filled, under `home`."""
    if platform == "win32":
        gpt4all, jan = home / "AppData/Local/nomic.ai/GPT4All", home / "AppData/Roaming/Jan/data"
    elif platform == "darwin":
        gpt4all, jan = home / "Library/Application Support/nomic.ai/GPT4All", home / "Library/Application Support/Jan/data"
    else:
        gpt4all, jan = home / ".local/share/nomic.ai/GPT4All", home / ".local/share/Jan/data"
    places = {"Hugging Face cache": home / ".cache/huggingface/hub", "LM Studio": home / ".lmstudio/models",
              "GPT4All": gpt4all, "Jan": jan, "Ollama": home / ".ollama/models", "ComfyUI": home / "ComfyUI",
              "AUTOMATIC1111": home / "stable-diffusion-webui", "Forge": home / "stable-diffusion-webui-forge"}
    build_hf_cache(places["Hugging Face cache"])
    build_lm_studio(places["LM Studio"])
    build_gpt4all(gpt4all)
    build_jan(jan, home / "imported.gguf")
    build_ollama(places["Ollama"])
    build_comfyui(places["ComfyUI"])
    build_a1111(places["AUTOMATIC1111"])
    build_a1111(places["Forge"], forge=True)
    return places


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_standard_locations_on_each_platform(tmp_path, platform):
    places = fake_machine(tmp_path / "home", platform)
    (tmp_path / "home" / ".cache" / "lm-studio").mkdir()  # an empty old folder is not a place
    roots = standard_locations(tmp_path / "home", {}, platform, system_root=tmp_path / "root")
    assert {(r.app, r.path) for r in roots} == set(places.items())
    scanned = discover(tmp_path / "home", {}, platform, system_root=tmp_path / "root")
    assert {m.source for m in scanned.models} == set(places)
    assert len({m.real_path for m in scanned.models}) == len(scanned.models)


def test_environment_and_settings_move_the_places(tmp_path):
    home = tmp_path / "home"
    build_hf_cache(tmp_path / "hf-home" / "hub")
    build_ollama(tmp_path / "ollama-elsewhere")
    build_lm_studio(tmp_path / "lms-models")
    write_json(home / ".lmstudio" / "settings.json", {"downloadsFolder": str(tmp_path / "lms-models")})
    build_jan(tmp_path / "jan-data", tmp_path / "i.gguf")
    write_json(home / ".config" / "Jan" / "settings.json", {"data_folder": str(tmp_path / "jan-data")})
    build_ollama(tmp_path / "root" / "usr/share/ollama/.ollama/models")
    build_lm_studio(home / ".cache/lm-studio/models")  # before LM Studio 0.3
    write_gguf(home / "jan/models/tinyllama/tinyllama.gguf")  # before Jan 0.5
    environ = {"HF_HOME": "~/../hf-home", "OLLAMA_MODELS": str(tmp_path / "ollama-elsewhere")}
    roots = {(r.app, r.path) for r in standard_locations(home, environ, "linux", system_root=tmp_path / "root")}
    assert roots == {("Hugging Face cache", home / "../hf-home/hub"), ("Ollama", tmp_path / "ollama-elsewhere"),
                     ("LM Studio", tmp_path / "lms-models"), ("Jan", tmp_path / "jan-data"),
                     ("Ollama", tmp_path / "root/usr/share/ollama/.ollama/models"),
                     ("LM Studio", home / ".cache/lm-studio/models"), ("Jan", home / "jan/models")}
    assert [m.name for m in scan(AppRoot("Jan", home / "jan/models", JAN_LAYOUT))] == ["tinyllama/tinyllama"]
    build_hf_cache(tmp_path / "pinned")
    pinned = standard_locations(home, {"HF_HUB_CACHE": str(tmp_path / "pinned"), "HF_HOME": "x"}, "linux")
    assert ("Hugging Face cache", tmp_path / "pinned") in {(r.app, r.path) for r in pinned}


def test_the_comfyui_desktop_apps_model_folders(tmp_path):
    home = tmp_path / "home"
    write_safetensors(tmp_path / "Docs" / "ComfyUI" / "models" / "vae" / "ae.safetensors")
    (home / "AppData/Roaming/ComfyUI").mkdir(parents=True)
    (home / "AppData/Roaming/ComfyUI/extra_models_config.yaml").write_text(
        f"comfyui_desktop:\n  is_default: true\n  base_path: {tmp_path / 'Docs' / 'ComfyUI'}\n  vae: models/vae/\n")
    roots = standard_locations(home, {}, "win32")
    assert [(r.app, r.path, r.studio) for r in roots] == [("ComfyUI", tmp_path / "Docs/ComfyUI/models/vae", VAE)]
    assert [(m.name, m.studio) for m in scan(roots[0])] == [("ae", VAE)]


# --- a folder a person adds ---------------------------------------------------------------------

def test_identify_root_by_structure(tmp_path):
    build_ollama(tmp_path / "dot-ollama" / "models")
    build_hf_cache(tmp_path / "huggingface" / "hub")
    build_lm_studio(tmp_path / "lms" / "models")
    build_jan(tmp_path / "jandata", tmp_path / "x.gguf")
    build_comfyui(tmp_path / "comfy")
    write_gguf(tmp_path / "mine" / "a.gguf")
    cases = {"dot-ollama": ("Ollama", "dot-ollama/models", OLLAMA_LAYOUT),
             "dot-ollama/models": ("Ollama", "dot-ollama/models", OLLAMA_LAYOUT),
             "huggingface": ("Hugging Face cache", "huggingface/hub", HF_LAYOUT),
             "lms": ("LM Studio", "lms/models", LM_STUDIO_LAYOUT), "jandata": ("Jan", "jandata", JAN_LAYOUT),
             "comfy/models": ("ComfyUI", "comfy/models", "comfyui"), "mine": ("Folder", "mine", FOLDER_LAYOUT)}
    for added, (app, path, layout) in cases.items():
        root = identify_root(tmp_path / added)
        assert (root.app, root.path, root.layout) == (app, tmp_path / path, layout), added
    assert [m.name for m in scan(identify_root(tmp_path / "mine"))] == ["a"]


def test_a_plain_folder_is_read_by_structure(tmp_path):
    write_gguf(tmp_path / "llm" / "tiny.gguf")
    write_json(tmp_path / "img" / "sd" / "model_index.json", {"_class_name": "StableDiffusionPipeline"})
    write_safetensors(tmp_path / "img" / "sd" / "unet" / "diffusion_pytorch_model.safetensors")
    write_safetensors(tmp_path / "x4.safetensors")
    (tmp_path / "voice.onnx").write_bytes(b"onnx")
    write_json(tmp_path / "voice.onnx.json", {})
    (tmp_path / "lonely.onnx").write_bytes(b"onnx")  # no .onnx.json: not a Piper voice
    (tmp_path / "fake.safetensors").write_bytes(b"not a safetensors file at all")
    (tmp_path / "fake.gguf").write_bytes(b"GGML")
    result = scan_detailed(identify_root(tmp_path))
    assert {m.name: m.kind for m in result.models} == {"llm/tiny": GGUF, "img/sd": DIFFUSERS, "x4": SAFETENSORS,
                                                        "voice": ONNX_VOICE}
    assert [Path(p.path).name for p in result.problems] == ["fake.gguf"]


# --- hostile folders ----------------------------------------------------------------------------

def test_symlink_loops_end(tmp_path):
    write_gguf(tmp_path / "a" / "b" / "m.gguf")
    os.symlink(tmp_path / "a", tmp_path / "a" / "b" / "back-to-a")
    os.symlink("self", tmp_path / "a" / "self")  # a link to itself
    assert [m.name for m in scan(AppRoot("Folder", tmp_path, FOLDER_LAYOUT))] == ["a/b/m"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_like_a_model_is_never_opened(tmp_path):
    write_gguf(tmp_path / "real.gguf")
    os.mkfifo(tmp_path / "trap.gguf")
    os.mkfifo(tmp_path / "trap.safetensors")
    os.symlink(tmp_path / "trap.gguf", tmp_path / "link-to-trap.gguf")
    result = []
    worker = threading.Thread(target=lambda: result.append(scan(AppRoot("Folder", tmp_path, FOLDER_LAYOUT))),
                              daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the scan blocked on a FIFO"
    assert [m.name for m in result[0]] == ["real"]
    assert discovery_walk.read_magic(tmp_path / "trap.gguf") == b""  # even when asked directly


def test_bad_ollama_manifests_are_skipped_and_said(tmp_path):
    store = tmp_path / "ollama"
    good = ollama_blob(store, GGUF_HEAD + b"good")
    not_gguf = ollama_blob(store, b"PK\x03\x04 zip, not gguf")
    config = ollama_blob(store, b"{}")
    ollama_manifest(store, ("registry.ollama.ai", "library", "good", "latest"), [layer("model", good, 9)], config)
    write_json(store / "manifests/registry.ollama.ai/library/a-list/latest", [{"layers": []}])
    (store / "manifests/registry.ollama.ai/library/not-json/latest").parent.mkdir(parents=True)
    (store / "manifests/registry.ollama.ai/library/not-json/latest").write_bytes(b"\xff{ layers")
    huge = store / "manifests/registry.ollama.ai/library/huge/latest"
    huge.parent.mkdir(parents=True)
    with open(huge, "wb") as file:
        file.truncate(1 << 30)  # 1 GB, sparse: refused by its size before a byte is read
    for name, digest in {"missing": "sha256:" + "0" * 64, "escape": "sha256:../../../etc/passwd",
                         "zip": not_gguf, "lying-size": good}.items():
        ollama_manifest(store, ("registry.ollama.ai", "library", name, "latest"),
                        [layer("model", digest, 10 ** 12)], config)
    started = time.perf_counter()
    result = scan_detailed(AppRoot("Ollama", store, OLLAMA_LAYOUT))
    assert time.perf_counter() - started < 5
    assert sorted(m.name for m in result.models) == ["good:latest"]  # lying-size shares good's blob: once
    where = [Path(p.path).relative_to(store) for p in result.problems]
    problems = {(w.parent.name if w.parts[0] == "manifests" else "blob"): p.message
                for w, p in zip(where, result.problems)}
    assert set(problems) == {"a-list", "not-json", "huge", "missing", "escape", "blob"}
    assert "over the" in problems["huge"] and "not a sha256" in problems["escape"]
    assert "missing" in problems["missing"] and "GGUF" in problems["blob"]


def test_an_unreadable_folder_is_skipped_and_said(tmp_path, monkeypatch):
    write_gguf(tmp_path / "open" / "a.gguf")
    write_gguf(tmp_path / "locked" / "b.gguf")
    os.chmod(tmp_path / "locked", 0)
    if getattr(os, "geteuid", lambda: 1)() == 0:  # root reads anything: deny as the OS would for others
        real_scandir = os.scandir

        def scandir(path="."):
            if Path(path) == tmp_path / "locked":
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)
        monkeypatch.setattr(discovery_walk.os, "scandir", scandir)
    try:
        result = scan_detailed(AppRoot("Folder", tmp_path, FOLDER_LAYOUT))
    finally:
        os.chmod(tmp_path / "locked", 0o755)
    assert [m.name for m in result.models] == ["open/a"]
    assert [(Path(p.path).name, "Permission denied" in p.message) for p in result.problems] == [("locked", True)]


def test_limits_cut_a_scan_short_and_say_so(tmp_path):
    deep = tmp_path
    for level in range(20):
        deep = deep / f"d{level}"
    write_gguf(deep / "deep.gguf")
    write_gguf(tmp_path / "top.gguf")
    write_gguf(tmp_path / "z" / "after-the-deep-one.gguf")
    result = scan_detailed(AppRoot("Folder", tmp_path, FOLDER_LAYOUT), ScanLimits(max_depth=5))
    assert [m.name for m in result.models] == ["top", "z/after-the-deep-one"] and result.truncated
    wide = tmp_path / "wide"
    for index in range(50):
        write_gguf(wide / f"m{index}.gguf")
    assert scan_detailed(AppRoot("Folder", wide, FOLDER_LAYOUT), ScanLimits(max_entries=10)).truncated


# --- nothing written, loadable as found, fast -----------------------------------------------------

def test_discovery_writes_nothing_in_the_trees_it_reads(tmp_path):
    fake_machine(tmp_path / "home", "linux")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "home" / "ComfyUI" / "models" / "checkpoints" / "fifo.safetensors")
    before = listing(tmp_path)
    result = discover(tmp_path / "home", {}, "linux", system_root=tmp_path / "root")
    assert len(result.models) > 20
    assert listing(tmp_path) == before


def test_found_ggufs_load_in_the_text_registry(tmp_path):
    """The Ollama blob (no extension) and the cache's snapshot link are read by the text
    studio's own GGUF inspector as found, without copying."""
    from desktop.core.text import gguf_registry
    from tiny_models import write_tiny_llama

    tiny = write_tiny_llama(tmp_path / "tiny.gguf").read_bytes()
    build_ollama(tmp_path / "ollama", model_bytes=tiny)
    from discovery_trees import hf_repo
    hf_repo(tmp_path / "hub", "me/tiny-GGUF", COMMIT_A, {"tiny-f32.gguf": tiny})
    found = scan(identify_root(tmp_path / "ollama")) + scan(identify_root(tmp_path / "hub"))
    tiny_ones = [m for m in found if m.size_bytes == len(tiny)]
    assert len(tiny_ones) == 2
    for model in tiny_ones:
        info = gguf_registry.inspect(model.path, source=model.source)
        assert info.architecture == "llama" and info.size_bytes == len(tiny)


def test_a_large_tree_is_scanned_quickly(tmp_path):
    """50,000 files in 500 folders (with a model in every tenth): well under the budget."""
    for folder in range(500):
        base = tmp_path / f"publisher{folder // 50}" / f"repo{folder}"
        base.mkdir(parents=True)
        for index in range(100):
            os.close(os.open(base / f"file{index}.txt", os.O_CREAT | os.O_WRONLY, 0o644))
        if folder % 10 == 0:
            write_gguf(base / "model.gguf")
    started = time.perf_counter()
    found = scan(AppRoot("Folder", tmp_path, FOLDER_LAYOUT))
    elapsed = time.perf_counter() - started
    assert len(found) == 50
    assert elapsed < 10, f"{elapsed:.2f} s"
