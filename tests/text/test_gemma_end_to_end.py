"""The real built-in Gemma 3 270M (from PyPI): the app's path gives exactly what raw
llama-cpp-python greedy decoding gives, in the engine and through the CLI."""

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop.core import hardware
from desktop.core.text.llama_engine import LlamaTextEngine
from desktop.core.text.text_request import COMPLETION, Sampling, TextRequest

pytestmark = pytest.mark.gemma
PROMPT = 'def factorial(n):\n    """Return n factorial."""\n'
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def raw_greedy(gemma_gguf):
    import llama_cpp

    threads = hardware.physical_cores()
    raw = llama_cpp.Llama(str(gemma_gguf), n_ctx=4096, n_threads=threads, n_threads_batch=threads, verbose=False)
    try:
        out = raw.create_completion(PROMPT, max_tokens=48, temperature=0, repeat_penalty=1.1)
    finally:
        raw.close()
    return out["choices"][0]["text"]


def test_engine_reply_is_identical_to_raw_greedy(gemma_gguf, raw_greedy):
    engine = LlamaTextEngine(gemma_gguf, n_ctx=4096, n_threads=hardware.physical_cores())
    try:
        result = engine.generate(TextRequest(mode=COMPLETION, prompt=PROMPT,
                                             sampling=Sampling(temperature=0, max_tokens=48)),
                                 lambda p: None, threading.Event())
    finally:
        engine.close()
    assert result.text == raw_greedy
    assert "return" in result.text  # a sensible continuation of the function, not noise
    assert "<start_of_image>" not in result.text  # special tokens are hidden


def test_cli_streams_the_same_reply_and_records_it(gemma_gguf, raw_greedy, tmp_path):
    env = {**os.environ, "ATELIER_CONFIG_DIR": str(tmp_path / "cfg")}
    done = subprocess.run(
        [sys.executable, "main.py", "--data-dir", str(tmp_path / "data"), "generate", "text", PROMPT,
         "--temperature", "0", "--max-tokens", "48", "--ctx", "4096"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == raw_greedy + "\n"
    conn = sqlite3.connect(tmp_path / "data" / "library.sqlite3")
    status, output, model, params = conn.execute(
        "SELECT status, output_text, model_name, params FROM generations").fetchone()
    conn.close()
    assert (status, output) == ("done", raw_greedy)
    assert model == "Gemma 3 270m" and json.loads(params)["temperature"] == 0


def test_markup_tokens_are_hidden_but_newlines_are_not(gemma_gguf):
    engine = LlamaTextEngine(gemma_gguf, n_ctx=512, n_threads=hardware.physical_cores())
    try:
        image_token = engine.llm.tokenize(b"<start_of_image>", add_bos=False, special=True)
        newline = engine.llm.tokenize(b"\n", add_bos=False, special=True)
        assert len(image_token) == 1 and engine._is_hidden(image_token[0])
        assert not any(engine._is_hidden(t) for t in newline)
    finally:
        engine.close()
