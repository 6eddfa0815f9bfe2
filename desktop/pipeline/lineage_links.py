"""Recording what a generation is made from, for every job: each lineage.Source of the request
becomes a generation_sources row in the transaction that starts the generation's row, and the
same sources, described with their content hashes, go into the file's metadata.

A source given only by a file is matched to its library item when the file is one of the
library's assets — reached through a symlink, a relative path or the trash folder too — or,
failing that, when its bytes are an asset's (a copy exported elsewhere); otherwise it stays a
file. Hashing a file outside the library happens on the job's thread (`file_hashes`), not in
the transaction, which runs on the library's single writer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from desktop.core import lineage, lineage_metadata
from desktop.store.generations import NewGeneration, transaction
from desktop.store.trash import TRASH_FOLDER

MAX_SOURCES = lineage_metadata.MAX_SOURCES
HASH_LIMIT = 1 << 30      # bytes: a larger file outside the library is linked by its path alone
CHUNK = 1 << 20


@dataclass(frozen=True)
class Linked:
    """A source as recorded: its item (when known), its file (absolute, "" when none) and the
    sha256 of that file's bytes ("" when unknown)."""

    relation: str
    generation_id: int | None
    path: str
    sha256: str

    def as_metadata(self) -> dict:
        return lineage_metadata.entry(self.relation, self.generation_id, self.sha256,
                                      Path(self.path).name if self.path else "")


def with_legacy(sources: Iterable[lineage.Source], *legacy: lineage.Source | None) -> tuple[lineage.Source, ...]:
    """The request's own fields that named a source before `sources` existed (the upscaled
    image, the extended clip, the joined clips) first, then `sources`."""
    return (*(s for s in legacy if s is not None), *sources)


def file_hashes(sources: Iterable[lineage.Source], root: Path) -> dict[str, str]:
    """sha256 of each source file outside the library folder `root` (a library asset's hash is
    in the library already). Call it on the job's thread; missing or huge files are skipped."""
    hashes = {}
    library = Path(root).resolve()
    for source in list(sources)[:MAX_SOURCES]:
        if not source.path or source.path in hashes:
            continue
        path = Path(source.path).resolve()
        if path.is_relative_to(library):
            continue
        digest = _sha256(path)
        if digest:
            hashes[source.path] = digest
    return hashes


def start_linked(lib, new: NewGeneration, sources: Iterable[lineage.Source],
                 hashes: dict[str, str] | None = None) -> tuple[int, list[dict]]:
    """The generation's running row and its links in one transaction: (id, the sources as the
    file's metadata carries them)."""
    with transaction(lib.conn):
        generation_id = lib.generations.start(new)
        return generation_id, link_sources(lib, generation_id, sources, hashes)


def link_sources(lib, generation_id: int, sources: Iterable[lineage.Source],
                 hashes: dict[str, str] | None = None) -> list[dict]:
    """Rows for `generation_id`'s sources (call inside the transaction that starts its row);
    returns them as the file's metadata describes them."""
    linked = resolve(lib, sources, hashes)
    for link in linked:
        lib.generations.link_source(generation_id, link.relation, link.generation_id, link.path)
    return [link.as_metadata() for link in linked]


def describe_sources(lib, sources: Iterable[lineage.Source], hashes: dict[str, str] | None = None) -> list[dict]:
    """The sources as a file's metadata carries them, without recording anything."""
    return [link.as_metadata() for link in resolve(lib, sources, hashes)]


def resolve(lib, sources: Iterable[lineage.Source], hashes: dict[str, str] | None = None) -> list[Linked]:
    """Each source matched to its library item where it has one; repeats (the same relation to
    the same item or file) are dropped. `hashes`: from file_hashes; a file missing from it is
    hashed here."""
    hashes = dict(hashes or {})
    found: dict[tuple, Linked] = {}
    for source in list(sources)[:MAX_SOURCES]:
        generation_id = source.generation_id if _exists(lib, source.generation_id) else None
        path = _absolute(lib, source.path) if source.path else ""
        if generation_id is None and path:
            generation_id = item_of_file(lib, path)
            if generation_id is None:  # a copy of an asset is that asset's item
                if source.path not in hashes:
                    hashes[source.path] = _sha256(Path(path))
                generation_id = item_with_hash(lib, hashes[source.path]) if hashes[source.path] else None
        if generation_id is not None:
            sha256 = asset_hash(lib, generation_id)
            path = path or _asset_file(lib, generation_id)
        else:
            sha256 = hashes.get(source.path, "")
        key = (source.relation, generation_id) if generation_id is not None else (source.relation, path)
        found.setdefault(key, Linked(source.relation, generation_id, path, sha256 or ""))
    return list(found.values())


def item_of_file(lib, path: str | Path) -> int | None:
    """The library item whose file this is (an asset, or an asset moved to the trash): the path
    may be relative (to the library folder, else to the working folder) or pass through symlinks."""
    root = Path(lib.layout.root)
    given = Path(path)
    candidates = [given] if given.is_absolute() else [root / given, given.absolute()]
    library = root.resolve()
    for candidate in candidates:
        real = candidate.resolve()
        if not real.is_relative_to(library):
            continue
        relative = real.relative_to(library).as_posix()
        names = [relative]
        if relative.startswith(TRASH_FOLDER + "/"):
            names.append(relative[len(TRASH_FOLDER) + 1:])
        for name in names:
            row = lib.conn.execute("SELECT generation_id FROM assets WHERE path=?", (name,)).fetchone()
            if row is not None:
                return row[0]
    return None


def item_with_hash(lib, sha256: str) -> int | None:
    row = lib.conn.execute("SELECT generation_id FROM assets WHERE sha256=? ORDER BY id LIMIT 1",
                           (sha256,)).fetchone()
    return row[0] if row else None


def asset_hash(lib, generation_id: int) -> str:
    """The sha256 of an item's first file (a clip, not its poster); "" for a text."""
    row = lib.conn.execute("SELECT sha256 FROM assets WHERE generation_id=? ORDER BY id LIMIT 1",
                           (generation_id,)).fetchone()
    return row[0] if row else ""


def _asset_file(lib, generation_id: int) -> str:
    row = lib.conn.execute("SELECT path FROM assets WHERE generation_id=? ORDER BY id LIMIT 1",
                           (generation_id,)).fetchone()
    return str(Path(lib.layout.root) / row[0]) if row else ""


def _exists(lib, generation_id: int | None) -> bool:
    """A stale id (an item deleted since) is not linked: the row would break its foreign key."""
    return generation_id is not None and lib.conn.execute(
        "SELECT 1 FROM generations WHERE id=?", (generation_id,)).fetchone() is not None


def _absolute(lib, path: str) -> str:
    """As given when absolute (the row keeps what the job was told); a relative path is taken
    in the library folder when a file is there, else in the working folder."""
    given = Path(path)
    if given.is_absolute():
        return path
    in_library = Path(lib.layout.root) / given
    return str(in_library if in_library.exists() else given.absolute())


def _sha256(path: Path) -> str:
    try:
        if not path.is_file() or path.stat().st_size > HASH_LIMIT:
            return ""
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return ""
