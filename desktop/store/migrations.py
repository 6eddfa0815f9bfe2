"""Numbered schema migrations. Migration N is the Nth in the list; user_version records how
many ran and how many of those were not additive (desktop/store/schema_versions.py).

Append only: never edit a migration that has shipped.

Wrap a new migration in Additive(...) when an older Atelier can keep using the library as if
it were not there: it only creates new tables the older app never needs to keep in step,
adds columns that are nullable or have a default, or adds non-unique indexes. Anything an
older app's writes could violate or leave stale (constraints, triggers, unique indexes,
derived tables, rewritten data, dropped or renamed things) is a plain (major) migration.
"""


class Additive(str):
    """A migration an older Atelier may ignore (see the module docstring)."""


MIGRATIONS: list[str] = [
    # 1: generations of every modality, their files, conversations and full-text search.
    """
    CREATE TABLE conversations (
        id            INTEGER PRIMARY KEY,
        studio        TEXT NOT NULL DEFAULT 'text',
        title         TEXT NOT NULL DEFAULT 'New conversation',
        system_prompt TEXT NOT NULL DEFAULT '',
        model_path    TEXT NOT NULL DEFAULT '',
        created_at    REAL NOT NULL,
        updated_at    REAL NOT NULL
    );
    CREATE INDEX conversations_by_update ON conversations(studio, updated_at DESC);

    CREATE TABLE generations (
        id              INTEGER PRIMARY KEY,
        modality        TEXT NOT NULL,
        kind            TEXT NOT NULL DEFAULT '',
        prompt          TEXT NOT NULL DEFAULT '',
        negative        TEXT NOT NULL DEFAULT '',
        output_text     TEXT NOT NULL DEFAULT '',
        params          TEXT NOT NULL DEFAULT '{}',
        model_name      TEXT NOT NULL DEFAULT '',
        model_path      TEXT NOT NULL DEFAULT '',
        model_sha256    TEXT NOT NULL DEFAULT '',
        seed            INTEGER,
        status          TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
        error           TEXT NOT NULL DEFAULT '',
        stats           TEXT NOT NULL DEFAULT '{}',
        conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
        created_at      REAL NOT NULL,
        started_at      REAL,
        finished_at     REAL
    );
    CREATE INDEX generations_by_time ON generations(created_at DESC, id DESC);
    CREATE INDEX generations_by_modality ON generations(modality, created_at DESC);

    CREATE TABLE assets (
        id            INTEGER PRIMARY KEY,
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        path          TEXT NOT NULL UNIQUE,
        sha256        TEXT NOT NULL,
        mime          TEXT NOT NULL,
        size_bytes    INTEGER NOT NULL,
        width         INTEGER,
        height        INTEGER,
        duration_s    REAL,
        created_at    REAL NOT NULL
    );
    CREATE INDEX assets_by_generation ON assets(generation_id);
    CREATE INDEX assets_by_sha ON assets(sha256);

    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content         TEXT NOT NULL,
        generation_id   INTEGER REFERENCES generations(id) ON DELETE SET NULL,
        created_at      REAL NOT NULL
    );
    CREATE INDEX messages_by_conversation ON messages(conversation_id, id);

    CREATE TABLE model_hashes (
        path       TEXT PRIMARY KEY,
        size_bytes INTEGER NOT NULL,
        mtime_ns   INTEGER NOT NULL,
        sha256     TEXT NOT NULL
    );

    -- prefix indexes: search-as-you-type ends every query with a prefix term
    CREATE VIRTUAL TABLE generations_fts USING fts5(
        prompt, negative, output_text, content='generations', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    CREATE TRIGGER generations_ai AFTER INSERT ON generations BEGIN
        INSERT INTO generations_fts(rowid, prompt, negative, output_text)
        VALUES (new.id, new.prompt, new.negative, new.output_text);
    END;
    CREATE TRIGGER generations_ad AFTER DELETE ON generations BEGIN
        INSERT INTO generations_fts(generations_fts, rowid, prompt, negative, output_text)
        VALUES ('delete', old.id, old.prompt, old.negative, old.output_text);
    END;
    CREATE TRIGGER generations_au AFTER UPDATE OF prompt, negative, output_text ON generations BEGIN
        INSERT INTO generations_fts(generations_fts, rowid, prompt, negative, output_text)
        VALUES ('delete', old.id, old.prompt, old.negative, old.output_text);
        INSERT INTO generations_fts(rowid, prompt, negative, output_text)
        VALUES (new.id, new.prompt, new.negative, new.output_text);
    END;

    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content='messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='1 2 3'
    );
    CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END;
    CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    END;
    CREATE TRIGGER messages_au AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END;
    """,
    # 2: where a generation came from (an upscale of an image, an edit of another).
    """
    CREATE TABLE generation_sources (
        generation_id        INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        source_generation_id INTEGER REFERENCES generations(id) ON DELETE SET NULL,
        source_path          TEXT NOT NULL DEFAULT '',
        relation             TEXT NOT NULL
    );
    CREATE INDEX generation_sources_by_generation ON generation_sources(generation_id);
    CREATE INDEX generation_sources_by_source ON generation_sources(source_generation_id);
    """,
    # 3: curation for the Library: favourite, rating, tags and collections (any modality).
    """
    ALTER TABLE generations ADD COLUMN favorite INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE generations ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
    CREATE INDEX generations_favorite ON generations(favorite, id) WHERE favorite = 1;
    CREATE INDEX generations_by_modality_id ON generations(modality, id);
    CREATE INDEX generations_by_model_id ON generations(model_name, id);

    CREATE TABLE tags (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE
    );
    CREATE TABLE generation_tags (
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        tag_id        INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
        PRIMARY KEY (generation_id, tag_id)
    ) WITHOUT ROWID;
    CREATE INDEX generation_tags_by_tag ON generation_tags(tag_id, generation_id);

    CREATE TABLE collections (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
        created_at REAL NOT NULL
    );
    CREATE TABLE collection_items (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        added_at      REAL NOT NULL,
        PRIMARY KEY (collection_id, generation_id)
    ) WITHOUT ROWID;
    CREATE INDEX collection_items_by_generation ON collection_items(generation_id);

    """,
    # 4: the Library's trash: deleted items keep their row (and their files move to trash/)
    # until the trash is emptied, so a delete can be undone.
    """
    ALTER TABLE generations ADD COLUMN trashed_at REAL;
    CREATE INDEX generations_trashed ON generations(trashed_at, id) WHERE trashed_at IS NOT NULL;
    """,
    # 5: the words the library knows, so a search's last (still being typed) word can be
    # expanded into whole words instead of a prefix merge over the whole index.
    """
    CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
    CREATE VIRTUAL TABLE generations_fts_vocab USING fts5vocab(generations_fts, 'row');
    INSERT OR IGNORE INTO search_terms (term) SELECT term FROM generations_fts_vocab;
    """,
    # 6: several processes share a library. A running row names the process (lease token,
    # desktop/store/leases.py) that runs it, so start-up recovery touches only rows whose
    # owner is gone; staging records work-in-progress files outside the library (exports)
    # that the same recovery cleans when their owner dies.
    """
    ALTER TABLE generations ADD COLUMN owner TEXT;
    CREATE INDEX generations_running ON generations(owner) WHERE status = 'running';
    CREATE TABLE staging (
        path       TEXT PRIMARY KEY,
        owner      TEXT NOT NULL,
        purpose    TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # 7: storyboards (desktop/store/storyboards.py): a premise, its editable scenes and the
    # library items made for each (JSON: only the storyboard reads them), so a storyboard can
    # be reopened and remade piece by piece. Its pieces and final video are also a collection.
    Additive("""
    CREATE TABLE storyboards (
        id            INTEGER PRIMARY KEY,
        premise       TEXT NOT NULL,
        collection_id INTEGER REFERENCES collections(id) ON DELETE SET NULL,
        plan          TEXT NOT NULL DEFAULT '{}',
        created_at    REAL NOT NULL,
        updated_at    REAL NOT NULL
    );
    CREATE INDEX storyboards_by_update ON storyboards(updated_at DESC);
    """),
]
