"""What a generation job is, independent of modality and of Qt.

A job carries three things apart: the request (what to make), the engine options (how this
machine runs it: threads, context, model folders, precision — fixed when the job is queued,
built by `desktop/job_options.py` for the window and the CLI alike) and its origin (which
studio asked, and the conversation a reply belongs to). Its state is set by whoever runs it
(the job queue in the window, the runner in the CLI), never guessed from the outside."""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

_ids = itertools.count(1)


class JobKind(str, Enum):  # str: runners are found by name
    """Which pipeline runs the job (desktop/pipeline/runners.py)."""

    TEXT = "text"
    IMAGE = "image"
    UPSCALE = "upscale"
    AUDIO = "audio"
    VIDEO = "video"
    STORYBOARD = "storyboard"   # scenes' images, clips and narration, then the final video


class JobState(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def ended(self) -> bool:
        return self in (JobState.FINISHED, JobState.FAILED, JobState.CANCELLED)


class Studio(str, Enum):
    """Who asked: the studio a job's result belongs to (the CLI's `generate text` is the Text
    studio's, so its items show there like the window's)."""

    TEXT = "text"
    CODE = "code"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    STORY = "story"


@dataclass(frozen=True)
class EngineOptions:
    """How this machine runs a job; read by the pipelines, never by the submitter."""

    n_threads: int = 1
    n_ctx: int = 4096
    model_dirs: tuple[str, ...] = ()   # where single-file image models find their configurations
    precision: str = "auto"
    # Other apps' image models and tiny autoencoders (model_registry.Candidate), used in place:
    # configurations a single file can borrow, and sharper previews.
    found_models: tuple = ()


@dataclass(frozen=True)
class JobOrigin:
    """What the submitter wants back with the result, and how the library files it."""

    studio: Studio
    conversation_id: int | None = None  # a reply is added to this conversation with its row
    record_as: str = ""                 # the library item's kind when not the studio's (code-completion)

    @property
    def record_kind(self) -> str:
        return self.record_as or Studio(self.studio).value


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

    kind: JobKind
    request: Any
    model_path: str
    origin: JobOrigin
    options: EngineOptions = field(default_factory=EngineOptions)
    title: str = ""
    id: int = field(default_factory=lambda: next(_ids))
    cancel: threading.Event = field(default_factory=threading.Event)
    created_at: float = field(default_factory=time.time)
    state: JobState = JobState.QUEUED
    error: str = ""

    def __post_init__(self) -> None:
        self.kind = JobKind(self.kind)
