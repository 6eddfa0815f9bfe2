"""Generations of every modality: a row is 'running' while the job runs and only becomes
'done' together with its files, in one transaction."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.store.asset_files import WrittenFile
from desktop.store.fts import match_query, remember_terms
from desktop.store.records import Generation

INTERRUPTED = "Interrupted: Atelier closed or crashed while this was running."


@dataclass
class NewGeneration:
    modality: str
    kind: str
    prompt: str
    params: dict
    model_name: str = ""
    model_path: str = ""
    model_sha256: str = ""
    seed: int | None = None
    negative: str = ""
    conversation_id: int | None = None


@dataclass
class AssetMeta:
    file: WrittenFile
    mime: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


class GenerationRepository:
    def __init__(self, conn: sqlite3.Connection, owner: str | None = None):
        self.conn = conn
        self.owner = owner  # this process's lease token, written into the rows it starts

    def start(self, new: NewGeneration) -> int:
        now = time.time()
        cur = self.conn.execute(
            "INSERT INTO generations (modality, kind, prompt, negative, params, model_name,"
            " model_path, model_sha256, seed, status, conversation_id, created_at, started_at, owner)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)",
            (new.modality, new.kind, new.prompt, new.negative, json.dumps(new.params),
             new.model_name, new.model_path, new.model_sha256, new.seed,
             new.conversation_id, now, now, self.owner),
        )
        remember_terms(self.conn, new.prompt, new.negative)
        return cur.lastrowid

    def finish(self, generation_id: int, *, output_text: str = "", stats: dict | None = None,
               seed: int | None = None, assets: list[AssetMeta] = ()) -> None:
        """Mark done and attach files in one transaction (files are already in place)."""
        now = time.time()
        with _transaction(self.conn):
            self.conn.execute(
                "UPDATE generations SET status='done', output_text=?, stats=?, finished_at=?,"
                " seed=COALESCE(?, seed) WHERE id=?",
                (output_text, json.dumps(stats or {}), now, seed, generation_id),
            )
            remember_terms(self.conn, output_text)
            for asset in assets:
                self.conn.execute(
                    "INSERT INTO assets (generation_id, path, sha256, mime, size_bytes, width,"
                    " height, duration_s, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (generation_id, asset.file.relative, asset.file.sha256, asset.mime,
                     asset.file.size_bytes, asset.width, asset.height, asset.duration_s, now),
                )

    def link_source(self, generation_id: int, relation: str, source_generation_id: int | None = None,
                    source_path: str = "") -> None:
        self.conn.execute(
            "INSERT INTO generation_sources (generation_id, source_generation_id, source_path, relation)"
            " VALUES (?, ?, ?, ?)", (generation_id, source_generation_id, source_path, relation))

    def sources(self, generation_id: int) -> list[dict]:
        rows = self.conn.execute(
            "SELECT source_generation_id, source_path, relation FROM generation_sources WHERE generation_id=?",
            (generation_id,))
        return [dict(r) for r in rows]

    def fail(self, generation_id: int, error: str) -> None:
        self._end(generation_id, "failed", error)

    def cancel(self, generation_id: int, partial_text: str = "") -> None:
        self._end(generation_id, "cancelled", "Cancelled by you.", partial_text)

    def _end(self, generation_id: int, status: str, error: str, output_text: str = "") -> None:
        self.conn.execute(
            "UPDATE generations SET status=?, error=?, output_text=?, finished_at=? WHERE id=?",
            (status, error, output_text, time.time(), generation_id),
        )

    def mark_interrupted(self, generation_ids: list[int]) -> int:
        """Rows left 'running' by a process that died are failures; returns how many were fixed.
        (Which rows: desktop/store/recovery.py, which knows the live processes.)"""
        now, fixed = time.time(), 0
        with _transaction(self.conn):
            for generation_id in generation_ids:
                fixed += self.conn.execute(
                    "UPDATE generations SET status='failed', error=?, finished_at=? WHERE id=? AND status='running'",
                    (INTERRUPTED, now, generation_id)).rowcount
        return fixed

    def get(self, generation_id: int) -> Generation | None:
        row = self.conn.execute("SELECT * FROM generations WHERE id=?", (generation_id,)).fetchone()
        if row is None:
            return None
        assets = self.conn.execute(
            "SELECT path, sha256, mime, size_bytes FROM assets WHERE generation_id=?", (generation_id,)
        ).fetchall()
        return Generation.from_row(row, [dict(a) for a in assets])

    def recent(self, limit: int = 50, modality: str | None = None) -> list[Generation]:
        sql, args = "SELECT * FROM generations", []
        if modality:
            sql += " WHERE modality=?"
            args.append(modality)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
        return [Generation.from_row(r) for r in self.conn.execute(sql, (*args, limit))]

    def search(self, text: str, limit: int = 50) -> list[Generation]:
        query = match_query(text)
        if query is None:
            return []
        rows = self.conn.execute(
            "SELECT g.* FROM generations_fts f JOIN generations g ON g.id = f.rowid"
            " WHERE generations_fts MATCH ? ORDER BY rank LIMIT ?", (query, limit)
        )
        return [Generation.from_row(r) for r in rows]

    def known_model_hash(self, path: Path, size_bytes: int, mtime_ns: int) -> str | None:
        """sha256 of a model file if it was hashed before at this size and mtime (one file
        version: an edited or replaced file has another and is hashed again)."""
        row = self.conn.execute(
            "SELECT sha256 FROM model_hashes WHERE path=? AND size_bytes=? AND mtime_ns=?",
            (str(path), size_bytes, mtime_ns),
        ).fetchone()
        return row[0] if row else None

    def remember_model_hash(self, path: Path, size_bytes: int, mtime_ns: int, digest: str) -> None:
        """The version is the one stat'ed before the file was read, not now: a file changed
        while it was hashed is not cached under its new version."""
        self.conn.execute(
            "INSERT OR REPLACE INTO model_hashes (path, size_bytes, mtime_ns, sha256) VALUES (?, ?, ?, ?)",
            (str(path), size_bytes, mtime_ns, digest),
        )


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT/ROLLBACK for an autocommit-mode connection. Nested use
    joins the outer transaction, so repository calls compose into one atomic commit."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.outermost = False

    def __enter__(self):
        self.outermost = not self.conn.in_transaction
        if self.outermost:
            self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, exc, tb):
        if self.outermost:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


transaction = _transaction
