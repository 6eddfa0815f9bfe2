"""The models other apps keep — the Hugging Face cache, LM Studio, GPT4All, Jan, Ollama,
ComfyUI / A1111 / Forge — found by core/models/discovery in their standard places and in
the roots a person added (settings.other_app_dirs), and shared out to the studios'
registries as Candidates (plain path, source, name), used in place, never copied.

This joining lives here, at the package root, because core's studio packages may not import
core/models (nor each other): discovery says where a model is and what kind of file it is,
each studio's registry reads its header and has the last word.

The window's four model lists refresh together; OtherAppStores walks the disk once for all
of them per refresh round (a round starts on the GUI thread without touching the disk; the
first list to need the result scans, on the thread pool, and the others wait for it)."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from desktop.core.model_registry import Candidate, ModelProblem
from desktop.core.models import discovery
from desktop.core.models.discovery_types import (AUDIO, DIFFUSERS, DIFFUSERS_PART, GGUF, IMAGE, OLLAMA, ONNX_VOICE,
                                                 SAFETENSORS, TEXT, TRANSFORMERS, UNKNOWN, UPSCALER, FoundModel)

log = logging.getLogger(__name__)

TINY_AUTOENCODER = "AutoencoderTiny"


@dataclass(frozen=True)
class OtherAppModels:
    """One scan of the other apps' stores, hidden models left out; each studio's share."""
    models: tuple[FoundModel, ...] = ()
    problems: tuple[ModelProblem, ...] = ()
    truncated: bool = False

    def text(self) -> list[Candidate]:
        # An Ollama blob is a file named by its hash: the model's tag (llama3.2:1b) is its name.
        # Elsewhere the GGUF's own name reads better than the store's path.
        return [Candidate(m.path, m.source, m.name if m.source == OLLAMA else "", m.projector)
                for m in self.models if m.kind == GGUF and m.studio == TEXT]

    def image(self) -> list[Candidate]:
        return [_named(m) for m in self.models
                if m.kind in (DIFFUSERS, SAFETENSORS) and m.studio in (IMAGE, UNKNOWN)]

    def upscalers(self) -> list[Candidate]:
        return [_named(m) for m in self.models if m.kind == SAFETENSORS and m.studio in (UPSCALER, UNKNOWN)]

    def audio(self) -> list[Candidate]:
        # A voice is named from its file (the store's path above it is long); a transformers
        # folder by the store's name (a Hugging Face cache snapshot folder is named by its commit).
        voices = [Candidate(m.path, m.source) for m in self.models if m.kind == ONNX_VOICE]
        return voices + [_named(m) for m in self.models if m.kind == TRANSFORMERS and m.studio == AUDIO]

    def tiny_autoencoders(self) -> list[Candidate]:
        """TAESD / TAESDXL folders, for image previews (tiny_autoencoder.find_tiny_autoencoder)."""
        return [_named(m) for m in self.models if m.kind == DIFFUSERS_PART and m.detail == TINY_AUTOENCODER]


def _named(model: FoundModel) -> Candidate:
    return Candidate(model.path, model.source, model.name)


def discover_other_apps(other_app_dirs: Iterable[str] = (), hidden: Iterable[str] = (), *,
                        home: Path | None = None, environ: Mapping[str, str] | None = None,
                        platform: str | None = None, limits: discovery.ScanLimits | None = None) -> OtherAppModels:
    """Every standard place plus the added roots, each model once, hidden ones left out.
    Walks the disk (bounded by `limits`): never on the GUI thread. Defaults: this machine."""
    roots = [discovery.identify_root(Path(d).expanduser()) for d in other_app_dirs if str(d).strip()]
    scan = discovery.discover(home=home, environ=environ, platform=platform, extra=roots, limits=limits)
    hidden_paths = _hidden_paths(hidden)
    models = tuple(m for m in scan.models
                   if os.path.abspath(m.path) not in hidden_paths and m.real_path not in hidden_paths)
    if scan.truncated:
        log.warning("Other apps' model folders: a scan limit was reached; some models may be missing")
    for problem in scan.problems:
        log.info("Other apps' models: %s: %s", problem.path, problem.message)
    return OtherAppModels(models, tuple(scan.problems), scan.truncated)


def _hidden_paths(hidden: Iterable[str]) -> frozenset[str]:
    """A hidden model is matched by the path it was listed under or by the file behind it."""
    paths = set()
    for entry in hidden:
        if str(entry).strip():
            path = os.path.abspath(os.path.expanduser(entry))
            paths |= {path, os.path.realpath(path)}
    return frozenset(paths)


@dataclass(frozen=True)
class _Round:
    generation: int
    other_app_dirs: tuple[str, ...]
    hidden: tuple[str, ...]


class OtherAppStores:
    """The other apps' models for the window: one discovery per refresh round, shared by the
    model lists. `new_round` (GUI thread) only records what to scan; `current()` (thread
    pool) scans on first use in a round and hands the same result to every later caller.
    Two locks, so the GUI thread never waits for a scan: `_state` guards the round and the
    result, `_scanning` lets one scan run at a time while the others wait for its result.
    `discover_kwargs` go to discover_other_apps (tests point it at a fake home)."""

    def __init__(self, **discover_kwargs):
        self.discover_kwargs = discover_kwargs
        self.scans = 0  # discoveries run so far: one per refresh round
        self._round = _Round(0, (), ())
        self._result: tuple[int, OtherAppModels] | None = None
        self._state = threading.Lock()
        self._scanning = threading.Lock()

    def new_round(self, other_app_dirs: Iterable[str], hidden: Iterable[str]) -> None:
        """The next `current()` scans again, with these settings. Cheap: no disk access."""
        with self._state:
            self._round = _Round(self._round.generation + 1, tuple(other_app_dirs), tuple(hidden))

    def latest(self) -> OtherAppModels:
        """The last scan's models, without scanning or waiting: safe on the GUI thread (for a
        job's options, say); empty before the first scan."""
        with self._state:
            return self._result[1] if self._result is not None else OtherAppModels()

    def current(self) -> OtherAppModels:
        """This round's models; the first caller of a round scans (off the GUI thread only)."""
        with self._scanning:
            with self._state:
                wanted = self._round
                if self._result is not None and self._result[0] == wanted.generation:
                    return self._result[1]
            found = discover_other_apps(wanted.other_app_dirs, wanted.hidden, **self.discover_kwargs)
            with self._state:
                self.scans += 1
                self._result = (wanted.generation, found)
            return found
