import sqlite3

import pytest

from desktop.store import database, schema_versions
from desktop.store.asset_files import TEMP_PREFIX, leftover_temp_files, write_atomically
from desktop.store.generations import INTERRUPTED, NewGeneration
from desktop.store.library import Library


@pytest.fixture
def library(tmp_path):
    lib = Library(tmp_path / "lib")
    yield lib
    lib.close()


def new_text(prompt="a prompt", **kw):
    return NewGeneration(modality="text", kind="chat", prompt=prompt, params={"temperature": 0.5}, **kw)


def test_migrations_wal_and_foreign_keys(library):
    conn = library.conn
    assert database.schema_version(conn) == database.SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"generations", "assets", "conversations", "messages", "generations_fts", "messages_fts"} <= tables


def test_reopening_is_idempotent(tmp_path):
    Library(tmp_path / "lib").close()
    lib = Library(tmp_path / "lib")
    assert database.schema_version(lib.conn) == database.SCHEMA_VERSION
    lib.close()


def test_refuses_a_newer_schema_and_leaves_it_untouched(tmp_path):
    path = tmp_path / "lib" / "library.sqlite3"
    Library(tmp_path / "lib").close()
    newer = database.SCHEMA_VERSION + schema_versions.MAJOR + 1  # a newer major: more than additions
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={newer}")
    conn.close()
    with pytest.raises(database.NewerSchemaError, match="newer version of Atelier"):
        Library(tmp_path / "lib")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == newer
    conn.close()


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "MIGRATIONS", database.MIGRATIONS + ["CREATE TABLE x (a);\nSELECT nonsense(;"])
    monkeypatch.setattr(database, "SCHEMA_VERSION", database.SCHEMA_VERSION + 1)
    with pytest.raises(sqlite3.OperationalError):
        database.connect(tmp_path / "db.sqlite3")
    conn = sqlite3.connect(tmp_path / "db.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(database.MIGRATIONS) - 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name='x'").fetchone()[0] == 0
    conn.close()


def test_generation_lifecycle(library):
    gens = library.generations
    gid = gens.start(new_text(seed=7))
    assert gens.get(gid).status == "running"
    gens.finish(gid, output_text="the answer", stats={"tokens": 3}, seed=7)
    g = gens.get(gid)
    assert (g.status, g.output_text, g.stats, g.seed, g.params) == ("done", "the answer", {"tokens": 3}, 7, {"temperature": 0.5})
    assert g.finished_at >= g.started_at


def test_failed_and_cancelled_rows_never_claim_success(library):
    gens = library.generations
    failed, cancelled = gens.start(new_text()), gens.start(new_text())
    gens.fail(failed, "Model file is damaged")
    gens.cancel(cancelled, "partial te")
    assert gens.get(failed).status == "failed" and gens.get(failed).error == "Model file is damaged"
    assert gens.get(cancelled).status == "cancelled" and gens.get(cancelled).output_text == "partial te"


def test_rows_left_running_by_a_dead_process_become_failed_and_live_ones_are_kept(library, tmp_path):
    mine = library.generations.start(new_text())
    other = Library(library.layout.root)  # another live process's library (its own lease)
    theirs = other.generations.start(new_text())
    orphan = library.generations.start(new_text())
    library.conn.execute("UPDATE generations SET owner='4242-deadbeef' WHERE id=?", (orphan,))  # no such lease
    report = library.recover_after_crash()
    assert report.interrupted == 1
    assert library.generations.get(orphan).status == "failed"
    assert library.generations.get(orphan).error == INTERRUPTED
    assert library.generations.get(mine).status == "running" and library.generations.get(theirs).status == "running"
    other.lease.release()  # as if that process died: its row is recovered at the next start
    assert library.recover_after_crash().interrupted == 1
    assert library.generations.get(theirs).status == "failed"
    other.conn.close()


def test_full_text_search_over_prompts_and_outputs(library):
    gens = library.generations
    a = gens.start(new_text("a watercolor of a lighthouse"))
    b = gens.start(new_text("explain recursion"))
    gens.finish(b, output_text="Recursion is when a function calls itself")
    assert [g.id for g in gens.search("lighthouse")] == [a]
    assert [g.id for g in gens.search("itse")] == [b]  # prefix match while typing
    assert gens.search('"unbalanced quote AND (') == []  # user text never breaks the query


def test_atomic_write_leaves_no_partial_file(tmp_path, monkeypatch):
    written = write_atomically(tmp_path, "assets/2026/a.bin", b"hello")
    assert written.path.read_bytes() == b"hello" and written.size_bytes == 5
    assert len(written.sha256) == 64
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))

    import os

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_atomically(tmp_path, "assets/2026/b.bin", b"data")
    assert not (tmp_path / "assets/2026/b.bin").exists()
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))


def test_only_temp_files_of_dead_writers_are_leftovers(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / f"{TEMP_PREFIX}abc").write_bytes(b"half")             # from before leases
    (tmp_path / "x" / f"{TEMP_PREFIX}4242-deadbeef-abc").write_bytes(b"half")  # a dead writer's
    (tmp_path / "x" / f"{TEMP_PREFIX}777-cafecafe-abc").write_bytes(b"half")   # a live writer's
    (tmp_path / "x" / "kept.png").write_bytes(b"whole")
    leftovers = leftover_temp_files(tmp_path, live={"777-cafecafe"})
    assert sorted(p.name for p in leftovers) == [f"{TEMP_PREFIX}4242-deadbeef-abc", f"{TEMP_PREFIX}abc"]


def test_finish_attaches_assets_in_one_transaction(library):
    from desktop.store.generations import AssetMeta

    gid = library.generations.start(new_text())
    file = write_atomically(library.layout.root, "assets/x.txt", b"abc")
    library.generations.finish(gid, assets=[AssetMeta(file, "text/plain")])
    g = library.generations.get(gid)
    assert g.assets[0]["path"] == "assets/x.txt" and g.assets[0]["sha256"] == file.sha256


def test_conversations_messages_and_search(library):
    convs = library.conversations
    first = convs.create("text", "Trip planning")
    second = convs.create("text", "Recipes")
    convs.create("code", "Other studio")
    convs.add_message(first.id, "user", "Where should I go in Lisbon?")
    convs.add_message(second.id, "user", "A soup with leeks")
    assert [c.title for c in convs.list("text")] == ["Recipes", "Trip planning"]
    assert [c.title for c in convs.list("text", "lisbon")] == ["Trip planning"]
    assert [c.title for c in convs.list("text", "recip")] == ["Recipes"]
    convs.rename(first.id, "  Lisbon   trip ")
    assert convs.get(first.id).title == "Lisbon trip"
    m2 = convs.add_message(first.id, "assistant", "Try Alfama.")
    convs.add_message(first.id, "user", "And food?")
    convs.delete_messages_from(first.id, m2.id)
    assert [m.content for m in convs.messages(first.id)] == ["Where should I go in Lisbon?"]
    convs.delete(first.id)
    assert convs.get(first.id) is None
    assert library.conn.execute("SELECT count(*) FROM messages WHERE conversation_id=?", (first.id,)).fetchone()[0] == 0


def test_nested_transactions_commit_together_or_not_at_all(library):
    from desktop.store.generations import transaction

    conv = library.conversations.create("text")
    gid = library.generations.start(new_text())
    with pytest.raises(RuntimeError):
        with transaction(library.conn):
            library.generations.finish(gid, output_text="reply")
            library.conversations.add_message(conv.id, "assistant", "reply", gid)
            raise RuntimeError("crash before commit")
    assert library.generations.get(gid).status == "running"
    assert library.conversations.messages(conv.id) == []
