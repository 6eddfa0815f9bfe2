"""Enhance prompt in the Image and Video studios (driven with qtbot on the real window and the
real built-in model), and the PromptWriter that runs it: off the GUI thread, one request at a
time, the model loaded once, a newer request replacing an older one."""

import threading
import time

import pytest
from PySide6.QtWidgets import QApplication, QPlainTextEdit, QScrollArea

from app_window import open_window
from desktop.core.text import llama_engine
from desktop.ui.widgets import prompt_suggestion as box_texts
from desktop.ui.widgets.prompt_suggestion import PromptSuggestion
from desktop.viewmodels import prompt_writer as writer_module
from desktop.viewmodels.prompt_writer import PromptWriter
from desktop.workers.background import Background
from tests.shell.test_small_window import SMALL, cut_widgets

WRITTEN_WITHIN_MS = 120000  # the real model on a loaded 2-core CI machine


@pytest.fixture
def engine_threads(monkeypatch):
    """Where the built-in model was loaded and run: [("load" | "generate", thread id), ...]."""
    seen = []

    class Recording(llama_engine.LlamaTextEngine):
        def __init__(self, *args, **kwargs):
            seen.append(("load", threading.get_ident()))
            super().__init__(*args, **kwargs)

        def generate(self, *args, **kwargs):
            seen.append(("generate", threading.get_ident()))
            return super().generate(*args, **kwargs)

    monkeypatch.setattr(llama_engine, "LlamaTextEngine", Recording)
    return seen


@pytest.fixture
def window(qtbot, data_dir, gemma_gguf):
    window, services = open_window(qtbot, data_dir)
    yield window, services
    services.shutdown()


def studio_form(window, services, key):
    window.show_panel(key)
    form = window.panel(key).form
    form.set_prompt_writer(services.prompt_writer)  # what the panel hands its form (services.prompt_writer)
    return form


def wait_for_suggestion(qtbot, form):
    qtbot.waitUntil(lambda: form.suggestion.use_button.isEnabled() or form.suggestion.retry_button.isEnabled(),
                    timeout=WRITTEN_WITHIN_MS)
    assert form.suggestion.use_button.isEnabled(), form.suggestion.status.text()


@pytest.mark.gemma
def test_image_studio_enhance_shows_an_editable_suggestion_and_use_fills_the_prompt(qtbot, window, engine_threads):
    window, services = window
    panel = window.panel("image")
    form = studio_form(window, services, "image")
    box = form.suggestion
    assert not box.isVisible() and not form.enhance_button.isEnabled()
    form.seed.setValue(42)
    form.prompt.setPlainText("a red fox in the snow")
    assert form.enhance_button.isEnabled()
    hover(form.enhance_button)  # the pointer on the button: the model loads and reads its examples
    qtbot.waitUntil(lambda: bool(engine_threads) and not services.prompt_writer.busy(), timeout=WRITTEN_WITHIN_MS)
    assert [what for what, _ in engine_threads] == ["load"] and not box.isVisible()

    started = time.perf_counter()
    qtbot.mouseClick(form.enhance_button, qtbot_left())
    assert time.perf_counter() - started < 0.5, "the click returns at once: the model loads on the pool"
    assert box.isVisible() and box.status.text() == box_texts.WRITING and not box.use_button.isEnabled()
    wait_for_suggestion(qtbot, form)
    suggestion = box.text.toPlainText()
    assert suggestion.startswith("a red fox in the snow, ") and "seed 42" in box.status.text()

    edited = suggestion + ", watercolor"
    box.text.setPlainText(edited)  # the suggestion is editable before use
    qtbot.mouseClick(box.use_button, qtbot_left())
    assert form.prompt.toPlainText() == edited and not box.isVisible()
    assert form.typed_prompt() == "a red fox in the snow"
    request = panel.build_request()
    assert (request.prompt, request.typed_prompt) == (edited, "a red fox in the snow")

    form.prompt.setPlainText(edited + " at dusk")  # the person changed the expansion: it is theirs now
    assert form.typed_prompt() == "" and panel.build_request().typed_prompt == ""

    gui = threading.get_ident()
    assert engine_threads and all(ident != gui for _what, ident in engine_threads)
    assert [what for what, _ in engine_threads].count("load") == 1


@pytest.mark.gemma
def test_video_studio_enhance_try_again_takes_the_next_seed_and_discard_hides(qtbot, window, engine_threads):
    window, services = window
    panel = window.panel("video")
    form = studio_form(window, services, "video")
    box = form.suggestion
    form.seed.setValue(7)
    form.prompt.setPlainText("waves on a beach")
    qtbot.mouseClick(form.enhance_button, qtbot_left())
    wait_for_suggestion(qtbot, form)
    first = box.text.toPlainText()
    assert first.startswith("waves on a beach, ") and "seed 7" in box.status.text()

    qtbot.mouseClick(box.retry_button, qtbot_left())
    assert box.status.text() == box_texts.WRITING
    wait_for_suggestion(qtbot, form)
    assert "seed 8" in box.status.text() and box.text.toPlainText().startswith("waves on a beach, ")

    qtbot.mouseClick(box.discard_button, qtbot_left())
    assert not box.isVisible() and form.prompt.toPlainText() == "waves on a beach"
    assert form.typed_prompt() == "" and panel.build_request().typed_prompt == ""

    hover(form.enhance_button)  # reading the examples ahead changes nothing in what is written
    qtbot.mouseClick(form.enhance_button, qtbot_left())
    wait_for_suggestion(qtbot, form)
    assert box.text.toPlainText() == first, "the same prompt and seed give the same expansion"
    qtbot.mouseClick(box.use_button, qtbot_left())
    request = panel.build_request()
    assert (request.prompt, request.typed_prompt) == (first, "waves on a beach")

    gui = threading.get_ident()
    assert all(ident != gui for _what, ident in engine_threads)
    assert [what for what, _ in engine_threads].count("load") == 1, "the model stays loaded between requests"


