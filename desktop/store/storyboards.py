"""Saved storyboards: one row each, its plan (scenes, models, settings and the library items
made for each scene) as JSON that only the storyboard code reads (desktop/pipeline/
storyboard.py). A table rather than a file beside the collection: it is written in the same
database, by the same single writer, as the items it names, so the two never disagree after a
crash, and listing the saved storyboards is one query."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class SavedStoryboard:
    id: int
    premise: str
    collection_id: int | None
    plan: dict
    created_at: float
    updated_at: float


class StoryboardRepository:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def save(self, storyboard_id: int | None, premise: str, collection_id: int | None, plan: dict) -> int:
        """A new row (`storyboard_id` None) or the row updated; its id."""
        now, text = time.time(), json.dumps(plan, ensure_ascii=False)
        if storyboard_id is None:  # one statement each: atomic in the library's autocommit mode
            return self.conn.execute(
                "INSERT INTO storyboards (premise, collection_id, plan, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)", (premise, collection_id, text, now, now)).lastrowid
        self.conn.execute("UPDATE storyboards SET premise=?, collection_id=?, plan=?, updated_at=? WHERE id=?",
                          (premise, collection_id, text, now, storyboard_id))
        return storyboard_id

    def get(self, storyboard_id: int) -> SavedStoryboard | None:
        row = self.conn.execute("SELECT id, premise, collection_id, plan, created_at, updated_at FROM storyboards"
                                " WHERE id=?", (storyboard_id,)).fetchone()
        return None if row is None else _saved(row)

    def recent(self, limit: int = 50) -> list[tuple[int, str, float]]:
        """(id, premise, updated_at), the last changed first."""
        rows = self.conn.execute("SELECT id, premise, updated_at FROM storyboards ORDER BY updated_at DESC, id DESC"
                                 " LIMIT ?", (limit,))
        return [tuple(r) for r in rows]

    def delete(self, storyboard_id: int) -> None:
        """The storyboard goes; its items and collection stay in the library."""
        self.conn.execute("DELETE FROM storyboards WHERE id=?", (storyboard_id,))


def _saved(row) -> SavedStoryboard:
    try:
        plan = json.loads(row[3])
    except ValueError:
        plan = {}
    return SavedStoryboard(row[0], row[1], row[2], plan if isinstance(plan, dict) else {}, row[4], row[5])


def finished_files(conn: sqlite3.Connection, generation_ids: list[int]) -> dict[int, str]:
    """{id: its first file, relative to the data folder} for the items that are finished and
    not in the trash; the others (failed, stopped, deleted) are left out."""
    if not generation_ids:
        return {}
    marks = ",".join("?" * len(generation_ids))
    rows = conn.execute(
        "SELECT g.id, (SELECT a.path FROM assets a WHERE a.generation_id = g.id ORDER BY a.id LIMIT 1)"
        f" FROM generations g WHERE g.id IN ({marks}) AND g.status = 'done' AND g.trashed_at IS NULL",
        list(generation_ids))
    return {r[0]: r[1] for r in rows if r[1]}
