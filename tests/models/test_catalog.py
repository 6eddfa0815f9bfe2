"""The curated catalog (resources/catalog/models.json) and its loader: the shipped file is
complete and honest (no guessed facts, no pickle weights), and the loader refuses what it
cannot read safely while tolerating fields a newer Atelier adds."""

from __future__ import annotations

import copy
import json
import re

import pytest

from desktop.core.models import catalog
from desktop.core.models.catalog import CatalogError

PICKLE_NAMES = ("weights.bin", "model.ckpt", "model.pt", "model.pth", "unet/diffusion_pytorch_model.bin")
REQUIRED_STUDIOS = ("text", "code", "image", "upscaler", "audio")


@pytest.fixture(scope="module")
def shipped():
    return catalog.load()


@pytest.fixture
def raw():
    return json.loads(catalog.default_path().read_text(encoding="utf-8"))


def write(tmp_path, data) -> str:
    path = tmp_path / "models.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_the_shipped_file_loads_from_resources(shipped):
    assert shipped.schema == catalog.SCHEMA_MAJOR
    assert shipped.path == catalog.default_path()
    assert shipped.path.parent.parent.name == "resources"
    assert len(shipped.entries) >= len(REQUIRED_STUDIOS)


def test_every_studio_has_entries(shipped):
    for studio in REQUIRED_STUDIOS:
        assert catalog.for_studio(studio), f"no catalog entry for the {studio} studio"
    assert {e.studio for e in shipped.entries} <= set(catalog.STUDIOS)


def test_ids_are_unique(shipped):
    ids = [e.id for e in shipped.entries]
    assert len(ids) == len(set(ids))


def test_every_entry_has_its_required_fields(shipped):
    for entry in shipped.entries:
        assert entry.name and entry.kind and entry.description and "\n" not in entry.description
        assert entry.source.repo.count("/") == 1 and entry.source.files
        assert entry.licence and entry.licence_url.startswith("https://")
        assert entry.facts_from and entry.facts_from[0].startswith("https://")
        assert "estimate" in entry.memory.estimate.lower()


def test_facts_are_well_formed_or_null(shipped):
    for entry in shipped.entries:
        assert entry.source.revision == "" or re.fullmatch(r"[0-9a-f]{40}", entry.source.revision)
        for item in entry.source.files:
            assert item.size is None or item.size > 0, (entry.id, item.path)
            assert item.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", item.sha256), (entry.id, item.path)
        for figure in (entry.memory.ram_mb, entry.memory.vram_mb):
            assert figure is None or figure > 0


def test_unverified_lists_exactly_the_null_facts(shipped):
    for entry in shipped.entries:
        assert len(set(entry.unverified)) == len(entry.unverified), entry.id
        assert set(entry.unverified) == entry.missing_facts(), entry.id


def test_nothing_selects_pickle_weights(shipped):
    for entry in shipped.entries:
        for name in (*(f.path for f in entry.source.files), *entry.source.patterns):
            assert not name.endswith((".bin", ".ckpt", ".pt", ".pth")), (entry.id, name)
            assert not catalog.selects_pickle(name), (entry.id, name)


@pytest.mark.parametrize("pattern", ["*", "unet/*", "*.bin", "*.pth", "**/*", "model.ckpt"])
def test_selects_pickle_catches_broad_and_pickle_patterns(pattern):
    assert catalog.selects_pickle(pattern)


@pytest.mark.parametrize("pattern", ["*.safetensors", "unet/*.fp16.safetensors", "tokenizer/*.json", "x.gguf"])
def test_selects_pickle_lets_safe_patterns_through(pattern):
    assert not catalog.selects_pickle(pattern)


def test_language_models_say_how_to_converse(shipped):
    for entry in [*catalog.for_studio("text"), *catalog.for_studio("code")]:
        assert entry.kind == "gguf"
        assert entry.recommended["context_length"] > 0
        assert entry.recommended["chat_template"]
        assert isinstance(entry.recommended["instruct"], bool)
        assert entry.memory.kv_cache_bytes_per_token


def test_image_models_carry_their_settings(shipped):
    for entry in catalog.for_studio("image"):
        if entry.kind == "diffusers":
            for key in ("steps", "guidance", "scheduler", "width", "height"):
                assert key in entry.recommended, (entry.id, key)


def test_files_for_picks_the_quantization(shipped):
    entry = catalog.by_id("qwen2.5-0.5b-instruct")
    assert entry.quants == ("Q4_K_M", "Q5_K_M", "Q8_0")
    assert catalog.default_quant(entry) == "Q4_K_M"
    assert [f.path for f in catalog.files_for(entry)] == ["qwen2.5-0.5b-instruct-q4_k_m.gguf"]
    assert [f.quant for f in catalog.files_for(entry, "Q8_0")] == ["Q8_0"]
    assert [f.quant for f in catalog.files_for(entry, "q5_k_m")] == ["Q5_K_M"]  # as people type it
    with pytest.raises(CatalogError, match="Q4_K_M, Q5_K_M, Q8_0"):
        catalog.files_for(entry, "Q2_K")


