"""Lineage in a saved gallery: each manifest item lists its "sources" and what it was "used_in",
so the links survive export and import.

    link: {"relation": str, "id": int | null, "sha256": str | null, "file": str}

"id" is another item's "id" in the same manifest (null when that item is not in the gallery);
"sha256" the content hash of that item's first file (a clip, not its poster), which identifies
it after the ids are renumbered — in this gallery, or in a library that already holds it;
"file" the name of a source outside the library (shown when nothing else is known).

On import nothing in these lists is trusted: a list longer than MAX_LINKS, an entry of the
wrong shape or a hash that is not one refuses the gallery (parse_links raises ManifestError,
like any other malformed value); an unknown relation, an id no item of the gallery has, a link
from an item to itself are ignored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from desktop.core import lineage
from desktop.store.generations import transaction

MAX_LINKS = 64
MAX_FILE_CHARS = 255
MAX_RELATION_CHARS = 40
MAX_ID = 2**63
BATCH = 500          # items whose links are restored in one transaction
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class GalleryLink:
    relation: str
    id: int | None
    sha256: str | None
    file: str


# -- export ------------------------------------------------------------------------------------

def add_links(conn, entries: list[dict]) -> None:
    """Each entry (gallery_export.collect's) gets "sources" and "used_in": ids of items in this
    gallery, and every linked item's content hash."""
    chosen = {entry["id"] for entry in entries}
    for entry in entries:
        rows = conn.execute("SELECT relation, source_generation_id, source_path FROM generation_sources"
                            " WHERE generation_id=? ORDER BY rowid LIMIT ?", (entry["id"], MAX_LINKS)).fetchall()
        entry["sources"] = [_entry(conn, relation, other, chosen, path) for relation, other, path in rows]
        rows = conn.execute("SELECT s.relation, s.generation_id FROM generation_sources s"
                            " JOIN generations g ON g.id = s.generation_id"
                            " WHERE s.source_generation_id=? AND g.status='done' AND g.trashed_at IS NULL"
                            " ORDER BY s.generation_id LIMIT ?", (entry["id"], MAX_LINKS)).fetchall()
        entry["used_in"] = [_entry(conn, relation, other, chosen) for relation, other in rows]


def _entry(conn, relation: str, other: int | None, chosen: set[int], path: str = "") -> dict:
    sha256 = None
    if other is not None:
        row = conn.execute("SELECT sha256 FROM assets WHERE generation_id=? ORDER BY id LIMIT 1", (other,)).fetchone()
        sha256 = row[0] if row else None
    name = path.replace("\\", "/").rsplit("/", 1)[-1] if other is None or other not in chosen else ""
    return {"relation": relation, "id": other if other in chosen else None, "sha256": sha256, "file": name}


# -- reading -----------------------------------------------------------------------------------

def parse_links(value, key: str, where: str, error: Callable[[str], Exception]) -> tuple[GalleryLink, ...]:
    """The checked links under `key` of a manifest item (`value`); () when absent."""
    got = value.get(key)
    if got is None:
        return ()
    if not isinstance(got, list):
        raise error(f'{where}: "{key}" is not a list')
    if len(got) > MAX_LINKS:
        raise error(f'{where}: "{key}" lists more than {MAX_LINKS} items')
    links = []
    for number, link in enumerate(got, 1):
        place = f'{where}, "{key}" entry {number}'
        if not isinstance(link, dict):
            raise error(f"{place} is not an object")
        relation, other, sha256, file = link.get("relation"), link.get("id"), link.get("sha256"), link.get("file")
        if not isinstance(relation, str) or not 0 < len(relation) <= MAX_RELATION_CHARS:
            raise error(f'{place}: "relation" is not a short text')
        if other is not None and (type(other) is not int or not 0 < other < MAX_ID):
            raise error(f'{place}: "id" is not an item number')
        if sha256 is not None and not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
            raise error(f'{place}: "sha256" is not a SHA-256 checksum')
        if file is not None and (not isinstance(file, str) or len(file) > MAX_FILE_CHARS or "\0" in file):
            raise error(f'{place}: "file" is not a file name')
        if relation not in lineage.RELATIONS:
            continue  # a newer Atelier's relation: the link is left out, the gallery is fine
        name = (file or "").replace("\\", "/").rsplit("/", 1)[-1]
        links.append(GalleryLink(relation, other, sha256.lower() if sha256 else None, name))
    return tuple(links)


# -- import ------------------------------------------------------------------------------------

def restore(store, items: Iterable, ids: dict[int, int], linkable: Callable[[int], bool]) -> int:
    """Links between the imported items, and to items the library already had (by content
    hash), for each manifest item in `items` (a fresh pass over the manifest). `ids`: gallery id
    → library id of every item imported or found already there; `linkable(library_id)`: whether
    that item may get new links (it was imported now, or the import merges). Returns how many
    links were added."""
    from desktop.store.patience import call_when_free

    added, batch = 0, []
    for item in items:
        target = ids.get(item.gallery_id) if item.gallery_id is not None else None
        if target is not None and (item.sources or item.used_in):
            batch.append((target, item.sources, item.used_in))
        if len(batch) >= BATCH:
            added += call_when_free(store, lambda lib, batch=batch: _restore_batch(lib, batch, ids, linkable))
            batch = []
    if batch:
        added += call_when_free(store, lambda lib: _restore_batch(lib, batch, ids, linkable))
    return added


def _restore_batch(library, batch, ids: dict[int, int], linkable) -> int:
    conn, added = library.conn, 0
    with transaction(conn):
        for target, sources, used_in in batch:
            for link in sources:
                source = _find(conn, link, ids)
                if source == target or not linkable(target):
                    continue
                if source is None and (link.id is not None or not link.file):
                    continue  # an id this gallery does not have, or nothing left to name
                added += _link(conn, target, link.relation, source, "" if source is not None else link.file)
            for link in used_in:
                result = _find(conn, link, ids)
                if result is not None and result != target and linkable(result):
                    added += _link(conn, result, link.relation, target, "")
    return added


def _find(conn, link: GalleryLink, ids: dict[int, int]) -> int | None:
    """The library item a link names: by its gallery id, else by its file's content hash."""
    if link.id is not None and link.id in ids:
        return ids[link.id]
    if link.sha256:
        row = conn.execute("SELECT generation_id FROM assets WHERE sha256=? ORDER BY id LIMIT 1",
                           (link.sha256,)).fetchone()
        return row[0] if row else None
    return None


def _link(conn, generation_id: int, relation: str, source_id: int | None, path: str) -> int:
    """1 when added; 0 when the same link is there already (both sides of a pair list it)."""
    if source_id is not None:
        known = conn.execute("SELECT 1 FROM generation_sources WHERE generation_id=? AND relation=?"
                             " AND source_generation_id=?", (generation_id, relation, source_id)).fetchone()
    else:
        known = conn.execute("SELECT 1 FROM generation_sources WHERE generation_id=? AND relation=?"
                             " AND source_generation_id IS NULL AND source_path=?",
                             (generation_id, relation, path)).fetchone()
    if known:
        return 0
    conn.execute("INSERT INTO generation_sources (generation_id, source_generation_id, source_path, relation)"
                 " VALUES (?, ?, ?, ?)", (generation_id, source_id, path, relation))
    return 1