def test_enhance_is_disabled_with_the_reason_when_it_cannot_run(qtbot):
    prompt = QPlainTextEdit()
    box = PromptSuggestion(prompt, "image")
    qtbot.addWidget(prompt)
    qtbot.addWidget(box)
    prompt.setPlainText("a cat")
    assert not box.enhance_button.isEnabled() and box.enhance_button.toolTip() == box_texts.NO_WRITER

    background = Background()
    box.set_writer(PromptWriter(background, installed=lambda: False))
    assert not box.enhance_button.isEnabled() and box.enhance_button.toolTip() == box_texts.NOT_INSTALLED

    box.set_writer(PromptWriter(background, installed=lambda: True))
    assert box.enhance_button.isEnabled()
    prompt.setPlainText("  \n ")
    assert not box.enhance_button.isEnabled() and box.enhance_button.toolTip() == box_texts.EMPTY
    box.enhance_button.click()
    assert not box.isVisible()


def test_a_missing_model_file_is_said_in_the_suggestion_box(qtbot):
    prompt = QPlainTextEdit("a cat")
    box = PromptSuggestion(prompt, "video")
    qtbot.addWidget(prompt)
    qtbot.addWidget(box)
    box.set_writer(PromptWriter(Background(), installed=lambda: True, locate=lambda: None))
    box.show()
    box.enhance_button.click()
    qtbot.waitUntil(lambda: box.status.text() != box_texts.WRITING, timeout=10000)
    assert box.status.text() == writer_module.NOT_INSTALLED
    assert box.retry_button.isEnabled() and not box.use_button.isEnabled()


@pytest.mark.parametrize("key", ["image", "video"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_suggestion_fits_a_900_by_600_window(qtbot, window, key, theme):
    window, services = window
    window.theme.apply(theme)
    window.resize(*SMALL)
    form = studio_form(window, services, key)
    form.prompt.setPlainText("a lighthouse")
    box = form.suggestion
    box.show()
    box.status.setText(writer_module.NOT_INSTALLED)  # the longest thing it says
    box.text.setPlainText("a lighthouse, " + "white tower on a rocky coast, " * 8)
    box.use_button.setEnabled(True)
    QApplication.processEvents()
    qtbot.wait(30)
    assert box.isVisible() and form.enhance_button.isVisible()
    problems = cut_widgets(window)
    assert not problems, "\n".join(problems)
    scroll = form.parentWidget()
    while not isinstance(scroll, QScrollArea):
        scroll = scroll.parentWidget()
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width(), \
        "the settings column is wider than its scroll area: its right edge would be cut"
    window.theme.apply("light")


# -- the runner ------------------------------------------------------------------------------------

@pytest.fixture
def probe(monkeypatch):
    """A task that records how many requests ran at once, on which thread, and with what text."""
    state = {"running": 0, "most": 0, "texts": [], "threads": set(), "lock": threading.Lock()}

    def task(complete, text, seed):
        with state["lock"]:
            state["running"] += 1
            state["most"] = max(state["most"], state["running"])
        state["threads"].add(threading.get_ident())
        time.sleep(0.15)
        state["texts"].append(text)
        with state["lock"]:
            state["running"] -= 1
        return f"{text}/{seed}"

    monkeypatch.setitem(writer_module.TASKS, "probe", task)
    return state


@pytest.mark.gemma
def test_writer_runs_one_request_at_a_time_and_a_newer_one_replaces_the_older(qtbot, gemma_gguf, probe):
    writer = PromptWriter(Background(), installed=lambda: True, locate=lambda: gemma_gguf)
    answers, failures = [], []
    writer.written.connect(lambda request, result: answers.append((request, result)))
    writer.failed.connect(lambda request, message: failures.append((request, message)))
    first = writer.write("probe", "image 1", 1, key="image")
    replaced = writer.write("probe", "video 1", 2, key="video")
    latest = writer.write("probe", "video 2", 3, key="video")  # replaces the pending "video 1"
    qtbot.waitUntil(lambda: len(answers) == 2 and not writer.busy(), timeout=60000)
    assert answers == [(first, "image 1/1"), (latest, "video 2/3")] and not failures
    assert replaced not in [request for request, _ in answers] and "video 1" not in probe["texts"]
    assert probe["most"] == 1 and threading.get_ident() not in probe["threads"]

    running = writer.write("probe", "image 2", 4, key="image")
    qtbot.waitUntil(lambda: probe["running"] == 1, timeout=10000)
    newest = writer.write("probe", "image 3", 5, key="image")  # the running one is cancelled, never answered
    qtbot.waitUntil(lambda: not writer.busy(), timeout=60000)
    assert answers[2:] == [(newest, "image 3/5")] and running not in [r for r, _ in answers]

    writer.close()
    assert writer._engine is None, "closing frees the model"
    writer.write("probe", "after close", 6, key="image")
    qtbot.wait(300)
    assert "after close" not in probe["texts"] and len(answers) == 3


def hover(button):
    from PySide6.QtCore import QEvent

    QApplication.sendEvent(button, QEvent(QEvent.Enter))


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.LeftButton
