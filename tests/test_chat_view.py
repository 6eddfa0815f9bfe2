"""The conversation view: Markdown, escaping, code blocks, and streaming that only
re-renders the message being written."""

from PySide6.QtCore import QUrl

from desktop.core.markdown_html import MarkdownRenderer
from desktop.ui.chat_view import ChatView, ShownMessage


def test_markdown_renders_and_raw_html_is_escaped():
    rendered = MarkdownRenderer().render("**bold** <script>alert(1)</script>\n\n```js\nlet a = '<b>';\n```", "m")
    assert "<strong>bold</strong>" in rendered.html
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert rendered.code_blocks[0].language == "js" and rendered.code_blocks[0].code == "let a = '<b>';\n"
    assert "&lt;b&gt;" in rendered.html  # code is escaped too


def test_streaming_into_a_long_conversation_keeps_history_intact(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    history = [ShownMessage(i, "user" if i % 2 == 0 else "assistant", f"message {i:03d} end") for i in range(30)]
    view.set_messages(history)
    view.begin_stream()
    start = view._stream_start
    for chunk in ["Hello", " there", ", ```py\n", "x = 1\n```\n", " done"]:
        view.append_stream(chunk)
        assert view._stream_start == start  # history is not re-laid out
    text = view.toPlainText()
    assert all(text.count(f"message {i:03d} end") == 1 for i in range(30))
    assert text.count("Hello there") == 1
    view.end_stream(100)
    assert view.messages()[-1].content == "Hello there, ```py\nx = 1\n```\n done"
    assert view.toPlainText().count("Hello there") == 1


def test_a_stream_that_produced_nothing_leaves_no_empty_message(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.set_messages([ShownMessage(1, "user", "hi")])
    view.begin_stream()
    view.end_stream(None, "")
    assert [m.content for m in view.messages()] == ["hi"]


def test_edit_link_reports_the_message(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.set_messages([ShownMessage(7, "user", "hi")])
    with qtbot.waitSignal(view.edit_requested) as blocker:
        view.anchorClicked.emit(QUrl("msg:edit:7"))
    assert blocker.args == [7]
