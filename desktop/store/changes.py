"""What a write changed in the library, as one message every view can listen to.

The store writer broadcasts a `LibraryChange` after a write that declared one, and the job
queue after a job that recorded something; the Library's grid, the conversation lists and the
panels reload from it instead of being reloaded by hand by whoever made the change."""

from __future__ import annotations

from dataclasses import dataclass

ITEMS = "items"                  # generations added, removed, or changed in what the grid shows
CHOICES = "choices"              # tags, collections, model names: the filters' lists
CONVERSATIONS = "conversations"  # a conversation added, renamed, deleted, or given a message


@dataclass(frozen=True)
class LibraryChange:
    what: frozenset[str]
    ids: tuple[int, ...] = ()           # the generations concerned, when known
    conversation_id: int | None = None
    source: object = None               # who made it: a view that already shows it may skip it

    def __contains__(self, what: str) -> bool:
        return what in self.what


def change(*what: str, ids=(), conversation_id: int | None = None, source: object = None) -> LibraryChange:
    return LibraryChange(frozenset(what), tuple(ids), conversation_id, source)


def after_job(job, outcome) -> LibraryChange:
    """A job that ended recorded a row (done, failed or cancelled), maybe files and, for a
    reply, a conversation message: say so, with the ids its outcome names (a pipeline's
    outcome, or a cancelled batch's kept items, has `generation_ids`)."""
    ids = getattr(outcome, "generation_ids", ())
    conversation_id = job.origin.conversation_id
    what = (ITEMS, CHOICES) + ((CONVERSATIONS,) if conversation_id is not None else ())
    return change(*what, ids=ids, conversation_id=conversation_id, source=job)
