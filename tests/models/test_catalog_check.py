"""verify-catalog's logic against the fake hub: facts confirmed, learned, contradicted; what
--write puts in the file (only null facts, never a conflict, the file still a valid catalog)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from catalog_helpers import (FOLDER_REPO, GGUF_REPO, Q4, Q8, folder_entry, gguf_entry, sha256,
                             tiny_folder_repo, tiny_gguf_repo, write_catalog)
from desktop.core.models import catalog
from desktop.core.models import download_errors as errors
from desktop.core.models.catalog_check import DIFFERS, LEARNED, OK, UNCHECKED, check_catalog, write_learned
from desktop.core.models.hub import Hub


@pytest.fixture
def repos(fake_hub):
    gguf, folder = tiny_gguf_repo(), tiny_folder_repo()
    fake_hub.add_repo(GGUF_REPO, gguf)
    fake_hub.add_repo(FOLDER_REPO, folder)
    return gguf, folder


def run_check(fake_hub, path):
    return list(check_catalog(catalog.load(path), Hub(endpoint=fake_hub.url)))


def test_an_entry_whose_facts_all_hold_is_ok(tmp_path, fake_hub, repos):
    gguf, folder = repos
    commits = fake_hub.repos[GGUF_REPO].commit, fake_hub.repos[FOLDER_REPO].commit
    path = write_catalog(tmp_path / "c.json", gguf_entry(gguf, commits[0], known=True),
                         folder_entry(folder, commits[1], known=True))
    checks = run_check(fake_hub, path)
    assert [c.status for c in checks] == [OK, OK]
    assert checks[0].confirmed == 5  # the revision, two sizes, two sha256
    assert checks[0].learned == {} and checks[0].line().startswith("ok        tiny-chat: 5 facts confirmed")
    before = path.read_bytes()
    assert write_learned(path, checks).count == 0 and path.read_bytes() == before  # nothing to write


def test_unknown_facts_are_learned_and_written_only_where_they_were_null(tmp_path, fake_hub, repos):
    gguf, folder = repos
    path = write_catalog(tmp_path / "c.json", gguf_entry(gguf), folder_entry(folder))
    checks = run_check(fake_hub, path)
    assert [c.status for c in checks] == [LEARNED, LEARNED]
    assert checks[0].learned == {"revision": fake_hub.repos[GGUF_REPO].commit,
                                 f"{Q4}:size": len(gguf[Q4]), f"{Q4}:sha256": sha256(gguf[Q4]),
                                 f"{Q8}:size": len(gguf[Q8]), f"{Q8}:sha256": sha256(gguf[Q8])}
    assert f"learned size of {Q4} {len(gguf[Q4])} bytes" in checks[0].line()

    written = write_learned(path, checks, today=date(2027, 3, 4))
    assert written.facts["tiny-chat"][0] == "revision" and written.count == 5 + 3
    entry = catalog.load(path).by_id("tiny-chat")  # still a valid catalog, and now pinned
    assert entry.source.revision == fake_hub.repos[GGUF_REPO].commit
    assert [(f.size, f.sha256) for f in entry.source.files] == [(len(gguf[Q4]), sha256(gguf[Q4])),
                                                               (len(gguf[Q8]), sha256(gguf[Q8]))]
    assert entry.unverified == () and entry.missing_facts() == set()
    sd = catalog.load(path).by_id("tiny-sd")
    assert sd.unverified == ("vram_mb",)  # a memory figure is an estimate the hub cannot confirm
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["updated"] == "2027-03-04"
    assert [c.status for c in run_check(fake_hub, path)] == [OK, OK]  # a second run has nothing to learn


def test_a_contradicted_fact_is_reported_and_never_overwritten(tmp_path, fake_hub, repos):
    gguf, _ = repos
    entry = gguf_entry(gguf)
    entry["source"]["files"][0]["sha256"] = "0" * 64  # what a wrong model card would give
    entry["source"]["files"][1]["size"] = 123
    path = write_catalog(tmp_path / "c.json", entry)
    [check] = run_check(fake_hub, path)
    assert check.status == DIFFERS
    assert check.mismatches == [f"sha256 of {Q4}: the catalog says {'0' * 64}, the hub {sha256(gguf[Q4])}",
                                f"size of {Q8}: the catalog says 123, the hub {len(gguf[Q8])}"]
    assert "revision" in check.learned and "(none of it is written" in check.line()
    before = path.read_bytes()
    assert write_learned(path, [check]).count == 0
    assert path.read_bytes() == before  # the wrong facts stay for a person to look at, nothing pinned


def test_a_fact_set_in_the_file_since_the_check_is_not_replaced(tmp_path, fake_hub, repos):
    gguf, _ = repos
    path = write_catalog(tmp_path / "c.json", gguf_entry(gguf))
    [check] = run_check(fake_hub, path)
    data = json.loads(path.read_text(encoding="utf-8"))  # a maintainer edits while it runs
    data["models"][0]["source"]["files"][0]["size"] = 999
    data["models"][0]["unverified"].remove(f"{Q4}:size")
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    written = write_learned(path, [check])
    assert f"{Q4}:size" not in written.facts["tiny-chat"]
    assert catalog.load(path).by_id("tiny-chat").source.files[0].size == 999


def test_missing_repository_revision_file_and_pattern_are_said(tmp_path, fake_hub, repos):
    gguf, folder = repos
    gone = gguf_entry(gguf, id="gone", source={"repo": "acme/nothing-here", "revision": "",
                                               "files": [{"path": Q4, "size": None, "sha256": None}]})
    old = gguf_entry(gguf, "a" * 40, id="old-revision")
    renamed = gguf_entry(gguf, id="renamed")
    renamed["source"]["files"][0]["path"] = "tiny-chat-q4_k_m-renamed.gguf"
    pattern = folder_entry(folder)
    pattern["source"]["patterns"].append("text_encoder/*.safetensors")
    path = write_catalog(tmp_path / "c.json", gone, old, renamed, pattern)
    checks = {c.entry_id: c for c in run_check(fake_hub, path)}
    assert {c.status for c in checks.values()} == {UNCHECKED}
    assert "acme/nothing-here was not found" in checks["gone"].line()
    assert f"Revision {'a' * 40} of {GGUF_REPO} was not found" in checks["old-revision"].line()
    assert "tiny-chat-q4_k_m-renamed.gguf is not in acme/Tiny-Chat-GGUF" in checks["renamed"].line()
    assert "the pattern text_encoder/*.safetensors selects no file" in checks["tiny-sd"].line()
    assert write_learned(path, checks.values()).count == 0  # nothing pinned next to a missing file


def test_a_file_kept_in_git_has_no_sha256_to_learn(tmp_path, fake_hub):
    config = b'{"a": 1}'
    fake_hub.add_repo("acme/voice", {"voice.onnx.json": config, "voice.onnx": b"\0" * 5000})
    entry = gguf_entry(tiny_gguf_repo(), id="voice", kind="piper", studio="audio", default_quant=None,
                       source={"repo": "acme/voice", "revision": "",
                               "files": [{"path": "voice.onnx.json", "size": None, "sha256": None}]})
    path = write_catalog(tmp_path / "c.json", entry)
    [check] = run_check(fake_hub, path)
    assert check.status == LEARNED and check.learned["voice.onnx.json:size"] == len(config)
    assert "voice.onnx.json:sha256" not in check.learned
    assert "no sha256 published for voice.onnx.json" in check.line()
    write_learned(path, [check])
    assert catalog.load(path).by_id("voice").unverified == ("voice.onnx.json:sha256",)


def test_a_mirror_listing_no_lfs_facts_is_asked_by_head(tmp_path, fake_hub, repos, monkeypatch):
    """A listing without sha256 or git id: the X-Linked-Etag of a HEAD gives the sha256."""
    from desktop.core.models import hub as hub_module

    gguf, _ = repos
    real = hub_module.Hub.resolve

    def bare_listing(self, *args, **kwargs):
        snapshot = real(self, *args, **kwargs)
        files = tuple(hub_module.RemoteFile(f.path, f.size, None, None, f.url) for f in snapshot.files)
        return hub_module.Snapshot(snapshot.repo, snapshot.revision, snapshot.commit, snapshot.gated, files)

    monkeypatch.setattr(hub_module.Hub, "resolve", bare_listing)
    path = write_catalog(tmp_path / "c.json", gguf_entry(gguf))
    [check] = run_check(fake_hub, path)
    assert check.learned[f"{Q4}:sha256"] == sha256(gguf[Q4])
    assert sum(r.method == "HEAD" for r in fake_hub.requests) >= 2


def test_offline_stops_before_any_request(tmp_path, fake_hub, repos):
    gguf, folder = repos
    path = write_catalog(tmp_path / "c.json", gguf_entry(gguf), folder_entry(folder))
    with pytest.raises(errors.OfflineError):
        list(check_catalog(catalog.load(path), Hub(endpoint=fake_hub.url, allow_network=lambda: False)))
    assert fake_hub.requests == []


def test_write_keeps_the_shipped_catalogs_layout():
    """A --write on the shipped file changes only the facts it fills in: its layout is the one
    write_learned writes (2-space JSON, key order, non-ASCII kept)."""
    text = catalog.default_path().read_text(encoding="utf-8")
    data = json.loads(text)
    assert json.dumps(data, indent=2, ensure_ascii=False) + "\n" == text
