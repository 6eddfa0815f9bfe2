"""Lineage as a file carries it, for every studio's metadata: Atelier's JSON gets "sources" (one
entry per source: relation, the source's library item id, the sha256 of the source file's
bytes, the file's name) and "typed_prompt" (what the person typed, when the prompt was
expanded or written for them). Ids are only meaningful in the library that made the file;
the hash identifies the source anywhere (an export, another library).

Reading back trusts nothing: the JSON may come from another tool or a hostile file, so only
well-formed entries are kept, at most MAX_SOURCES of them, every text bounded."""

from __future__ import annotations

import re

MAX_SOURCES = 64
MAX_NAME_CHARS = 255
MAX_RELATION_CHARS = 40
MAX_TYPED_PROMPT_CHARS = 20_000
SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_ID = 2**63


def entry(relation: str, generation_id: int | None, sha256: str, file_name: str) -> dict:
    """One source as written into a file ("" or None for what is not known)."""
    return {"relation": relation, "generation_id": generation_id, "sha256": sha256 or None,
            "file": file_name[:MAX_NAME_CHARS]}


def with_lineage(details: dict, sources: list[dict], typed_prompt: str = "") -> dict:
    """`details` (a file's Atelier JSON) plus its sources and typed prompt, each only when there
    is one: a file made from nothing says nothing about it."""
    extra = {}
    if sources:
        extra["sources"] = list(sources)
    if typed_prompt:
        extra["typed_prompt"] = typed_prompt
    return {**details, **extra}


def read_sources(value) -> list[dict]:
    """The well-formed entries of a file's "sources" (anything else, [])."""
    if not isinstance(value, list):
        return []
    found = []
    for item in value[:MAX_SOURCES]:
        if not isinstance(item, dict):
            continue
        relation, generation_id = item.get("relation"), item.get("generation_id")
        sha256, name = item.get("sha256"), item.get("file")
        if not isinstance(relation, str) or not relation or len(relation) > MAX_RELATION_CHARS:
            continue
        if generation_id is not None and (type(generation_id) is not int or not 0 < generation_id < MAX_ID):
            generation_id = None
        if not (isinstance(sha256, str) and SHA256.fullmatch(sha256)):
            sha256 = None
        name = name[:MAX_NAME_CHARS] if isinstance(name, str) else ""
        if generation_id is None and sha256 is None and not name:
            continue
        found.append({"relation": relation, "generation_id": generation_id, "sha256": sha256, "file": name})
    return found


def read_typed_prompt(value) -> str:
    return value[:MAX_TYPED_PROMPT_CHARS] if isinstance(value, str) else ""


def read_lineage(details) -> tuple[list[dict], str]:
    """(sources, typed prompt) from a file's Atelier JSON object (([], "") when it has none)."""
    if not isinstance(details, dict):
        return [], ""
    return read_sources(details.get("sources")), read_typed_prompt(details.get("typed_prompt"))
