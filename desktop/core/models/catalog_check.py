"""Checking the catalog against the hub, and writing down what the hub confirmed: the logic of
`python main.py models verify-catalog [--write]`, for a maintainer with a network connection
(tests run it against the fake hub).

    for check in check_catalog(catalog, hub):    # one EntryCheck per entry, as the hub answers
        print(check.line())
    written = write_learned(catalog.path, checks)  # only facts that were null, never a conflict

For each entry it asks the hub for the repository at the entry's revision (its main branch
when none is pinned), with every file's size and LFS sha256 (huggingface_hub's model_info; a
HEAD and its X-Linked-Etag when the listing gives neither a sha256 nor a git id), compares
each listed file, and checks that each pattern still selects something. A fact the catalog
holds and the hub contradicts is a mismatch, reported and never overwritten; a null fact the
hub confirms is "learned". An entry with a mismatch (or a file or pattern the hub lacks) gets
nothing written: its learned facts might describe another version of the model than the
facts it already holds. Memory figures are estimates the hub cannot confirm, and a file kept
in git (not LFS) has no sha256 published: those stay unverified.

No Qt. The Hub refuses before opening a socket when Atelier is offline (OfflineError, which
stops the whole check); every other failure is said on the entry's line."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

from desktop.core.models import catalog as catalog_io
from desktop.core.models import download_errors as errors
from desktop.core.models.catalog import Catalog, CatalogEntry
from desktop.core.models.download_errors import human_size
from desktop.core.models.hub import Hub, RemoteFile, Snapshot, matching

OK, LEARNED, DIFFERS, UNCHECKED = "ok", "learned", "differs", "unchecked"


@dataclass
class EntryCheck:
    """What the hub said about one entry. `learned` maps a fact's name, spelled as the entry's
    `unverified` list spells it (revision, <path>:size, <path>:sha256), to the hub's value."""
    entry_id: str
    repo: str
    revision: str                     # as the catalog pins it ("" when it pins none)
    commit: str = ""                  # what the hub resolved it to
    learned: dict[str, object] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)   # a confirmed fact the hub contradicts
    problems: list[str] = field(default_factory=list)     # what could not be checked at all
    notes: list[str] = field(default_factory=list)        # facts the hub does not publish
    confirmed: int = 0                # facts the catalog holds that the hub agreed with

    @property
    def status(self) -> str:
        if self.mismatches:
            return DIFFERS
        if self.problems:
            return UNCHECKED
        return LEARNED if self.learned else OK

    @property
    def writable(self) -> dict[str, object]:
        """The learned facts --write may put in the file: none when anything disagreed."""
        return {} if self.mismatches or self.problems else dict(self.learned)

    def line(self) -> str:
        """One line for a terminal: the verdict, the entry, then the details."""
        details = [*self.mismatches, *self.problems]
        details += [f"learned {_describe_fact(name, value)}" for name, value in self.learned.items()]
        if self.learned and (self.mismatches or self.problems):
            details.append("(none of it is written while something differs)")
        details += self.notes
        if not details:
            details = [f"{self.confirmed} fact{'s' if self.confirmed != 1 else ''} confirmed at {self.commit[:12]}"]
        return f"{self.status:<9} {self.entry_id}: " + "; ".join(details)


def _describe_fact(name: str, value) -> str:
    if name == "revision":
        return f"revision {value}"
    path, _, fact = name.rpartition(":")
    if fact == "size":
        return f"size of {path} {value} bytes ({human_size(value)})"
    return f"{fact} of {path} {value}"


def check_catalog(catalog: Catalog, hub: Hub) -> Iterator[EntryCheck]:
    """Each entry's check in the catalog's order, as soon as the hub has answered for it.
    Raises OfflineError (before any request) when the hub may not be reached."""
    for entry in catalog.entries:
        yield check_entry(entry, hub)


