"""The token counters beside the Image studio's prompt and negative: an estimate at once, the
model's own count when its tokenizer has loaded, both worked out off the GUI thread."""

import threading

import pytest

pytest.importorskip("transformers")

from desktop.core.image.prompt_tokenizer import PromptTokenizer, find_tokenizer_folder, load_prompt_tokenizer  # noqa: E402
from desktop.core.prompt_chunks import CHUNK_TOKENS, MAX_CHUNKS, TokenCount  # noqa: E402
from desktop.ui.image import token_counter  # noqa: E402
from desktop.ui.image.image_form import ImageForm  # noqa: E402
from tiny_models import write_tiny_sd, write_tiny_sdxl  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    write_tiny_sd(folder / "sd")
    write_tiny_sdxl(folder / "sdxl")
    (folder / "single.safetensors").write_bytes(b"\0" * 16)  # a single file carries no tokenizer
    return folder


@pytest.fixture
def form(qtbot):
    form = ImageForm()
    qtbot.addWidget(form)
    return form


def test_tokenizer_folders_of_folders_and_single_files(models):
    assert find_tokenizer_folder(models / "sd") == models / "sd" / "tokenizer"
    assert find_tokenizer_folder(models / "single.safetensors") is None
    assert find_tokenizer_folder(models / "single.safetensors", [models / "sdxl"]) == models / "sdxl" / "tokenizer"
    assert load_prompt_tokenizer(None) is None


def test_the_count_is_the_engines_chunking(models):
    tokenizer = PromptTokenizer(models / "sd" / "tokenizer")
    assert tokenizer.count("a red cube") == TokenCount(8, 1)          # a letter a token in the tiny vocabulary
    assert tokenizer.count("(a red cube:1.3)") == TokenCount(8, 1)    # the syntax is not counted
    assert tokenizer.count("a BREAK b") == TokenCount(CHUNK_TOKENS + 1, 2)
    assert tokenizer.count("word " * 20) == TokenCount(80, 2)


def test_an_estimate_at_once_then_the_models_count(qtbot, form, models):
    form.prompt.setPlainText("a red cube")
    qtbot.waitUntil(lambda: form.prompt_tokens.text() == "≈ 3 tokens · 1 chunk")
    assert "75 tokens at a time" in form.prompt_tokens.toolTip() and "(word:1.3)" in form.prompt_tokens.toolTip()
    form.set_model_path(str(models / "sd"))
    qtbot.waitUntil(lambda: form.prompt_tokens.text() == "8 tokens · 1 chunk")
    qtbot.waitUntil(lambda: form.negative_tokens.text() == "0 tokens · 1 chunk")
    form.negative.setPlainText("blurry, " * 10)
    qtbot.waitUntil(lambda: form.negative_tokens.text() == "70 tokens · 1 chunk")


def test_a_single_file_counts_with_another_models_tokenizer(qtbot, form, models):
    form.set_model_path(str(models / "single.safetensors"), [str(models / "sdxl")])
    form.prompt.setPlainText("cube")
    qtbot.waitUntil(lambda: form.prompt_tokens.text() == "4 tokens · 1 chunk")


def test_no_tokenizer_anywhere_keeps_the_estimate(qtbot, form, models):
    form.set_model_path(str(models / "single.safetensors"))
    form.prompt.setPlainText("a red cube")
    qtbot.wait(2 * token_counter.DEBOUNCE_MS)
    qtbot.waitUntil(lambda: form.prompt_tokens.text() == "≈ 3 tokens · 1 chunk")


def test_past_the_limit_the_counter_says_so_in_red(qtbot, form, models):
    form.set_model_path(str(models / "sd"))
    qtbot.waitUntil(lambda: form.prompt_tokens.tokenizer is not None)
    form.prompt.setPlainText("x, " * (MAX_CHUNKS * CHUNK_TOKENS))
    qtbot.waitUntil(lambda: "only the first 750 are read" in form.prompt_tokens.text(), timeout=10000)
    assert "#d9534f" in form.prompt_tokens.styleSheet()
    form.prompt.setPlainText("x")
    qtbot.waitUntil(lambda: form.prompt_tokens.text() == "1 tokens · 1 chunk")
    assert form.prompt_tokens.styleSheet() == ""


def test_loading_and_counting_stay_off_the_gui_thread(qtbot, form, models, monkeypatch):
    threads = []
    load, count = PromptTokenizer.__init__, PromptTokenizer.count
    monkeypatch.setattr(PromptTokenizer, "__init__", lambda self, f: threads.append(threading.current_thread())
                        or load(self, f))
    monkeypatch.setattr(PromptTokenizer, "count", lambda self, p: threads.append(threading.current_thread())
                        or count(self, p))
    estimate = token_counter.estimate_tokens
    monkeypatch.setattr(token_counter, "estimate_tokens", lambda p: threads.append(threading.current_thread())
                        or estimate(p))
    form.prompt.setPlainText("a cube")
    qtbot.waitUntil(lambda: form.prompt_tokens.text().startswith("≈"))
    form.set_model_path(str(models / "sd"))
    qtbot.waitUntil(lambda: form.prompt_tokens.text() == "5 tokens · 1 chunk")
    assert len(threads) >= 3 and threading.main_thread() not in threads


def test_a_late_answer_for_older_text_is_dropped(qtbot, form):
    counter = form.prompt_tokens
    qtbot.waitUntil(lambda: counter.text() != "")
    counter._asked += 1                                     # a newer count is on its way
    counter._show((counter._asked - 1, TokenCount(999, 14)))
    assert "999" not in counter.text()
    counter._show((counter._asked, TokenCount(5, 1)))
    assert counter.text() == "5 tokens · 1 chunk"