def test_files_for_a_folder_model_is_every_listed_file(shipped):
    entry = catalog.by_id("musicgen-small")
    assert catalog.default_quant(entry) is None
    assert catalog.files_for(entry) == list(entry.source.files)
    with pytest.raises(CatalogError, match="no quantization"):
        catalog.files_for(entry, "Q4_K_M")


def test_split_gguf_parts_come_together(tmp_path, raw):
    entry = next(e for e in raw["models"] if e["id"] == "qwen2.5-0.5b-instruct")
    entry["source"]["files"] = [
        {"path": "m-q4_k_m-00001-of-00002.gguf", "size": 10, "sha256": None, "quant": "Q4_K_M"},
        {"path": "m-q4_k_m-00002-of-00002.gguf", "size": 10, "sha256": None, "quant": "Q4_K_M"},
        {"path": "m-q8_0.gguf", "size": 20, "sha256": None, "quant": "Q8_0"},
    ]
    loaded = catalog.load(write(tmp_path, {"schema": 1, "models": [entry]})).by_id(entry["id"])
    assert [f.path for f in catalog.files_for(loaded)] == [
        "m-q4_k_m-00001-of-00002.gguf", "m-q4_k_m-00002-of-00002.gguf"]


def test_approx_bytes_falls_back_to_the_displayed_size():
    assert catalog.CatalogFile("a", 123, None).approx_bytes == 123
    assert catalog.CatalogFile("a", None, None, size_shown="1.12 GB").approx_bytes == 1_120_000_000
    assert catalog.CatalogFile("a", None, None).approx_bytes is None


def test_unknown_ids_and_studios_are_clear_errors(shipped):
    with pytest.raises(KeyError, match="no-such-model"):
        catalog.by_id("no-such-model")
    with pytest.raises(ValueError, match="Unknown studio"):
        catalog.for_studio("painting")


def test_a_newer_schema_major_is_refused_with_a_clear_message(tmp_path, raw):
    raw["schema"] = 2
    with pytest.raises(CatalogError, match="schema 2; this version of Atelier reads schema 1"):
        catalog.load(write(tmp_path, raw))
    raw["schema"] = "2.0"
    with pytest.raises(CatalogError, match="schema 2"):
        catalog.load(write(tmp_path, raw))


def test_a_newer_minor_version_and_unknown_keys_are_ignored(tmp_path, raw):
    raw["schema"] = "1.7"
    raw["mirrors"] = ["https://example.invalid"]
    raw["models"][0]["popularity"] = 5
    raw["models"][0]["source"]["lfs_backend"] = "xet"
    raw["models"][0]["source"]["files"][0]["xet_hash"] = "ab" * 32
    raw["models"][0]["memory"]["measured_on"] = "someone's laptop"
    loaded = catalog.load(write(tmp_path, raw))
    assert loaded.entries == catalog.load().entries


def test_missing_schema_or_models_is_refused(tmp_path):
    with pytest.raises(CatalogError, match="schema"):
        catalog.load(write(tmp_path, {"models": []}))
    with pytest.raises(CatalogError, match="models"):
        catalog.load(write(tmp_path, {"schema": 1}))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        catalog.load(tmp_path / "broken.json")
    with pytest.raises(CatalogError, match="Cannot read"):
        catalog.load(tmp_path / "absent.json")


@pytest.mark.parametrize("change, message", [
    (lambda e: e.update(studio="painting"), "studio"),
    (lambda e: e["source"].update(revision="main"), "revision"),
    (lambda e: e["source"]["files"][0].update(sha256="ABC"), "sha256"),
    (lambda e: e["source"]["files"][0].update(size=0), "size"),
    (lambda e: e["source"]["files"][0].update(path="model.pth"), "pickle"),
    (lambda e: e["source"].update(patterns=["unet/*"]), "pickle"),
    (lambda e: e.update(gated="no"), "gated"),
    (lambda e: e.pop("licence"), "licence"),
    (lambda e: e.update(facts_from=[]), "facts_from"),
])
def test_bad_entries_name_the_entry_and_field(tmp_path, raw, change, message):
    entry = copy.deepcopy(raw["models"][0])
    change(entry)
    with pytest.raises(CatalogError, match=message) as caught:
        catalog.load(write(tmp_path, {"schema": 1, "models": [entry]}))
    assert entry["id"] in str(caught.value)


def test_duplicate_ids_are_refused(tmp_path, raw):
    raw["models"].append(copy.deepcopy(raw["models"][0]))
    with pytest.raises(CatalogError, match="twice"):
        catalog.load(write(tmp_path, raw))
