"""The llama.cpp text engine on tiny random-weight GGUFs written by the tests."""

import threading

import pytest

from desktop.core.errors import Cancelled, ModelFileError, UserFacingError
from desktop.core.text.llama_engine import LlamaTextEngine
from desktop.core.text.text_request import CHAT, COMPLETION, ChatMessage, Sampling, TextRequest


@pytest.fixture(scope="module")
def base_engine(tiny_gguf):
    engine = LlamaTextEngine(tiny_gguf, n_ctx=512, n_threads=2)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def chat_engine(tiny_chat_gguf):
    engine = LlamaTextEngine(tiny_chat_gguf, n_ctx=1024, n_threads=2)
    yield engine
    engine.close()


def completion(prompt="hello world", **sampling):
    return TextRequest(mode=COMPLETION, prompt=prompt, sampling=Sampling(**sampling))


def run(engine, request, cancel=None):
    chunks = []
    result = engine.generate(request, lambda p: chunks.append(p), cancel or threading.Event())
    return result, chunks


def test_streamed_text_adds_up_to_the_result(chat_engine):
    result, chunks = run(chat_engine, completion(max_tokens=40, temperature=0.7, seed=5))
    assert result.completion_tokens == 40 and result.finish_reason == "length"
    assert "".join(p.text for p in chunks) == result.text
    token_updates = [p for p in chunks if p.unit == "tokens"]
    assert token_updates[-1].done == 40


def test_greedy_matches_raw_llama_cpp(tiny_chat_gguf, chat_engine):
    import llama_cpp

    raw = llama_cpp.Llama(str(tiny_chat_gguf), n_ctx=1024, n_threads=2, n_threads_batch=2, verbose=False)
    try:
        for prompt in ("hello world", "the cat sat on the mat", "def f(): return 1"):
            expected = raw.create_completion(prompt, max_tokens=60, temperature=0, repeat_penalty=1.1)
            ours, _ = run(chat_engine, completion(prompt, max_tokens=60, temperature=0))
            assert ours.text == expected["choices"][0]["text"]
    finally:
        raw.close()


def test_same_seed_same_text_and_seed_is_reported(chat_engine):
    a, _ = run(chat_engine, completion(max_tokens=30, temperature=1.0, seed=1234))
    b, _ = run(chat_engine, completion(max_tokens=30, temperature=1.0, seed=1234))
    c, _ = run(chat_engine, completion(max_tokens=30, temperature=1.0, seed=-1))
    assert a.text == b.text and a.seed == 1234
    assert 0 <= c.seed < 2**31


def test_cancel_lands_within_one_token(chat_engine):
    cancel = threading.Event()
    seen = []

    def progress(p):
        if p.unit == "tokens":
            seen.append(p.done)
            if p.done == 5:
                cancel.set()

    with pytest.raises(Cancelled) as stopped:
        chat_engine.generate(completion(max_tokens=400, temperature=0), progress, cancel)
    assert max(seen) == 5  # not one token more
    assert len(stopped.value.partial) > 0


def test_cancel_before_start_stops_during_the_prompt(chat_engine):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        chat_engine.generate(completion("the cat " * 100, max_tokens=10), lambda p: None, cancel)
    # The engine is still usable afterwards.
    result, _ = run(chat_engine, completion(max_tokens=5, temperature=0))
    assert result.completion_tokens == 5


def test_stop_strings_end_the_text_and_are_never_shown(chat_engine):
    free, _ = run(chat_engine, completion(max_tokens=60, temperature=0))
    stop = free.text[10:13]
    assert len(stop) == 3
    result, chunks = run(chat_engine, completion(max_tokens=60, temperature=0, stop=[stop]))
    assert result.finish_reason == "stop"
    assert result.text == free.text[: free.text.find(stop)]
    assert "".join(p.text for p in chunks) == result.text


def test_chat_uses_the_models_template(chat_engine):
    text, _stops = chat_engine.render_chat([ChatMessage("system", "Be brief."), ChatMessage("user", "hi")])
    assert text == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    result, _ = run(chat_engine, TextRequest(mode=CHAT, messages=[ChatMessage("user", "hello the cat")],
                                             sampling=Sampling(max_tokens=12, temperature=0)))
    assert result.completion_tokens == 12


def test_base_models_fall_back_to_a_transcript(base_engine):
    text, stops = base_engine.render_chat([ChatMessage("user", "hi"), ChatMessage("assistant", "hello"),
                                           ChatMessage("user", "how are you?")])
    assert text == "User: hi\nAssistant: hello\nUser: how are you?\nAssistant:"
    assert "\nUser:" in stops


