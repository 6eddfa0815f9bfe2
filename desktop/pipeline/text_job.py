"""A text job end to end: the model from the cache, a 'running' row, generation, and the
commit of the result (and the assistant message of a conversation) before anyone is told
it is done. Shared by the inference worker and the CLI; no Qt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled
from desktop.core.jobs import Job
from desktop.core.models import fit
from desktop.core.text.gguf_header import read_header
from desktop.core.text.llama_engine import LlamaTextEngine, _kv_cache_bytes as kv_cache_bytes
from desktop.core.model_cache import ModelCache
from desktop.core.text.text_request import TextRequest, TextResult
from desktop.pipeline import load_guard
from desktop.pipeline.model_hashes import ModelHashing
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
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
    model, settings = ("text", resolved), (n_ctx, n_threads)
    size = 0
    if Path(model_path).is_file():  # a missing file is the engine's to report
        header = read_header(model_path)
        context = max(256, min(n_ctx, header.context_length or n_ctx))  # as the engine clamps it
        kv_per_token = kv_cache_bytes(header, 1)
        size = fit.language_model_bytes(header.file_size, kv_per_token, context)
        load_guard.make_room(
            cache, (*model, *settings),
            lambda machine: fit.for_language_model(header.file_size, kv_per_token, context, machine),
            header.name, _text_advice(context, kv_per_token))
    return cache.get_only(model, settings, lambda: LlamaTextEngine(model_path, n_ctx=n_ctx, n_threads=n_threads),
                          expected_bytes=size)


def _text_advice(context: int, kv_per_token: int) -> str:
    cache_bytes = context * kv_per_token
    shorter = (f" or a shorter context (Settings › Context length, now {context:,} tokens, whose cache alone "
               f"takes about {cache_bytes / 1e9:.1f} GB)") if cache_bytes >= 256 * 1024 * 1024 else ""
    return f"Choose a smaller quantization (Q4_K_M) or a smaller model{shorter}."


def run_text_job(job: Job, cache: ModelCache, store: StoreAccess, progress: ProgressCallback) -> TextOutcome:
    request: TextRequest = job.request
    request.validate()  # before the model loads or a row is written
    conversation_id = job.origin.conversation_id
    with ModelHashing(store, job.model_path, job.cancel) as hashing:  # read while the model loads
        engine = load_text_engine(cache, job.model_path, job.options.n_ctx, job.options.n_threads)
        model_sha256 = hashing.result()
    new = NewGeneration(
        modality="text", kind=job.origin.record_kind, prompt=request.display_prompt(),
        params={"mode": request.mode, **request.sampling.as_params(), "n_ctx": engine.n_ctx,
                "n_threads": engine.n_threads},
        model_name=engine.header.name, model_path=engine.model_path,
        model_sha256=model_sha256, seed=request.sampling.seed if request.sampling.seed >= 0 else None,
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

