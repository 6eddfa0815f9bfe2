"""The Text and Code studios driven like a person would, with qtbot, on tiny GGUFs."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QPalette
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from desktop.ui.shell.main_window import MainWindow
from desktop.ui.shell.settings_dialog import SettingsDialog
from desktop.ui.shell.theme import Theme

ROOT = Path(__file__).resolve().parents[2]


def db_rows(data_dir, sql, *args):
    conn = sqlite3.connect(data_dir / "library.sqlite3")
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def send(qtbot, panel, text):
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=20000):
        panel.input.setPlainText(text)
        qtbot.keyClick(panel.input, Qt.Key_Return, Qt.ControlModifier)


def test_type_send_stream_and_keep(qtbot, text_panel, data_dir):
    streamed = []
    text_panel.services.queue.job_progress.connect(lambda job, p: streamed.append(p.text))
    assert text_panel.current_mode() == "chat"
    send(qtbot, text_panel, "hello the cat")
    shown = text_panel.view.messages()
    assert [m.role for m in shown] == ["user", "assistant"]
    assert shown[1].id is not None and shown[1].content == "".join(streamed)
    rows = db_rows(data_dir, "SELECT role, content FROM messages ORDER BY id")
    assert rows == [("user", "hello the cat"), ("assistant", shown[1].content)]
    assert db_rows(data_dir, "SELECT status, kind FROM generations") == [("done", "text")]
    assert "tok/s" in text_panel.status.text()
    qtbot.waitUntil(lambda: text_panel.conversations.rowCount() == 1)
    assert text_panel.conversations.conversations()[0].title == "hello the cat"


def test_stop_mid_stream_keeps_the_partial_reply_marked(qtbot, text_panel, data_dir):
    text_panel.sampling.max_tokens.setValue(4000)
    queue = text_panel.services.queue
    text_panel.input.setPlainText("the dog")
    with qtbot.waitSignal(queue.job_progress, timeout=20000,
                          check_params_cb=lambda job, p: bool(p.text)):
        qtbot.keyClick(text_panel.input, Qt.Key_Return, Qt.ControlModifier)
    assert text_panel.stop_button.isEnabled() and not text_panel.send_button.isEnabled()
    with qtbot.waitSignal(queue.job_cancelled, timeout=10000):
        qtbot.keyClick(text_panel.input, Qt.Key_Escape)
    assert db_rows(data_dir, "SELECT status FROM generations") == [("cancelled",)]
    qtbot.waitUntil(lambda: len(text_panel.view.messages()) == 2 and text_panel.view.messages()[1].id is not None)
    assert text_panel.view.messages()[1].note == "Stopped before the end."
    assert text_panel.send_button.isEnabled()


def test_switching_conversations_shows_their_messages(qtbot, text_panel):
    send(qtbot, text_panel, "first conversation")
    text_panel.new_conversation()
    assert text_panel.view.messages() == []
    send(qtbot, text_panel, "second conversation")
    qtbot.waitUntil(lambda: text_panel.conversations.rowCount() == 2)
    row = text_panel.conversations.row_of(next(c.id for c in text_panel.conversations.conversations()
                                               if c.title == "first conversation"))
    text_panel.sidebar.list.setCurrentIndex(text_panel.conversations.index(row))
    qtbot.waitUntil(lambda: bool(text_panel.view.messages())
                    and text_panel.view.messages()[0].content == "first conversation")


def test_search_rename_and_delete_conversations(qtbot, text_panel, monkeypatch, data_dir):
    send(qtbot, text_panel, "about lighthouses")
    text_panel.new_conversation()
    send(qtbot, text_panel, "about gardens")
    qtbot.waitUntil(lambda: text_panel.conversations.rowCount() == 2)
    text_panel.sidebar.search.setText("lighthou")
    qtbot.waitUntil(lambda: text_panel.conversations.rowCount() == 1)
    text_panel.sidebar.list.setCurrentIndex(text_panel.conversations.index(0))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Coastal notes", True))
    text_panel.sidebar.rename_current()
    qtbot.waitUntil(lambda: text_panel.conversations.rowCount() == 1
                    and text_panel.conversations.conversations()[0].title == "Coastal notes")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    text_panel.sidebar.delete_current()
    qtbot.waitUntil(lambda: text_panel.conversations.rowCount() == 0)
    assert [r[0] for r in db_rows(data_dir, "SELECT title FROM conversations")] == ["about gardens"]


def test_regenerate_and_edit_and_resend(qtbot, text_panel, data_dir):
    text_panel.sampling.temperature.setValue(1.0)
    send(qtbot, text_panel, "tell me about cats")
    first_reply = text_panel.view.messages()[1]
    with qtbot.waitSignal(text_panel.services.queue.job_finished, timeout=20000):
        text_panel.regenerate_button.click()
    messages = text_panel.view.messages()
    assert [m.role for m in messages] == ["user", "assistant"] and messages[1].content != first_reply.content
    text_panel.edit_message(messages[0].id)
    assert text_panel.input.toPlainText() == "tell me about cats"
    send(qtbot, text_panel, "tell me about dogs")
    rows = db_rows(data_dir, "SELECT role, content FROM messages ORDER BY id")
    assert [r[0] for r in rows] == ["user", "assistant"] and rows[0][1] == "tell me about dogs"


def test_export_conversation_as_markdown(qtbot, text_panel, tmp_path):
    text_panel.system_prompt.setPlainText("Be brief.")
    send(qtbot, text_panel, "what is a **lighthouse**?")
    target = tmp_path / "export.md"
    text_panel.export_markdown_to(target)
    qtbot.waitUntil(target.exists)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# what is a **lighthouse**?")
    assert "## System\n\nBe brief." in text
    assert "## You\n\nwhat is a **lighthouse**?" in text and "## Assistant" in text


def test_base_models_are_offered_for_completion(qtbot, window, tiny_gguf, data_dir):
    panel = window.panel("text")
    panel.picker.choose(str(tiny_gguf))
    assert panel.current_mode() == "completion"
    assert panel.banner.isVisible() and "no chat template" in panel.banner.text()
    assert panel.send_button.text() == "Continue"
    # Chat is not offered for a base model, and says why; a chat model offers it again.
    chat = panel.mode.model().item(panel.mode.findData("chat"))
    assert not chat.isEnabled() and "chat template" in chat.toolTip()
    panel.mode.activated.emit(0)  # a person picking from the list marks the mode as chosen
    panel.picker.choose(str(tiny_gguf))
    assert panel.current_mode() == "completion"
    panel.sampling.max_tokens.setValue(10)
    send(qtbot, panel, "the cat sat")
    assert db_rows(data_dir, "SELECT json_extract(params, '$.mode') FROM generations") == [("completion",)]


def test_a_chat_model_offers_chat_again_after_a_base_model(qtbot, window, tiny_gguf, tiny_chat_gguf):
    panel = window.panel("text")
    panel.picker.choose(str(tiny_gguf))
    panel.picker.choose(str(tiny_chat_gguf))
    chat = panel.mode.model().item(panel.mode.findData("chat"))
    assert chat.isEnabled() and chat.toolTip() == "" and panel.current_mode() == "chat"


def test_too_long_prompt_shows_an_actionable_error(qtbot, window, tiny_gguf):
    panel = window.panel("text")
    panel.picker.choose(str(tiny_gguf))  # 512-token context
    panel.input.setPlainText("the cat sat on the mat " * 300)
    with qtbot.waitSignal(panel.services.queue.job_failed, timeout=20000):
        panel.send_button.click()
    assert panel.error.isVisible() and "context holds 512" in panel.error.text()
    assert panel.send_button.isEnabled()


def test_code_completion_streams_into_the_editor(qtbot, window, tiny_chat_gguf, data_dir):
    panel = window.panel("code")
    window.show_panel("code")
    panel.picker.choose(str(tiny_chat_gguf))
    panel.sampling.max_tokens.setValue(30)
    panel.code.setPlainText("def add(a, b):\n")
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=20000):
        panel.complete_button.click()
    assert panel.code.toPlainText().startswith("def add(a, b):\n")
    assert len(panel.code.toPlainText()) > len("def add(a, b):\n")
    assert db_rows(data_dir, "SELECT kind, status FROM generations") == [("code-completion", "done")]


def test_code_actions_code_blocks_copy_and_save(qtbot, window, tiny_chat_gguf, tmp_path):
    panel = window.panel("code")
    panel.picker.choose(str(tiny_chat_gguf))
    panel.sampling.max_tokens.setValue(20)
    panel.language.setCurrentText("Rust")
    panel.code.setPlainText("fn main() { println!(\"hi\"); }")
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=20000):
        panel.action_buttons["Fix this"].click()
    question = panel.view.messages()[0].content
    assert question.startswith("Find the bugs in this Rust code")
    assert "```rust\nfn main() { println!(\"hi\"); }\n```" in question
    assert "Rust" in panel.system_prompt.toPlainText()
    block = panel.view.code_block(0, 0)
    assert block.language == "rust" and block.code.strip() == 'fn main() { println!("hi"); }'
    html = panel.view.toHtml()
    assert "code:copy:0:0" in html and "code:save:0:0" in html
    panel.view.anchorClicked.emit(QUrl("code:copy:0:0"))
    assert QApplication.clipboard().text() == block.code
    target = tmp_path / "main.rs"
    panel.save_code_to(block, target)
    qtbot.waitUntil(target.exists)
    assert target.read_text() == block.code


def test_model_text_is_escaped_not_rendered_as_html(qtbot, text_panel):
    from desktop.ui.text.chat_view import ShownMessage

    text_panel.view.set_messages([ShownMessage(1, "assistant", "<b>bold?</b> <img src=x onerror=alert(1)>")])
    assert "<img" not in text_panel.view.toHtml() and "&lt;b&gt;bold?" in text_panel.view.toHtml()


def test_dropping_a_broken_gguf_is_refused_with_a_message(qtbot, window, tmp_path, tiny_gguf, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    broken = tmp_path / "half.gguf"
    broken.write_bytes(tiny_gguf.read_bytes()[:3000])
    count = window.services.models.rowCount()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(broken))])
    event = QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: bool(warnings), timeout=5000)
    assert "half.gguf was not added" in warnings[0] and "incomplete" in warnings[0]
    assert window.services.models.rowCount() == count


def test_dropping_a_good_gguf_adds_it(qtbot, window, tmp_path, tiny_gguf):
    copy = tmp_path / "dropped.gguf"
    copy.write_bytes(tiny_gguf.read_bytes())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(copy))])
    with qtbot.waitSignal(window.services.models.model_added, timeout=5000):
        window.dropEvent(QDropEvent(QPointF(5, 5), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    assert str(copy.resolve()) in window.services.settings.get("model_files")
    assert window.services.models.find(str(copy)) is not None


def test_settings_dialog_applies_threads_context_and_theme(qtbot, window):
    dialog = SettingsDialog(window.services.settings, "/tmp/data", window)
    qtbot.addWidget(dialog)
    dialog.editor("cpu_threads").setValue(3)
    dialog.editor("context_length").setValue(2048)
    dialog.editor("theme").setCurrentIndex(dialog.editor("theme").findData("dark"))
    dialog.apply()
    options = window.services.engine_options()
    assert (options.n_threads, options.n_ctx) == (3, 2048)
    assert window.services.settings.get("theme") == "dark"


def test_theme_switches_palette_and_tells_views(qtbot):
    app = QApplication.instance()
    theme = Theme(app, "light")
    seen = []
    theme.changed.connect(seen.append)
    theme.apply("dark")
    assert app.palette().color(QPalette.Window).lightness() < 100 and seen == [True]
    theme.apply("light")
    assert app.palette().color(QPalette.Window).lightness() > 150 and seen == [True, False]


def test_window_geometry_is_restored(qtbot, services):
    theme = Theme(QApplication.instance(), "light")
    first = MainWindow(services.settings, theme, services)
    qtbot.addWidget(first)
    first.show()
    first.resize(777, 555)
    first.close()
    assert services.settings.get("window_geometry")
    second = MainWindow(services.settings, theme, services)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (777, 555)


def test_first_window_is_painted_before_heavy_libraries_load(tmp_path):
    env = {**os.environ, "ATELIER_CONFIG_DIR": str(tmp_path / "cfg"), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "main.py", "--data-dir", str(tmp_path / "data"), "--startup-report"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    events = {e["event"]: e for e in map(json.loads, done.stdout.strip().splitlines())}
    assert events["first_paint"]["heavy_modules_loaded"] == []
    assert events["ready"]["seconds"] >= events["first_paint"]["seconds"]


def test_code_studio_with_a_base_model_completes_in_the_editor(qtbot, window, tiny_gguf):
    panel = window.panel("code")
    window.show_panel("code")
    panel.picker.choose(str(tiny_gguf))
    assert panel.current_mode() == "completion"
    assert not panel.input.isVisible() and panel.complete_button.isVisible()
    panel.sampling.max_tokens.setValue(8)
    panel.code.setPlainText("x = 1\n")
    with qtbot.waitSignal(panel.services.queue.job_finished, timeout=20000):
        qtbot.keyClick(panel.code, Qt.Key_Return, Qt.ControlModifier)
    assert len(panel.code.toPlainText()) > len("x = 1\n")
    assert panel.view.messages() == []  # the editor, not the chat, got the text


def test_a_conversation_longer_than_the_context_says_what_was_left_out(qtbot, text_panel, data_dir):
    text_panel.services.settings.set("context_length", 512)
    text_panel.sampling.max_tokens.setValue(64)
    for i in range(4):
        send(qtbot, text_panel, f"message {i}: " + "the cat sat on the mat " * 12)
    last = text_panel.view.messages()[-1]
    assert "earliest message(s) were left out" in last.note and "512-token context" in last.note
    stats = db_rows(data_dir, "SELECT json_extract(stats, '$.dropped_messages') FROM generations ORDER BY id")
    assert stats[0][0] == 0 and stats[-1][0] > 0


def test_presets_set_the_system_prompt_and_wrap_the_text(qtbot, text_panel):
    text_panel.input.setPlainText("Long text about tides.")
    text_panel.preset.setCurrentIndex(2)  # Summarize
    text_panel.preset.activated.emit(2)
    assert text_panel.system_prompt.toPlainText() == "You summarize faithfully and briefly."
    assert text_panel.input.toPlainText().startswith("Summarize the following text")
    assert text_panel.input.toPlainText().endswith("Long text about tides.")
    names = [text_panel.preset.itemText(i) for i in range(text_panel.preset.count())]
    assert {"Summarize", "Translate", "E-mail", "Poem", "Explain"} <= set(names)


def test_copy_a_message(qtbot, text_panel):
    send(qtbot, text_panel, "copy me")
    text_panel.view.anchorClicked.emit(QUrl("msg:copy:0"))
    assert QApplication.clipboard().text() == "copy me"


def test_closing_during_a_generation_cancels_it_and_stops_the_thread(qtbot, text_panel, data_dir):
    import time

    text_panel.sampling.max_tokens.setValue(4000)
    text_panel.input.setPlainText("keep going")
    with qtbot.waitSignal(text_panel.services.queue.job_progress, timeout=20000,
                          check_params_cb=lambda job, p: bool(p.text)):
        text_panel.send()
    started = time.monotonic()
    text_panel.services.shutdown()
    assert time.monotonic() - started < 5
    assert text_panel.services.inference.thread.isFinished()
    assert db_rows(data_dir, "SELECT status FROM generations") == [("cancelled",)]


def test_status_area_shows_running_and_queued_jobs_and_removes_one(qtbot, window, tiny_chat_gguf):
    from desktop.core.jobs import Job, JobKind, JobOrigin, Studio
    from desktop.core.text.text_request import COMPLETION, Sampling, TextRequest

    def job(title):
        request = TextRequest(mode=COMPLETION, prompt="the cat", sampling=Sampling(max_tokens=4000))
        return Job(JobKind.TEXT, request, str(tiny_chat_gguf), JobOrigin(Studio.TEXT), title=title)

    services, bar = window.services, window.jobs_bar
    running = services.queue.submit(job("long one"))
    queued = services.queue.submit(job("waiting one"))
    assert bar.label.text() == "Running: long one" and bar.cancel_button.isVisible()
    assert bar.queued_button.isVisible() and bar.queued_button.text() == "1 queued"
    cancelled = []
    services.queue.job_cancelled.connect(lambda j, partial: cancelled.append(j.id))
    bar.queued_menu.actions()[0].trigger()  # "Remove “waiting one”"
    assert cancelled == [queued.id] and not bar.queued_button.isVisible()
    qtbot.waitUntil(lambda: "tokens" in bar.progress.format(), timeout=20000)
    bar.cancel_button.click()
    qtbot.waitUntil(lambda: running.id in cancelled, timeout=10000)
    qtbot.waitUntil(lambda: bar.label.text() == "Idle")


def test_the_remembered_model_is_chosen_again_after_a_rescan(qtbot, window, tiny_gguf, tiny_chat_gguf):
    panel = window.panel("text")
    panel.picker.choose(str(tiny_gguf))
    with qtbot.waitSignal(window.services.models.scanned, timeout=20000):
        window.services.models.refresh()
    assert panel.picker.current().path == str(tiny_gguf)
    assert window.services.settings.get("last_text_model") == str(tiny_gguf)


def test_an_unusable_data_folder_gets_a_clear_message_and_exit_code(tmp_path, monkeypatch):
    from desktop import app

    messages = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: messages.append(text))
    (tmp_path / "a-file").write_text("not a folder")
    assert app.run(tmp_path / "a-file" / "data") == 1
    assert "cannot use its data folder" in messages[0] and "--data-dir" in messages[0]


def test_the_window_has_the_app_icon_from_resources(window):
    from desktop.paths import resources_dir

    assert (resources_dir() / "atelier.svg").exists()
    assert not window.windowIcon().isNull()


def test_a_reply_waiting_for_a_library_held_elsewhere_says_so_and_is_kept(qtbot, window, text_panel, data_dir):
    from desktop.pipeline.recording import WAITING

    services, queue = text_panel.services, text_panel.services.queue
    services.store.call(lambda lib: lib.conn.execute("PRAGMA busy_timeout=200"))  # quicker attempts
    text_panel.sampling.max_tokens.setValue(300)  # the reply streams on after the lock is taken
    # Another connection is what another Atelier process looks like to SQLite; it takes the
    # write lock as soon as the reply starts streaming, so the reply's commit has to wait.
    other = sqlite3.connect(data_dir / "library.sqlite3", isolation_level=None)

    def lock_once_streaming(job, progress) -> None:
        if progress.text and not other.in_transaction:
            other.execute("BEGIN EXCLUSIVE")
            queue.job_progress.disconnect(lock_once_streaming)

    queue.job_progress.connect(lock_once_streaming)
    try:
        with qtbot.waitSignal(queue.job_finished, timeout=60000):
            send_without_waiting(qtbot, text_panel, "hello while busy")
            qtbot.waitUntil(lambda: text_panel.status.text() == WAITING, timeout=30000)
            assert window.jobs_bar.progress.format() == WAITING
            other.execute("COMMIT")
    finally:
        other.close()
    rows = db_rows(data_dir, "SELECT status, prompt, output_text FROM generations")
    assert [row[:2] for row in rows] == [("done", "hello while busy")] and rows[0][2]


def send_without_waiting(qtbot, panel, text):
    panel.input.setPlainText(text)
    qtbot.keyClick(panel.input, Qt.Key_Return, Qt.ControlModifier)


def test_a_failed_rename_or_delete_of_a_conversation_says_so(qtbot, text_panel, monkeypatch, data_dir):
    from desktop.store.conversations import ConversationRepository

    def disk_gone(self, *args):
        raise sqlite3.OperationalError("disk I/O error")

    text_panel.services.store.call(lambda lib: lib.conversations.create("text", "Harbour notes"))
    text_panel.conversations.reload()
    qtbot.waitUntil(lambda: text_panel.conversations.rowCount() == 1)
    text_panel.sidebar.list.setCurrentIndex(text_panel.conversations.index(0))
    monkeypatch.setattr(ConversationRepository, "rename", disk_gone)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Quay notes", True))
    text_panel.sidebar.rename_current()
    qtbot.waitUntil(lambda: text_panel.error.isVisible())
    assert text_panel.error.text() == "Could not rename the conversation: disk I/O error"
    text_panel.show_error("")
    monkeypatch.setattr(ConversationRepository, "delete", disk_gone)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    text_panel.sidebar.delete_current()
    qtbot.waitUntil(lambda: text_panel.error.isVisible())
    assert text_panel.error.text() == "Could not delete the conversation: disk I/O error"
    assert db_rows(data_dir, "SELECT title FROM conversations") == [("Harbour notes",)]


def test_a_message_that_could_not_be_saved_is_given_back_and_nothing_is_kept(qtbot, text_panel, monkeypatch,
                                                                           data_dir):
    from desktop.store.conversations import ConversationRepository

    def disk_gone(self, *args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ConversationRepository, "add_message", disk_gone)  # after the conversation's row
    send_without_waiting(qtbot, text_panel, "a first message")
    qtbot.waitUntil(lambda: text_panel.error.isVisible())
    assert "disk I/O error" in text_panel.error.text()
    assert text_panel.input.toPlainText() == "a first message" and text_panel.send_button.isEnabled()
    assert db_rows(data_dir, "SELECT count(*) FROM conversations") == [(0,)]
    assert not text_panel.session.busy


def test_a_message_waiting_for_a_library_held_elsewhere_is_said_in_the_status_bar(qtbot, window, text_panel,
                                                                                  data_dir):
    from desktop.pipeline.recording import WAITING

    other = sqlite3.connect(data_dir / "library.sqlite3", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # held before the message is saved: saving it has to wait
    try:
        text_panel.services.store.call(lambda lib: lib.conn.execute("PRAGMA busy_timeout=200"))
        send_without_waiting(qtbot, text_panel, "hello while held")
        qtbot.waitUntil(lambda: window.statusBar().currentMessage() == WAITING, timeout=20000)
    finally:
        other.execute("COMMIT")
        other.close()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "", timeout=20000)
    qtbot.waitUntil(lambda: db_rows(data_dir, "SELECT status, prompt FROM generations")
                    == [("done", "hello while held")], timeout=30000)


def test_a_rename_in_one_window_part_reaches_every_list_of_that_studios_conversations(qtbot, text_panel):
    """The conversation list reloads from the library's broadcast, not from the panel that made
    the change: a second list of the same studio follows a rename without being told."""
    from desktop.viewmodels.conversation_list import ConversationListModel

    conversation = text_panel.services.store.call(lambda lib: lib.conversations.create("text", "Harbour notes"))
    other = ConversationListModel(text_panel.services.store, "text")
    other.reload()
    qtbot.waitUntil(lambda: other.rowCount() == 1)
    text_panel._rename(conversation.id, "Quay notes")
    qtbot.waitUntil(lambda: other.conversations()[0].title == "Quay notes", timeout=5000)


def test_a_library_failure_with_no_handler_is_said_in_the_status_bar(qtbot, window):
    def broken(_lib):
        raise OSError(28, "No space left on device")

    window.services.store.submit(broken)  # e.g. a read of the Library's details
    qtbot.waitUntil(lambda: "disk is full" in window.statusBar().currentMessage(), timeout=5000)
