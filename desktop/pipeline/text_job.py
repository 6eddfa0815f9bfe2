"""A text job end to end: the model from the cache, a 'running' row, generation, and the
commit of the result (and the assistant message of a conversation) before anyone is told
it is done. Shared by the inference worker and the CLI; no Qt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled
from desktop.core.jobs import Job
from desktop.core.text.llama_engine import LlamaTextEngine
from desktop.core.model_cache import ModelCache
from desktop.core.text.text_request import TextRequest, TextResult
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.store.asset_files import sha256_of_file
from desktop.store.generations import NewGeneration, transaction
from desktop.store.pending_commits import FinishedWork
from desktop.store.records import Message


@dataclass
class TextOutcome:
    generation_id: int
    result: TextResult
    message: Message | None = None  # the assistant message, when the job belongs to a conversation

    @property
    def generation_ids(self) -> tuple[int, ...]:
        return (self.generation_id,)


def load_text_engine(cache: ModelCache, model_path: str, n_ctx: int, n_threads: int) -> LlamaTextEngine:
    resolved = str(Path(model_path).resolve())
    size = Path(model_path).stat().st_size if Path(model_path).exists() else 0
    return cache.get_only(("text", resolved), (n_ctx, n_threads),
                          lambda: LlamaTextEngine(model_path, n_ctx=n_ctx, n_threads=n_threads), expected_bytes=size)


def model_hash(store: StoreAccess, model_path: str) -> str:
    path = Path(model_path).resolve()
    known = store.call(lambda lib: lib.generations.known_model_hash(path))
    if known:
        return known
    digest = sha256_of_file(path)  # hashed here, not on the writer thread, which must stay quick
    call_patiently(store, lambda lib: lib.generations.remember_model_hash(path, digest))
    return digest


def run_text_job(job: Job, cache: ModelCache, store: StoreAccess, progress: ProgressCallback) -> TextOutcome:
    request: TextRequest = job.request
    request.validate()  # before the model loads or a row is written
    conversation_id = job.origin.conversation_id
    engine = load_text_engine(cache, job.model_path, job.options.n_ctx, job.options.n_threads)
    new = NewGeneration(
        modality="text", kind=job.origin.record_kind, prompt=request.display_prompt(),
        params={"mode": request.mode, **request.sampling.as_params(), "n_ctx": engine.n_ctx,
                "n_threads": engine.n_threads},
        model_name=engine.header.name, model_path=engine.model_path,
        model_sha256=model_hash(store, engine.model_path), seed=request.sampling.seed if request.sampling.seed >= 0 else None,
        conversation_id=conversation_id,
    )
    generation_id = call_patiently(store, lambda lib: lib.generations.start(new), progress)
    def record_stop(stopped: Cancelled):
        def record(lib):
            with transaction(lib.conn):
                lib.generations.cancel(generation_id, stopped.partial)
                # A stopped chat reply is kept, as chat apps do; the generation says 'cancelled'.
                if conversation_id is not None and stopped.partial.strip():
                    lib.conversations.add_message(conversation_id, "assistant", stopped.partial, generation_id)
        return record

    result = run_recorded(store, generation_id, lambda: engine.generate(request, progress, job.cancel),
                          on_cancel=record_stop)

    # The row says done only together with the conversation's message (one transaction).
    message = commit_finished(store, FinishedWork(generation_id, output_text=result.text, stats=result.stats(),
                                                  seed=result.seed, conversation_id=conversation_id),
                              progress=progress)
    return TextOutcome(generation_id=generation_id, result=result, message=message)