def check_entry(entry: CatalogEntry, hub: Hub) -> EntryCheck:
    source = entry.source
    check = EntryCheck(entry.id, source.repo, source.revision)
    try:
        snapshot = hub.resolve(source.repo, source.revision or None)
    except errors.OfflineError:
        raise
    except errors.DownloadError as exc:
        check.problems.append(str(exc))
        return check
    check.commit = snapshot.commit
    if not source.revision:
        check.learned["revision"] = snapshot.commit
    elif snapshot.commit != source.revision:  # a pinned commit resolves to itself on the hub
        check.mismatches.append(f"revision {source.revision} resolved to {snapshot.commit}")
    else:
        check.confirmed += 1
    listed = {remote.path: remote for remote in snapshot.files}
    for item in source.files:
        remote = listed.get(item.path)
        if remote is None:
            check.problems.append(f"{item.path} is not in {source.repo} at {_at(snapshot)}")
            continue
        _compare(check, item.path, "size", item.size, remote.size)
        # a listing with a git id and no LFS facts is a file kept in git: no sha256 exists for it
        sha256 = remote.sha256 or (None if remote.blob_id else _sha256_from_head(hub, snapshot, remote, check))
        if sha256 is None:
            if item.sha256 is not None:
                check.problems.append(f"cannot confirm the sha256 of {item.path}: the hub publishes none for it")
            else:
                check.notes.append(f"no sha256 published for {item.path} (a file kept in git: a download checks "
                                   "it by its git id)")
            continue
        _compare(check, item.path, "sha256", item.sha256, sha256)
    for pattern in source.patterns:
        if not matching(listed, [pattern]):
            check.problems.append(f"the pattern {pattern} selects no file of {source.repo} at {_at(snapshot)}")
    return check


def _at(snapshot: Snapshot) -> str:
    return f"revision {snapshot.commit[:12]}"


def _compare(check: EntryCheck, path: str, fact: str, ours, theirs) -> None:
    if ours is None:
        check.learned[f"{path}:{fact}"] = theirs
    elif ours != theirs:
        check.mismatches.append(f"{fact} of {path}: the catalog says {ours}, the hub {theirs}")
    else:
        check.confirmed += 1


def _sha256_from_head(hub: Hub, snapshot: Snapshot, remote: RemoteFile, check: EntryCheck) -> str | None:
    """The X-Linked-Etag of an LFS file, for a hub or mirror whose listing gives no sha256. A
    file kept in git has none (its etag is the git id), and None is returned."""
    try:
        return hub.head(snapshot.repo, snapshot.commit, remote.path).sha256
    except errors.OfflineError:
        raise
    except errors.DownloadError as exc:
        check.notes.append(f"the sha256 of {remote.path} could not be read ({exc})")
        return None


@dataclass(frozen=True)
class Written:
    path: Path
    facts: dict[str, list[str]]  # entry id -> names of the facts filled in

    @property
    def count(self) -> int:
        return sum(len(names) for names in self.facts.values())


def write_learned(path: str | Path, checks: Iterable[EntryCheck], today: date | None = None) -> Written:
    """Fill the catalog file's null facts that the checks learned and take them off each
    entry's `unverified` list; a fact already set is never changed (a check that found it
    different reported a mismatch and learned nothing). The file keeps its layout (2-space
    JSON, key order); it is checked by the catalog reader before it replaces the old one."""
    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    by_id = {raw.get("id"): raw for raw in data.get("models", []) if isinstance(raw, dict)}
    filled: dict[str, list[str]] = {}
    for check in checks:
        raw = by_id.get(check.entry_id)
        if raw is None or raw.get("source", {}).get("repo") != check.repo:
            continue  # the file changed since it was checked: leave that entry alone
        names = [name for name, value in check.writable.items() if _fill(raw, name, value)]
        if names:
            raw["unverified"] = [name for name in raw.get("unverified", []) if name not in names]
            filled[check.entry_id] = names
    if filled:
        data["updated"] = (today or date.today()).isoformat()
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        try:
            catalog_io.load(temporary)
        except catalog_io.CatalogError:
            temporary.unlink()
            raise
        os.replace(temporary, path)
    return Written(path, filled)


def _fill(raw: dict, name: str, value) -> bool:
    """Set one null fact of an entry; False when it is already set (or not found)."""
    source = raw.get("source", {})
    if name == "revision":
        if source.get("revision"):
            return False
        source["revision"] = value
        return True
    file_path, _, fact = name.rpartition(":")
    for item in source.get("files", []):
        if item.get("path") == file_path and fact in ("size", "sha256"):
            if item.get(fact) is not None:
                return False
            item[fact] = value
            return True
    return False
