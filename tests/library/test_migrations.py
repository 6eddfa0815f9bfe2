"""Migrations: a backup before each upgrade, and older apps opening libraries that newer
ones only added to (desktop/store/schema_versions.py)."""

import sqlite3

import pytest

from desktop.store import database, migration_backup, schema_versions
from desktop.store.generations import NewGeneration
from desktop.store.library import Library
from desktop.store.migrations import MIGRATIONS, Additive
from desktop.store.schema_versions import Fit

REAL_VERSION = database.SCHEMA_VERSION


def run_as_app_with(monkeypatch, extra):
    """From now on `database` behaves like an Atelier whose list ends with `extra`."""
    migrations = MIGRATIONS + list(extra)
    monkeypatch.setattr(database, "MIGRATIONS", migrations)
    monkeypatch.setattr(database, "SCHEMA_VERSION", schema_versions.encode(migrations, len(migrations)))


def user_version(path):
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def library_with_a_row(root, prompt="a lighthouse"):
    lib = Library(root)
    gid = lib.generations.start(NewGeneration(modality="text", kind="chat", prompt=prompt, params={}))
    lib.generations.finish(gid, output_text="done")
    conv = lib.conversations.create("text", "Trip")
    lib.conversations.add_message(conv.id, "user", "Where to?")
    lib.close()
    return gid


MOOD = Additive("ALTER TABLE generations ADD COLUMN mood TEXT NOT NULL DEFAULT 'calm';\n"
                "ALTER TABLE conversations ADD COLUMN colour TEXT;\n"
                "ALTER TABLE messages ADD COLUMN edited_at REAL;\n"
                "CREATE TABLE moods (name TEXT PRIMARY KEY);\n"
                "CREATE INDEX generations_by_mood ON generations(mood);")


def test_a_backup_at_the_old_version_is_taken_before_migrating(tmp_path, monkeypatch):
    gid = library_with_a_row(tmp_path / "lib")
    db = tmp_path / "lib" / "library.sqlite3"
    run_as_app_with(monkeypatch, [MOOD])
    Library(tmp_path / "lib").close()
    backup = db.with_name(f"library.sqlite3.before-v{REAL_VERSION}")
    assert migration_backup.backups(db) == [backup]
    copy = sqlite3.connect(backup)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("PRAGMA user_version").fetchone()[0] == REAL_VERSION
    assert copy.execute("SELECT prompt FROM generations WHERE id=?", (gid,)).fetchone()[0] == "a lighthouse"
    assert "mood" not in {r[1] for r in copy.execute("PRAGMA table_info(generations)")}
    copy.close()
    assert user_version(db) == REAL_VERSION + 1
    assert not list(db.parent.glob("*.partial"))


def test_a_brand_new_library_is_not_backed_up(tmp_path, monkeypatch):
    run_as_app_with(monkeypatch, [MOOD])
    Library(tmp_path / "lib").close()
    db = tmp_path / "lib" / "library.sqlite3"
    assert user_version(db) == REAL_VERSION + 1
    assert migration_backup.backups(db) == []
    assert [p.name for p in db.parent.iterdir() if "before" in p.name] == []


def test_only_the_last_few_backups_are_kept(tmp_path, monkeypatch):
    library_with_a_row(tmp_path / "lib")
    db = tmp_path / "lib" / "library.sqlite3"
    extra = []
    for n in range(5):
        extra.append(Additive(f"CREATE TABLE extra_{n} (a);"))
        run_as_app_with(monkeypatch, extra)
        Library(tmp_path / "lib").close()
    kept = migration_backup.backups(db)
    assert len(kept) == migration_backup.KEEP
    assert [user_version(p) for p in kept] == [REAL_VERSION + 2, REAL_VERSION + 3, REAL_VERSION + 4]


def test_no_room_for_the_backup_refuses_to_migrate_and_leaves_the_library_alone(tmp_path, monkeypatch):
    library_with_a_row(tmp_path / "lib")
    db = tmp_path / "lib" / "library.sqlite3"
    run_as_app_with(monkeypatch, [MOOD])
    monkeypatch.setattr(migration_backup, "free_space", lambda _folder: 4096)
    with pytest.raises(migration_backup.BackupSpaceError, match="only 4 KB free.*left untouched"):
        Library(tmp_path / "lib")
    assert user_version(db) == REAL_VERSION
    assert [p.name for p in db.parent.iterdir() if "before" in p.name] == []
    monkeypatch.undo()
    Library(tmp_path / "lib").close()  # and the lease was released: it opens once there is room


