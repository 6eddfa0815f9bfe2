"""The Library's view of the store: generations of every modality (finished by default;
stopped, failed or missing their file on request), filtered, searched and paged by keyset
(no OFFSET: the 1,000th page costs what the first does), plus curation (favourite, rating,
tags, collections)."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field, replace

from desktop.core.errors import UserFacingError
from desktop.store import item_status, lineage_graph
from desktop.store.fts import known_terms, match_query
from desktop.store.generations import GenerationRepository, transaction
from desktop.store.records import Generation
from desktop.store.trash import stored_at

SORTS = ("newest", "oldest", "rating")


@dataclass(frozen=True)
class LibraryItem:
    """One row of the Library grid: enough to draw it, nothing heavy."""
    id: int
    modality: str
    kind: str
    prompt: str
    model_name: str
    created_at: float
    favorite: bool
    rating: int | None
    asset_path: str | None
    mime: str | None
    snippet: str = ""   # the start of a text item's reply (a stopped one's partial reply), for its tile
    status: str = "done"
    reason: str = ""    # why it failed, or what stopped it (generations.error), shortened

    @property
    def state(self) -> str:
        """item_status.FINISHED, STOPPED, FAILED or MISSING (its file is gone)."""
        return item_status.state(self.status, self.reason)


@dataclass
class LibraryQuery:
    text: str = ""
    modality: str = ""
    model_name: str = ""
    since: float | None = None
    until: float | None = None
    favorite_only: bool = False
    min_rating: int | None = None
    tag: str = ""
    collection_id: int | None = None
    sort: str = "newest"
    in_trash: bool = False   # the trash shows deleted items, and only those
    status: str = item_status.FINISHED   # one of item_status.SHOWN


@dataclass(frozen=True)
class ItemDetails:
    """Everything the viewer and details pane show about one item."""
    generation: Generation
    tags: list[str]
    collections: list[str]
    sources: list[dict]
    lineage: lineage_graph.Lineage | None = None   # made from / used in, each item named


@dataclass
class Page:
    items: list[LibraryItem] = field(default_factory=list)
    cursor: tuple | None = None   # pass back to get the next page; None when there is no more


_COLUMNS = ("g.id, g.modality, g.kind, g.prompt, g.model_name, g.created_at, g.favorite, g.rating,"
            " substr(g.output_text, 1, 300) AS snippet, g.status, substr(g.error, 1, 2000) AS reason,"
            " (SELECT a.path FROM assets a WHERE a.generation_id = g.id ORDER BY a.id LIMIT 1) AS asset_path,"
            " (SELECT a.mime FROM assets a WHERE a.generation_id = g.id ORDER BY a.id LIMIT 1) AS mime")


class LibraryItems:
    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    # -- reading ---------------------------------------------------------------------------

    def page(self, query: LibraryQuery, cursor: tuple | None = None, limit: int = 100) -> Page:
        if query.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}")
        shown, args = item_status.condition(query.status)
        where = [shown, f"g.trashed_at IS {'NOT ' if query.in_trash else ''}NULL"]
        source = "generations g"
        text = match_query(query.text, lambda prefix: known_terms(self.conn, prefix)) if query.text.strip() else None
        if text is not None and query.sort != "rating":
            # Walk the full-text index itself in rowid order: it stops after one page
            # however many rows match (newest/oldest follow the library's insertion order).
            source = "generations_fts f JOIN generations g ON g.id = f.rowid"
            where.append("generations_fts MATCH ?")
            args.append(text)
        elif text is not None:
            where.append("g.id IN (SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?)")
            args.append(text)
        for column, value in (("g.modality", query.modality), ("g.model_name", query.model_name)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if query.since is not None:
            where.append("g.created_at >= ?")
            args.append(query.since)
        if query.until is not None:
            where.append("g.created_at < ?")
            args.append(query.until)
        if query.favorite_only:
            where.append("g.favorite = 1")
        if query.min_rating is not None:
            where.append("g.rating >= ?")
            args.append(query.min_rating)
        if query.tag:
            where.append("g.id IN (SELECT gt.generation_id FROM generation_tags gt JOIN tags t ON t.id = gt.tag_id"
                         " WHERE t.name = ?)")
            args.append(query.tag)
        if query.collection_id is not None:
            where.append("g.id IN (SELECT generation_id FROM collection_items WHERE collection_id = ?)")
            args.append(query.collection_id)
        order, keyset = self._ordering(query.sort, cursor, "f.rowid" if source != "generations g" else "g.id")
        if keyset:
            where.append(keyset[0])
            args += keyset[1]
        # Pick the page's ids first; the per-item columns (first asset) are computed for
        # those rows only, not for every match before sorting.
        pick = f"SELECT g.id AS id FROM {source} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
        outer = order.replace("f.rowid", "g.id")
        sql = f"SELECT {_COLUMNS} FROM ({pick}) AS pick JOIN generations g ON g.id = pick.id ORDER BY {outer}"
        rows = self.conn.execute(sql, (*args, limit + 1)).fetchall()
        items = [_item(r) for r in rows[:limit]]
        if query.in_trash:  # a trashed item's file waits in the trash folder
            items = [replace(i, asset_path=stored_at(i.asset_path, True) if i.asset_path else None) for i in items]
        next_cursor = None
        if len(rows) > limit and items:
            last = items[-1]
            next_cursor = ((last.rating or 0), last.id) if query.sort == "rating" else (last.id,)
        return Page(items, next_cursor)

    @staticmethod
    def _ordering(sort: str, cursor, key: str):
        """Newest/oldest follow the order items entered the library (rowid: free to walk)."""
        if sort == "newest":
            return f"{key} DESC", ((f"{key} < ?", list(cursor)) if cursor else None)
        if sort == "oldest":
            return f"{key} ASC", ((f"{key} > ?", list(cursor)) if cursor else None)
        keyset = ("(COALESCE(g.rating, 0), g.id) < (?, ?)", list(cursor)) if cursor else None
        return "COALESCE(g.rating, 0) DESC, g.id DESC", keyset

    def details(self, generation_id: int) -> ItemDetails | None:
        generation = GenerationRepository(self.conn).get(generation_id)
        if generation is None:
            return None
        return ItemDetails(generation, self.tags_of(generation_id), self.collections_of(generation_id),
                           GenerationRepository(self.conn).sources(generation_id),
                           lineage_graph.lineage(self.conn, generation_id))

    def contains(self, query: LibraryQuery, generation_id: int) -> bool:
        """Whether the grid's `query` shows this item: its page starting just before the item
        (the keyset of the query's order) begins with it."""
        row = self.conn.execute("SELECT COALESCE(rating, 0) FROM generations WHERE id=?", (generation_id,)).fetchone()
        if row is None or query.sort not in SORTS:
            return False
        cursor = {"newest": (generation_id + 1,), "oldest": (generation_id - 1,),
                  "rating": (row[0], generation_id + 1)}[query.sort]
        page = self.page(query, cursor, limit=1)
        return bool(page.items) and page.items[0].id == generation_id

    def collections_of(self, generation_id: int) -> list[str]:
        rows = self.conn.execute("SELECT c.name FROM collections c JOIN collection_items ci ON ci.collection_id=c.id"
                                 " WHERE ci.generation_id=? ORDER BY c.name", (generation_id,))
        return [r[0] for r in rows]

    def model_names(self) -> list[str]:
        rows = self.conn.execute("SELECT DISTINCT model_name FROM generations g WHERE"
                                 f" {item_status.condition(item_status.ALL)[0]} ORDER BY 1")
        return [r[0] for r in rows if r[0]]

    def tag_names(self) -> list[str]:
        """Tags in use, by name (a tag left on no item is not offered as a filter)."""
        rows = self.conn.execute("SELECT t.name FROM tags t WHERE EXISTS (SELECT 1 FROM generation_tags gt"
                                 " WHERE gt.tag_id = t.id) ORDER BY t.name COLLATE NOCASE")
        return [r[0] for r in rows]

    # -- curation ----------------------------------------------------------------------------

    def set_favorite(self, generation_ids: list[int], favorite: bool) -> None:
        self.conn.executemany("UPDATE generations SET favorite=? WHERE id=?",
                              [(int(favorite), gid) for gid in generation_ids])

    def set_rating(self, generation_ids: list[int], rating: int | None) -> None:
        if rating is not None and not 1 <= rating <= 5:
            raise ValueError("a rating is 1 to 5 stars")
        self.conn.executemany("UPDATE generations SET rating=? WHERE id=?", [(rating, gid) for gid in generation_ids])

    def add_tag(self, generation_ids: list[int], name: str) -> None:
        name = " ".join(name.split())
        if not name:
            return
        with transaction(self.conn):
            self.conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?)", (name,))
            tag_id = self.conn.execute("SELECT id FROM tags WHERE name=?", (name,)).fetchone()[0]
            self.conn.executemany("INSERT OR IGNORE INTO generation_tags (generation_id, tag_id) VALUES (?, ?)",
                                  [(gid, tag_id) for gid in generation_ids])

    def remove_tag(self, generation_ids: list[int], name: str) -> None:
        self.conn.executemany(
            "DELETE FROM generation_tags WHERE generation_id=? AND tag_id=(SELECT id FROM tags WHERE name=?)",
            [(gid, name) for gid in generation_ids])

    def tags_of(self, generation_id: int) -> list[str]:
        rows = self.conn.execute("SELECT t.name FROM tags t JOIN generation_tags gt ON gt.tag_id=t.id"
                                 " WHERE gt.generation_id=? ORDER BY t.name", (generation_id,))
        return [r[0] for r in rows]

    def create_collection(self, name: str) -> int:
        name = " ".join(name.split())
        if not name:
            raise UserFacingError("A collection needs a name.")
        self.conn.execute("INSERT OR IGNORE INTO collections (name, created_at) VALUES (?, ?)", (name, time.time()))
        return self.conn.execute("SELECT id FROM collections WHERE name=?", (name,)).fetchone()[0]

    def rename_collection(self, collection_id: int, name: str) -> None:
        name = " ".join(name.split())
        if not name:
            raise UserFacingError("A collection needs a name.")
        try:
            self.conn.execute("UPDATE collections SET name=? WHERE id=?", (name, collection_id))
        except sqlite3.IntegrityError:
            raise UserFacingError(f"There is already a collection named “{name}”.") from None

    def delete_collection(self, collection_id: int) -> None:
        """The collection goes; its items stay in the library."""
        self.conn.execute("DELETE FROM collections WHERE id=?", (collection_id,))

    def collections(self) -> list[tuple[int, str, int]]:
        """(id, name, item count) of every collection, by name: the items its default (finished)
        view shows, so items in the trash are not counted."""
        finished, args = item_status.condition(item_status.FINISHED)
        rows = self.conn.execute(
            "SELECT c.id, c.name, COUNT(g.id) FROM collections c"
            " LEFT JOIN collection_items ci ON ci.collection_id = c.id"
            f" LEFT JOIN generations g ON g.id = ci.generation_id AND g.trashed_at IS NULL AND {finished}"
            " GROUP BY c.id ORDER BY c.name", args)
        return [tuple(r) for r in rows]

    def add_to_collection(self, collection_id: int, generation_ids: list[int]) -> None:
        now = time.time()
        self.conn.executemany("INSERT OR IGNORE INTO collection_items (collection_id, generation_id, added_at)"
                              " VALUES (?, ?, ?)", [(collection_id, gid, now) for gid in generation_ids])

    def remove_from_collection(self, collection_id: int, generation_ids: list[int]) -> None:
        self.conn.executemany("DELETE FROM collection_items WHERE collection_id=? AND generation_id=?",
                              [(collection_id, gid) for gid in generation_ids])


def _item(row) -> LibraryItem:
    return LibraryItem(id=row["id"], modality=row["modality"], kind=row["kind"], prompt=row["prompt"],
                       model_name=row["model_name"], created_at=row["created_at"], favorite=bool(row["favorite"]),
                       rating=row["rating"], asset_path=row["asset_path"], mime=row["mime"],
                       snippet=row["snippet"], status=row["status"], reason=row["reason"] or "")
