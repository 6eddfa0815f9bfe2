"""The lineage graph as the Library reads it: what an item was made from (its generation_sources
rows) and what it was used in (the rows that name it as their source), each with enough of the
other item to name it in the details pane and to follow the link."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

MAX_SHOWN = 50   # an image used in hundreds of things lists the first ones and says how many more


@dataclass(frozen=True)
class LineageLink:
    """One edge seen from the item shown: `generation_id` is the other item (None when it is a
    file outside the library, or an item deleted for good: then `path` names the file)."""

    relation: str
    generation_id: int | None
    path: str = ""
    modality: str = ""
    kind: str = ""
    prompt: str = ""
    trashed: bool = False


@dataclass(frozen=True)
class Lineage:
    made_from: list[LineageLink]
    used_in: list[LineageLink]
    more_used_in: int = 0    # links beyond the first MAX_SHOWN


_ITEM = "g.modality, g.kind, substr(g.prompt, 1, 200) AS prompt, g.trashed_at IS NOT NULL AS trashed"


def made_from(conn: sqlite3.Connection, generation_id: int) -> list[LineageLink]:
    rows = conn.execute(
        f"SELECT s.relation, s.source_generation_id AS other, s.source_path AS path, {_ITEM}"
        " FROM generation_sources s LEFT JOIN generations g ON g.id = s.source_generation_id"
        " WHERE s.generation_id=? ORDER BY s.rowid LIMIT ?", (generation_id, MAX_SHOWN))
    return [_link(row) for row in rows]


def used_in(conn: sqlite3.Connection, generation_id: int) -> tuple[list[LineageLink], int]:
    """(the first MAX_SHOWN items made from this one, oldest first; how many more there are).
    Items that never finished (failed, stopped, still running) are not listed."""
    rows = conn.execute(
        f"SELECT s.relation, s.generation_id AS other, '' AS path, {_ITEM}"
        " FROM generation_sources s JOIN generations g ON g.id = s.generation_id"
        " WHERE s.source_generation_id=? AND g.status='done' ORDER BY s.generation_id, s.rowid LIMIT ?",
        (generation_id, MAX_SHOWN + 1)).fetchall()
    more = 0
    if len(rows) > MAX_SHOWN:
        more = conn.execute("SELECT COUNT(*) FROM generation_sources s JOIN generations g ON g.id = s.generation_id"
                            " WHERE s.source_generation_id=? AND g.status='done'",
                            (generation_id,)).fetchone()[0] - MAX_SHOWN
    return [_link(row) for row in rows[:MAX_SHOWN]], more


def lineage(conn: sqlite3.Connection, generation_id: int) -> Lineage:
    shown, more = used_in(conn, generation_id)
    return Lineage(made_from(conn, generation_id), shown, more)


def _link(row) -> LineageLink:
    return LineageLink(relation=row["relation"], generation_id=row["other"], path=row["path"] or "",
                       modality=row["modality"] or "", kind=row["kind"] or "", prompt=row["prompt"] or "",
                       trashed=bool(row["trashed"]))
