"""Plain records read from the library; safe to pass between threads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields


def _known_columns(cls, row, *, skip: tuple = ()) -> dict:
    """The row's columns that `cls` has fields for: a newer Atelier may have added columns
    (an additive migration, desktop/store/schema_versions.py) that this version ignores."""
    names = {f.name for f in fields(cls)} - set(skip)
    return {k: row[k] for k in row.keys() if k in names}


@dataclass(frozen=True)
class Conversation:
    id: int
    studio: str
    title: str
    system_prompt: str
    model_path: str
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row) -> "Conversation":
        return cls(**_known_columns(cls, row))


@dataclass(frozen=True)
class Message:
    id: int
    conversation_id: int
    role: str
    content: str
    generation_id: int | None
    created_at: float

    @classmethod
    def from_row(cls, row) -> "Message":
        return cls(**_known_columns(cls, row))


@dataclass(frozen=True)
class Generation:
    id: int
    modality: str
    kind: str
    prompt: str
    negative: str
    output_text: str
    params: dict
    model_name: str
    model_path: str
    model_sha256: str
    seed: int | None
    status: str
    error: str
    stats: dict
    conversation_id: int | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    favorite: int = 0
    rating: int | None = None
    trashed_at: float | None = None
    owner: str | None = None  # lease token of the process running it (desktop/store/leases.py)
    assets: tuple = field(default=())

    @classmethod
    def from_row(cls, row, assets=()) -> "Generation":
        values = _known_columns(cls, row, skip=("assets",))
        values["params"] = json.loads(values["params"] or "{}")
        values["stats"] = json.loads(values["stats"] or "{}")
        return cls(**values, assets=tuple(assets))