def test_a_disk_that_fills_during_the_copy_leaves_no_partial_backup(tmp_path, monkeypatch):
    library_with_a_row(tmp_path / "lib")
    db = tmp_path / "lib" / "library.sqlite3"
    run_as_app_with(monkeypatch, [MOOD])

    def fill_up(_conn, target):
        target.write_bytes(b"half a database")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(migration_backup, "_copy", fill_up)
    with pytest.raises(migration_backup.BackupSpaceError, match="Free some space"):
        Library(tmp_path / "lib")
    assert user_version(db) == REAL_VERSION
    assert [p.name for p in db.parent.iterdir() if "before" in p.name] == []


def test_an_older_app_opens_a_library_a_newer_one_only_added_to(tmp_path, monkeypatch):
    root = tmp_path / "lib"
    run_as_app_with(monkeypatch, [MOOD])
    gid = library_with_a_row(root)
    newer = database.SCHEMA_VERSION
    monkeypatch.undo()  # the real app, which knows nothing of MOOD

    lib = Library(root)
    assert lib.generations.get(gid).prompt == "a lighthouse"
    assert [g.id for g in lib.generations.recent()] == [gid]
    assert [g.id for g in lib.generations.search("lighthouse")] == [gid]
    conv = lib.conversations.list("text")[0]
    assert conv.title == "Trip" and [m.content for m in lib.conversations.messages(conv.id)] == ["Where to?"]
    written = lib.generations.start(NewGeneration(modality="text", kind="chat", prompt="from the older app", params={}))
    lib.close()
    assert user_version(root / "library.sqlite3") == newer  # not "downgraded", not migrated again

    read_only = database.connect_read_only(root / "library.sqlite3")
    assert read_only.execute("SELECT count(*) FROM generations").fetchone()[0] == 2
    read_only.close()

    run_as_app_with(monkeypatch, [MOOD])  # and the newer app still finds its own library
    lib = Library(root)
    assert lib.conn.execute("SELECT mood FROM generations WHERE id=?", (written,)).fetchone()[0] == "calm"
    lib.close()


def test_a_newer_schema_that_changed_more_than_additions_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "lib"
    run_as_app_with(monkeypatch, [MOOD, "DROP INDEX generations_by_mood;"])  # not additive: a major step
    library_with_a_row(root)
    newer = user_version(root / "library.sqlite3")
    assert newer == schema_versions.MAJOR + REAL_VERSION + 2
    monkeypatch.undo()
    with pytest.raises(database.NewerSchemaError, match="newer version of Atelier.*left untouched"):
        Library(root)
    with pytest.raises(database.NewerSchemaError, match="newer version of Atelier"):
        database.connect_read_only(root / "library.sqlite3")
    assert user_version(root / "library.sqlite3") == newer
    Library(tmp_path / "other").close()  # the refused open released its lease and left nothing open


def test_a_migration_another_process_applied_meanwhile_is_not_run_twice(tmp_path, monkeypatch):
    library_with_a_row(tmp_path / "lib")
    db = tmp_path / "lib" / "library.sqlite3"
    run_as_app_with(monkeypatch, [MOOD])
    real_backup = database.backup_before_migrating

    def backup_then_lose_the_race(conn, path, version):
        real_backup(conn, path, version)
        monkeypatch.setattr(database, "backup_before_migrating", real_backup)
        database.connect(path).close()  # the other process migrates first

    monkeypatch.setattr(database, "backup_before_migrating", backup_then_lose_the_race)
    Library(tmp_path / "lib").close()  # would fail with "duplicate column name: mood"
    assert user_version(db) == REAL_VERSION + 1


def test_versions_encode_the_major_and_the_count():
    legacy = MIGRATIONS[:schema_versions.LEGACY]
    newer = legacy + [Additive("a"), "b", Additive("c")]
    assert [schema_versions.encode(newer, n) for n in range(len(newer) + 1)] == [0, 1, 2, 3, 4, 5, 6, 7, 1008, 1009]
    assert schema_versions.fit(legacy, 3) is Fit.OLDER
    assert schema_versions.fit(legacy, 6) is Fit.CURRENT
    assert schema_versions.fit(legacy, 7) is Fit.NEWER_ADDITIVE
    assert schema_versions.fit(legacy, 1009) is Fit.INCOMPATIBLE
    assert schema_versions.fit(newer[:8], 1009) is Fit.NEWER_ADDITIVE
    assert schema_versions.fit(newer[:8], 8) is Fit.INCOMPATIBLE  # same count, other history
    assert schema_versions.fit(newer, 7) is Fit.OLDER
    assert schema_versions.fit(legacy, -1) is Fit.INCOMPATIBLE
