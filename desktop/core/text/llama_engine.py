"""Text engine on llama-cpp-python: GGUF models, streamed token by token.

The token loop is the same `Llama.generate` loop create_completion uses, so greedy output
is identical to raw llama-cpp-python. Text is detokenized one token at a time through an
incremental UTF-8 decoder (create_completion(stream=True) re-detokenizes everything
generated so far at every step, which grows quadratically).
"""

from __future__ import annotations

import codecs
import random
import re
import threading
import time
from pathlib import Path

from desktop.core.text import chat_prompt
from desktop.core.engine import ProgressCallback
from desktop.core.errors import Cancelled, ModelFileError, UserFacingError
from desktop.core.json_files import count
from desktop.core.text.gguf_header import GGUFHeader, read_header
from desktop.core.jobs import Progress
from desktop.core.text.text_request import COMPLETION, TextRequest, TextResult

# Markup tokens that some GGUFs mark "user-defined" rather than "control" (Gemma's
# <start_of_image>, <unusedN>), so llama.cpp prints them even with special tokens off.
_MARKUP_TOKEN = re.compile(r"<[^<>\s]{2,}>")

# The answer needs room: a conversation is trimmed to leave at least this share of the context.
MIN_REPLY_SHARE = 4


class LlamaTextEngine:
    modality = "text"

    def __init__(self, model_path: str | Path, *, n_ctx: int = 4096, n_threads: int = 1,
                 n_batch: int = 512):
        self.model_path = str(model_path)
        self.header: GGUFHeader = read_header(model_path)  # clear errors before llama.cpp sees it
        trained = self.header.context_length or n_ctx
        self.n_ctx = max(256, min(n_ctx, trained))
        self.n_threads = n_threads
        started = time.perf_counter()
        self.llm = _load_llama(self.model_path, self.header, n_ctx=self.n_ctx,
                               n_threads=n_threads, n_batch=n_batch)
        self.load_s = time.perf_counter() - started
        self._first_job = True
        self._hidden: dict[int, bool] = {}

    # -- Engine protocol -------------------------------------------------------------

    def memory_bytes(self) -> int:
        return self.header.file_size + _kv_cache_bytes(self.header, self.n_ctx)

    def close(self) -> None:
        llm, self.llm = self.llm, None
        if llm is not None:
            llm.close()

    @property
    def has_chat_template(self) -> bool:
        return self.header.chat_template is not None

    def generate(self, request: TextRequest, progress: ProgressCallback,
                 cancel: threading.Event) -> TextResult:
        request.validate()  # seeds are uint32 in llama.cpp: a larger one would wrap silently
        sampling = request.sampling
        seed = sampling.seed if sampling.seed >= 0 else random.randrange(2**31)
        prompt_tokens, dropped, stops = self._prompt_tokens(request)
        max_tokens = sampling.max_tokens if sampling.max_tokens > 0 else self.n_ctx
        max_tokens = min(max_tokens, self.n_ctx - len(prompt_tokens))

        started = time.perf_counter()
        self._eval_prompt(prompt_tokens, progress, cancel)
        prompt_s = time.perf_counter() - started

        self.llm.set_seed(seed)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="ignore")
        text, shown, count, finish = "", 0, 0, "length"
        gen_started = time.perf_counter()
        if max_tokens > 0:
            for token in self.llm.generate(
                prompt_tokens, top_k=sampling.top_k, top_p=sampling.top_p, min_p=sampling.min_p,
                temp=sampling.temperature, repeat_penalty=sampling.repeat_penalty,
            ):
                if cancel.is_set():
                    raise Cancelled(text[:shown])
                if self._is_end_of_generation(token):
                    finish = "stop"
                    break
                count += 1
                if not self._is_hidden(token):
                    text += decoder.decode(self.llm.detokenize([token]))
                cut = _first_stop(text, stops)
                if cut is not None:
                    text, finish = text[:cut], "stop"
                    break
                # Hold back a tail that may be the start of a stop string.
                visible = len(text) - _partial_stop_len(text, stops)
                progress(Progress(done=count, total=max_tokens, text=text[shown:visible]))
                shown = max(shown, visible)
                if count >= max_tokens:
                    break
        text += decoder.decode(b"", final=True)
        generate_s = time.perf_counter() - gen_started
        if shown < len(text):
            progress(Progress(done=count, total=max_tokens, text=text[shown:]))
        result = TextResult(
            text=text, finish_reason=finish, seed=seed, prompt_tokens=len(prompt_tokens),
            completion_tokens=count, dropped_messages=dropped, n_ctx=self.n_ctx,
            load_s=self.load_s if self._first_job else 0.0, prompt_s=prompt_s, generate_s=generate_s,
        )
        self._first_job = False
        return result

    # -- prompt --------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        """Tokens exactly as create_completion builds them: BOS if the model wants one,
        then the text with special tokens parsed."""
        tokens = self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
        if self.llm._model.add_bos_token() and self.llm.token_bos() != -1:
            tokens = [self.llm.token_bos()] + tokens
        return tokens

    def render_chat(self, messages) -> tuple[str, list[str]]:
        template = self.header.chat_template
        if template is None:
            return chat_prompt.render_transcript(messages), list(chat_prompt.FALLBACK_STOPS)
        prompt = chat_prompt.render_with_template(
            template, messages, bos=self._token_text(self.llm.token_bos()),
            eos=self._token_text(self.llm.token_eos()))
        return prompt, []

    def _chat_tokens(self, text: str) -> list[int]:
        # Templates write BOS themselves, so no extra BOS here (as llama-cpp-python's chat handler).
        return self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)

    def _prompt_tokens(self, request: TextRequest) -> tuple[list[int], int, list[str]]:
        stops = [s for s in request.sampling.stop if s]
        reply_room = min(max(request.sampling.max_tokens, 1), self.n_ctx // MIN_REPLY_SHARE)
        budget = self.n_ctx - reply_room
        if request.mode == COMPLETION:
            if not request.prompt:
                raise UserFacingError("The prompt is empty: type something for the model to continue.")
            tokens = self.tokenize(request.prompt)
            dropped = 0
        else:
            if not any(m.role == "user" and m.content.strip() for m in request.messages):
                raise UserFacingError("There is no message to answer: type one first.")
            count = lambda msgs: len(self._chat_tokens(self.render_chat(msgs)[0]))  # noqa: E731
            messages, dropped = chat_prompt.fit_to_context(list(request.messages), count, budget)
            prompt, template_stops = self.render_chat(messages)
            tokens = self._chat_tokens(prompt)
            stops += template_stops
        limit = self.n_ctx - 1 if request.mode == COMPLETION else budget
        if len(tokens) > limit:
            raise UserFacingError(
                f"The prompt is {len(tokens):,} tokens but this model's context holds "
                f"{self.n_ctx:,} (with room for the reply). Shorten it, or raise the context "
                "length in Settings if the model supports more."
            )
        return tokens, dropped, stops

    def _eval_prompt(self, tokens: list[int], progress: ProgressCallback, cancel: threading.Event) -> None:
        """Evaluate the prompt in llama.cpp's own batch size, checking cancel between batches
        (a long prompt would otherwise be one uninterruptible call). Reuses the KV cache for a
        shared prefix, as Llama.generate does; then generate() starts sampling at once."""
        llm = self.llm
        if llm._is_recurrent or getattr(llm, "_is_hybrid", False):
            return  # partial KV removal is unsupported there: let generate() handle it
        prefix = 0
        for cached, new in zip(llm._input_ids[: llm.n_tokens], tokens):
            if cached != new:
                break
            prefix += 1
        prefix = min(prefix, len(tokens) - 1)  # re-evaluate at least one token for fresh logits
        if prefix == 0:
            llm.reset()
        else:
            llm.n_tokens = prefix
        total = len(tokens)
        for start in range(prefix, total, llm.n_batch):
            if cancel.is_set():
                llm.n_tokens = start
                raise Cancelled()
            llm.eval(tokens[start:start + llm.n_batch])
            progress(Progress(done=min(start + llm.n_batch, total), total=total, unit="prompt tokens",
                              message="Reading the prompt"))

    # -- helpers -------------------------------------------------------------------------

    def _is_end_of_generation(self, token: int) -> bool:
        import llama_cpp

        return bool(llama_cpp.llama_vocab_is_eog(self.llm._model.vocab, token))

    def _is_hidden(self, token: int) -> bool:
        hidden = self._hidden.get(token)
        if hidden is None:
            import llama_cpp

            attr = llama_cpp.llama_vocab_get_attr(self.llm._model.vocab, token)
            hidden = bool(attr & llama_cpp.LLAMA_TOKEN_ATTR_USER_DEFINED) and bool(
                _MARKUP_TOKEN.fullmatch(self._token_text(token)))
            self._hidden[token] = hidden
        return hidden

    def _token_text(self, token: int) -> str:
        return self.llm._model.token_get_text(token) if token != -1 else ""


def _first_stop(text: str, stops: list[str]) -> int | None:
    positions = [text.find(s) for s in stops]
    found = [p for p in positions if p >= 0]
    return min(found) if found else None


def _partial_stop_len(text: str, stops: list[str]) -> int:
    """Length of the longest tail of `text` that is a proper prefix of some stop string."""
    longest = 0
    for stop in stops:
        for n in range(min(len(stop) - 1, len(text)), longest, -1):
            if text.endswith(stop[:n]):
                longest = n
                break
    return longest


def _kv_cache_bytes(header: GGUFHeader, n_ctx: int) -> int:
    arch, meta = header.architecture, header.metadata
    layers = count(meta.get(f"{arch}.block_count"), 0)
    embd = count(meta.get(f"{arch}.embedding_length"), 0)
    heads = count(meta.get(f"{arch}.attention.head_count"), 1) or 1
    kv_heads = count(meta.get(f"{arch}.attention.head_count_kv"), heads) or heads
    head_dim = count(meta.get(f"{arch}.attention.key_length"), embd // heads)
    return 2 * layers * n_ctx * kv_heads * head_dim * 2  # K and V, f16


def _load_llama(path: str, header: GGUFHeader, **options):
    import llama_cpp

    from desktop.core.text import llama_logs

    llama_logs.route()
    try:
        return llama_cpp.Llama(
            model_path=path, n_ctx=options["n_ctx"], n_threads=options["n_threads"],
            n_threads_batch=options["n_threads"], n_batch=options["n_batch"],
            n_gpu_layers=-1 if llama_cpp.llama_supports_gpu_offload() else 0,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelFileError(
            f"llama.cpp could not load {Path(path).name} (architecture '{header.architecture}'): "
            f"{exc}. The file may be damaged, or made for a newer llama.cpp than this app's."
        ) from None
