"""What a generation job is, independent of modality and of Qt."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

_ids = itertools.count(1)


@dataclass
class Progress:
    """A snapshot of how far a job is. `text` is new streamed text since the last snapshot."""

    done: int = 0
    total: int = 0
    unit: str = "tokens"
    text: str = ""
    message: str = ""
    eta_s: float | None = None
    preview: object = None  # a small PIL image of the work so far (image jobs)
    pieces: tuple = ()      # finished parts since the last snapshot (audio: sentences), never dropped


@dataclass
class Job:
    """One unit of work for the inference worker.

    `request` is a modality request dataclass; `model_path` names the model file or
    folder. `cancel` is set from the GUI thread by a plain call and read by the engine
    at every token / step / chunk.
    """

    modality: str
    request: Any
    model_path: str
    title: str = ""
    id: int = field(default_factory=lambda: next(_ids))
    cancel: threading.Event = field(default_factory=threading.Event)
    created_at: float = field(default_factory=time.time)
    # Opaque context the submitter wants back with the result (e.g. a conversation id).
    context: dict = field(default_factory=dict)
