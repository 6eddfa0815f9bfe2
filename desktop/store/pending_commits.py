"""The last step of a generation, made impossible to lose.

A finished generation is written to a journal (`<data>/pending/<id>.json`) before its files
are renamed into place and before the row says done. If the process dies while the commit
waits for a database that another process holds (or the disk is full, or anything else),
the next start of any Atelier process replays the journal: the row becomes done with its
files, exactly as the commit would have made it. After the commit the journal is removed.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from desktop.store.asset_files import WrittenFile, write_atomically
from desktop.store.generations import AssetMeta, transaction

log = logging.getLogger(__name__)
FOLDER = "pending"


@dataclass
class FinishedWork:
    """Everything the final commit of a generation writes."""

    generation_id: int
    output_text: str = ""
    stats: dict = field(default_factory=dict)
    seed: int | None = None
    assets: list[AssetMeta] = field(default_factory=list)
    conversation_id: int | None = None  # the reply also becomes the conversation's assistant message

    def to_json(self, owner: str) -> bytes:
        assets = [{**asdict(a.file), "path": None, "mime": a.mime, "width": a.width, "height": a.height,
                   "duration_s": a.duration_s} for a in self.assets]
        return json.dumps({"owner": owner, "generation_id": self.generation_id, "output_text": self.output_text,
                           "stats": self.stats, "seed": self.seed, "conversation_id": self.conversation_id,
                           "assets": assets}).encode()

    @classmethod
    def from_json(cls, root: Path, data: bytes) -> tuple[str, "FinishedWork"]:
        values = json.loads(data)
        assets = [AssetMeta(WrittenFile(root / a["relative"], a["relative"], a["sha256"], int(a["size_bytes"])),
                            a["mime"], a.get("width"), a.get("height"), a.get("duration_s"))
                  for a in values.get("assets", [])]
        return str(values["owner"]), cls(int(values["generation_id"]), values.get("output_text", ""),
                                         values.get("stats") or {}, values.get("seed"), assets,
                                         values.get("conversation_id"))


def journal_path(root: Path, generation_id: int) -> Path:
    return root / FOLDER / f"{generation_id}.json"


def write_journal(root: Path, owner: str, work: FinishedWork) -> Path:
    return write_atomically(root, f"{FOLDER}/{work.generation_id}.json", work.to_json(owner)).path


def apply(library, work: FinishedWork):
    """The commit itself, in one transaction: the row says done together with its files
    (and the assistant message of a conversation). Returns that message, or None."""
    with transaction(library.conn):
        library.generations.finish(work.generation_id, output_text=work.output_text, stats=work.stats,
                                   seed=work.seed, assets=work.assets)
        if work.conversation_id is not None:
            return library.conversations.add_message(work.conversation_id, "assistant", work.output_text,
                                                     work.generation_id)
    return None


def claimed_paths(root: Path) -> set[Path]:
    """The files that pending journals are about to commit."""
    claimed = set()
    for path in (root / FOLDER).glob("*.json") if (root / FOLDER).exists() else []:
        try:
            claimed.update(a.file.path for a in FinishedWork.from_json(root, path.read_bytes())[1].assets)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return claimed


def replay_orphaned(library, live: set[str]) -> int:
    """Finish the generations whose owner died between writing its result and committing it.
    A journal whose files did not all make it to disk is dropped: its row is then one of
    the interrupted ones. Returns how many generations were finished."""
    folder = library.layout.root / FOLDER
    finished = 0
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        try:
            owner, work = FinishedWork.from_json(library.layout.root, path.read_bytes())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("Dropping an unreadable commit journal %s (%s)", path, exc)
            path.unlink(missing_ok=True)
            continue
        if owner in live:
            continue  # its process is still committing it
        if _still_running(library, work.generation_id) and all(_file_matches(a.file) for a in work.assets):
            apply(library, work)
            finished += 1
            log.warning("Finished generation %s from its commit journal", work.generation_id)
        path.unlink(missing_ok=True)
    return finished


def _still_running(library, generation_id: int) -> bool:
    row = library.conn.execute("SELECT status FROM generations WHERE id=?", (generation_id,)).fetchone()
    return row is not None and row[0] == "running"


def _file_matches(file: WrittenFile) -> bool:
    try:
        return os.stat(file.path).st_size == file.size_bytes
    except OSError:
        return False
