"""Is a model already here? Atelier's own downloads (by their manifest) and other apps' copies
(fake stores scanned by the real discovery): same repository and file, same sha256."""

from __future__ import annotations

from pathlib import Path

from catalog_helpers import (FOLDER_REPO, GGUF_REPO, Q4, Q8, UNET, folder_entry, gguf_entry, sha256,
                             tiny_folder_repo, tiny_gguf_repo, write_catalog)
from discovery_trees import build_ollama, hf_repo
from desktop.core.models import catalog
from desktop.core.models.discovery import scan
from desktop.core.models.discovery_types import (GPT4ALL, GPT4ALL_LAYOUT, HF_CACHE, HF_LAYOUT, OLLAMA, OLLAMA_LAYOUT,
                                                 AppRoot)
from desktop.core.models.download_manifest import ManifestFile, record
from desktop.core.models.local_copies import ATELIER, Wanted, in_models_folder, in_other_apps


def entries(tmp_path: Path, gguf: dict, folder: dict):
    path = write_catalog(tmp_path / "c.json", gguf_entry(gguf, known=True), folder_entry(folder, known=True))
    loaded = catalog.load(path)
    return loaded, loaded.by_id("tiny-chat"), loaded.by_id("tiny-sd")


def place(models: Path, repo: str, files: dict[str, bytes], complete: bool = True) -> None:
    folder = models / repo
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    record(folder, repo=repo, revision="main", commit="c" * 40, endpoint="http://127.0.0.1", complete=complete,
           files=[ManifestFile(p, len(d), sha256(d), "sha256") for p, d in files.items()])


def test_atelier_download_counts_when_every_wanted_file_is_listed_and_in_place(tmp_path):
    gguf, folder = tiny_gguf_repo(), tiny_folder_repo()
    _, chat, sd = entries(tmp_path, gguf, folder)
    models = tmp_path / "models"
    assert in_models_folder(Wanted.for_entry(chat), models) is None
    place(models, GGUF_REPO, {Q4: gguf[Q4]})
    copy = in_models_folder(Wanted.for_entry(chat), models)
    assert copy.path == models / GGUF_REPO / Q4 and copy.source == ATELIER
    assert in_models_folder(Wanted.for_entry(chat, "Q8_0"), models) is None  # another quantization
    (models / GGUF_REPO / Q4).unlink()
    assert in_models_folder(Wanted.for_entry(chat), models) is None  # listed but gone

    place(models, FOLDER_REPO, {UNET: folder[UNET]}, complete=False)  # a folder paused midway
    assert in_models_folder(Wanted.for_entry(sd), models) is None
    place(models, FOLDER_REPO, {"model_index.json": folder["model_index.json"]}, complete=True)
    assert in_models_folder(Wanted.for_entry(sd), models).path == models / FOLDER_REPO


def test_an_atelier_file_of_another_version_than_the_catalogs_does_not_count(tmp_path):
    gguf = tiny_gguf_repo()
    _, chat, _ = entries(tmp_path, gguf, tiny_folder_repo())
    place(tmp_path / "models", GGUF_REPO, {Q4: b"GGUF an older upload"})
    assert in_models_folder(Wanted.for_entry(chat), tmp_path / "models") is None


def test_the_hugging_face_cache_copy_of_a_file_or_a_folder_is_found_by_repository(tmp_path):
    gguf, folder = tiny_gguf_repo(), tiny_folder_repo()
    _, chat, sd = entries(tmp_path, gguf, folder)
    cache = tmp_path / "hub"
    hf_repo(cache, GGUF_REPO, "a" * 40, {Q4: gguf[Q4]})
    hf_repo(cache, FOLDER_REPO, "b" * 40, {k: v for k, v in folder.items() if not k.endswith(".bin")})
    found = scan(AppRoot(HF_CACHE, cache, HF_LAYOUT))
    copy = in_other_apps(Wanted.for_entry(chat), found, hash_files=False)
    assert copy.source == HF_CACHE and copy.how == "same repository and file" and Path(copy.path).name == Q4
    copy = in_other_apps(Wanted.for_entry(sd), found, hash_files=False)
    assert copy.how == "same repository" and copy.path == cache / "models--acme--tiny-sd" / "snapshots" / ("b" * 40)
    assert in_other_apps(Wanted.for_entry(chat, "Q8_0"), found) is None


def test_a_folder_missing_the_weights_is_not_a_copy(tmp_path):
    folder = tiny_folder_repo()
    _, _, sd = entries(tmp_path, tiny_gguf_repo(), folder)
    hf_repo(tmp_path / "hub", FOLDER_REPO, "b" * 40, {"model_index.json": folder["model_index.json"],
                                                      "vae/config.json": folder["vae/config.json"]})
    assert in_other_apps(Wanted.for_entry(sd), scan(AppRoot(HF_CACHE, tmp_path / "hub", HF_LAYOUT))) is None


def test_ollama_blobs_are_matched_by_the_sha256_in_their_name_without_reading_them(tmp_path, monkeypatch):
    gguf = tiny_gguf_repo()
    _, chat, _ = entries(tmp_path, gguf, tiny_folder_repo())
    build_ollama(tmp_path / "ollama", model_bytes=gguf[Q4])
    found = scan(AppRoot(OLLAMA, tmp_path / "ollama", OLLAMA_LAYOUT))
    import desktop.core.models.local_copies as local_copies

    monkeypatch.setattr(local_copies, "hash_file", lambda path: (_ for _ in ()).throw(AssertionError("hashed")))
    copy = in_other_apps(Wanted.for_entry(chat), found)
    assert copy.source == OLLAMA and copy.how == "same sha256" and copy.path.name.startswith("sha256-")


def test_a_file_of_another_name_is_hashed_only_when_its_size_matches(tmp_path, monkeypatch):
    gguf = tiny_gguf_repo()
    _, chat, _ = entries(tmp_path, gguf, tiny_folder_repo())
    flat = tmp_path / "gpt4all"
    flat.mkdir()
    (flat / "renamed.gguf").write_bytes(gguf[Q4])
    (flat / "other.gguf").write_bytes(gguf[Q8])
    import desktop.core.models.local_copies as local_copies

    hashed = []
    real = local_copies.hash_file
    monkeypatch.setattr(local_copies, "hash_file", lambda path: hashed.append(path.name) or real(path))
    found = scan(AppRoot(GPT4ALL, flat, GPT4ALL_LAYOUT))
    assert in_other_apps(Wanted.for_entry(chat), found, hash_files=False) is None  # names differ
    copy = in_other_apps(Wanted.for_entry(chat), found)
    assert copy.path == flat / "renamed.gguf" and copy.how == "same sha256" and hashed == ["renamed.gguf"]


def test_a_request_by_name_borrows_the_catalogs_facts_and_a_pattern_matches_nothing_in_advance(tmp_path):
    gguf = tiny_gguf_repo()
    loaded, _, _ = entries(tmp_path, gguf, tiny_folder_repo())
    wanted = Wanted.for_request(GGUF_REPO, Q8, loaded)
    assert (wanted.main.size, wanted.folder) == (len(gguf[Q8]), False) and wanted.main.sha256
    assert Wanted.for_request("someone/else", "x.gguf", loaded).main.sha256 is None
    assert Wanted.for_request(GGUF_REPO, "*Q8_0.gguf", loaded) == Wanted(GGUF_REPO, None, ())
    assert in_models_folder(Wanted(GGUF_REPO, None, ()), tmp_path) is None