def test_long_conversations_drop_the_oldest_turns(chat_engine):
    messages = [ChatMessage("system", "You are terse.")]
    for i in range(40):
        messages += [ChatMessage("user", f"question {i} " + "the cat sat on the mat " * 6),
                     ChatMessage("assistant", "answer " * 20)]
    messages.append(ChatMessage("user", "last question"))
    result, _ = run(chat_engine, TextRequest(mode=CHAT, messages=messages, sampling=Sampling(max_tokens=16)))
    assert result.dropped_messages > 0
    assert result.prompt_tokens <= chat_engine.n_ctx - 16


def test_a_prompt_longer_than_the_context_gets_a_clear_message(base_engine):
    with pytest.raises(UserFacingError, match="context holds 512"):
        run(base_engine, completion("the cat sat on the mat " * 400, max_tokens=10))
    with pytest.raises(UserFacingError, match="context holds"):
        run(base_engine, TextRequest(mode=CHAT, messages=[ChatMessage("user", "dog " * 2000)],
                                     sampling=Sampling(max_tokens=10)))


def test_empty_prompts_get_a_clear_message(base_engine):
    with pytest.raises(UserFacingError, match="empty"):
        run(base_engine, completion(""))
    with pytest.raises(UserFacingError, match="no message"):
        run(base_engine, TextRequest(mode=CHAT, messages=[ChatMessage("user", "   ")]))


def test_corrupt_and_foreign_files_are_refused(tmp_path, tiny_gguf):
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(tiny_gguf.read_bytes()[:5000])
    with pytest.raises(ModelFileError, match="incomplete"):
        LlamaTextEngine(cut)
    pickle = tmp_path / "model.gguf"
    pickle.write_bytes(b"\x80\x04\x95 pickle data")
    with pytest.raises(ModelFileError, match="not a GGUF"):
        LlamaTextEngine(pickle)


def test_threads_and_context_are_applied(tiny_gguf):
    engine = LlamaTextEngine(tiny_gguf, n_ctx=100000, n_threads=2)
    try:
        assert engine.n_ctx == 512  # capped at what the model was trained for
        assert engine.llm.n_threads == 2
        assert engine.memory_bytes() > tiny_gguf.stat().st_size
    finally:
        engine.close()


@pytest.mark.parametrize("sampling, message", [
    ({"seed": 2**32}, "between 0 and 4294967294"),        # llama.cpp would wrap it to seed 0
    ({"seed": 2**32 - 1}, "between 0 and 4294967294"),    # llama.cpp's "pick a random seed"
    ({"temperature": float("nan")}, "Temperature must be a finite number"),
    ({"top_p": float("inf")}, "Top-p must be a finite number"),
])
def test_the_engine_refuses_seeds_it_would_wrap_and_nan(chat_engine, sampling, message):
    with pytest.raises(UserFacingError, match=message):
        run(chat_engine, completion(max_tokens=4, **sampling))


def test_the_largest_seed_is_its_own_and_differs_from_seed_0(chat_engine):
    a, _ = run(chat_engine, completion(max_tokens=24, temperature=1.5, top_k=0, top_p=1.0, seed=2**32 - 2))
    b, _ = run(chat_engine, completion(max_tokens=24, temperature=1.5, top_k=0, top_p=1.0, seed=2**32 - 2))
    zero, _ = run(chat_engine, completion(max_tokens=24, temperature=1.5, top_k=0, top_p=1.0, seed=0))
    assert a.text == b.text != zero.text and a.seed == 2**32 - 2


def test_memory_estimate_reads_per_layer_and_wrong_typed_counts():
    """Some architectures store head counts per layer (arrays); a foreign file may store anything."""
    from pathlib import Path

    from desktop.core.text.gguf_header import GGUFHeader
    from desktop.core.text.llama_engine import _kv_cache_bytes

    meta = {"general.architecture": "x", "x.block_count": 2, "x.embedding_length": 64,
            "x.attention.head_count": [4, 4], "x.attention.head_count_kv": [1, 2]}
    assert _kv_cache_bytes(GGUFHeader(Path("m.gguf"), 3, 0, meta), 100) == 2 * 2 * 100 * 2 * 16 * 2
    meta.update({"x.attention.head_count": "four", "x.attention.head_count_kv": None, "x.block_count": 2.5})
    assert _kv_cache_bytes(GGUFHeader(Path("m.gguf"), 3, 0, meta), 100) == 0  # no usable layer count
