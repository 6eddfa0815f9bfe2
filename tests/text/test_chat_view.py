"""The conversation view: Markdown, escaping, code blocks, streaming that only re-renders
the message being written, and the window of latest messages a long conversation draws."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication, QTextCursor, QTextFrame
from PySide6.QtWidgets import QApplication

from desktop.core.text.markdown_html import MarkdownRenderer
from desktop.ui.shell.theme import Theme
from desktop.ui.text.chat_view import ChatView, ShownMessage
from desktop.ui.text.live_markdown import LiveMarkdownRenderer
from desktop.ui.text.text_panel import TextPanel


def new_view(qtbot) -> ChatView:
    view = ChatView()
    qtbot.addWidget(view)
    return view


def test_markdown_renders_and_raw_html_is_escaped():
    rendered = MarkdownRenderer().render("**bold** <script>alert(1)</script>\n\n```js\nlet a = '<b>';\n```", "m")
    assert "<strong>bold</strong>" in rendered.html
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert rendered.code_blocks[0].language == "js" and rendered.code_blocks[0].code == "let a = '<b>';\n"
    assert "&lt;b&gt;" in rendered.html  # code is escaped too


def test_streaming_into_a_long_conversation_keeps_history_intact(qtbot):
    view = new_view(qtbot)
    history = [ShownMessage(i, "user" if i % 2 == 0 else "assistant", f"message {i:03d} end") for i in range(30)]
    view.set_messages(history)
    view.begin_stream()
    start = view._blocks[-1].start
    for chunk in ["Hello", " there", ", ```py\n", "x = 1\n```\n", " done"]:
        view.append_stream(chunk)
        assert view._blocks[-1].start == start  # history is not re-laid out
    text = view.toPlainText()
    assert all(text.count(f"message {i:03d} end") == 1 for i in range(30))
    assert text.count("Hello there") == 1
    view.end_stream(100)
    assert view.messages()[-1].content == "Hello there, ```py\nx = 1\n```\n done"
    assert view.toPlainText().count("Hello there") == 1


def fresh_view(qtbot, messages, first_shown: int = 0) -> ChatView:
    """A new view drawing the same messages, from `first_shown` on, in one go."""
    fresh = new_view(qtbot)
    fresh.window_size = len(messages) - first_shown
    fresh.set_messages([ShownMessage(m.id, m.role, m.content, m.note) for m in messages])
    assert fresh.first_shown == first_shown
    return fresh


def assert_drawn_as_fresh(qtbot, view: ChatView) -> None:
    """The document equals a fresh rendering of the same window, and every message's recorded
    start is where a fresh rendering puts it (later edits cut the document there)."""
    fresh = fresh_view(qtbot, view.messages(), view.first_shown)
    assert view.toHtml() == fresh.toHtml()
    assert [b.start for b in view._blocks] == [b.start for b in fresh._blocks]


def conversation(n):
    return [ShownMessage(i + 1, "user" if i % 2 == 0 else "assistant",
                         f"question {i}" if i % 2 == 0 else f"**answer** {i}\n\n```py\nx = {i}\n```")
            for i in range(n)]


def test_regenerate_link_moves_to_the_new_last_reply(qtbot):
    view = new_view(qtbot)
    view.set_messages(conversation(4))
    assert view.toPlainText().count("Regenerate") == 1
    view.begin_stream()  # regenerating after an assistant message: it loses its link
    view.append_stream("again")
    assert view.toPlainText().count("Regenerate") == 0
    view.end_stream(5)
    assert view.toPlainText().count("Regenerate") == 1
    assert_drawn_as_fresh(qtbot, view)


def test_a_stopped_reply_reloaded_with_its_note_matches_a_fresh_render(qtbot):
    view = new_view(qtbot)
    history = conversation(5)
    view.set_messages(history)
    view.begin_stream()
    view.append_stream("partial")
    view.end_stream(None, "")  # as the studio does on cancel, then reloads from the library
    assert len(view.messages()) == 5
    before = view.render_count
    view.set_messages(history + [ShownMessage(6, "assistant", "partial", "Stopped before the end.")])
    assert view.render_count - before == 1
    assert "Stopped before the end." in view.toPlainText()
    assert_drawn_as_fresh(qtbot, view)


def test_editing_an_earlier_message_rerenders_from_there_and_matches_a_fresh_render(qtbot):
    view = new_view(qtbot)
    history = conversation(10)
    view.set_messages(history)
    before = view.render_count
    edited = history[:4] + [ShownMessage(11, "user", "edited question")]
    view.set_messages(edited)
    assert view.render_count - before == 1  # only the new message; the 4 kept are untouched
    assert_drawn_as_fresh(qtbot, view)
    view.set_messages([])
    assert "Start typing" in view.toPlainText()
    view.set_messages(edited)
    assert_drawn_as_fresh(qtbot, view)


def test_a_stream_that_produced_nothing_leaves_no_empty_message(qtbot):
    view = new_view(qtbot)
    view.set_messages([ShownMessage(1, "user", "hi")])
    view.begin_stream()
    view.end_stream(None, "")
    assert [m.content for m in view.messages()] == ["hi"]


def test_edit_link_reports_the_message(qtbot):
    view = new_view(qtbot)
    view.set_messages([ShownMessage(7, "user", "hi")])
    with qtbot.waitSignal(view.edit_requested) as blocker:
        view.anchorClicked.emit(QUrl("msg:edit:7"))
    assert blocker.args == [7]


def frame_count(frame: QTextFrame) -> int:
    return 1 + sum(frame_count(child) for child in frame.childFrames())


def test_a_streamed_update_edits_only_the_reply_and_adds_or_removes_no_frame(qtbot):
    # Qt rescans the whole document whenever a frame (a table) is added or removed, and lays
    # a table cell out whole after any edit inside it: the reply streams as paragraphs.
    view = new_view(qtbot)
    view.set_messages(conversation(40))
    view.begin_stream()
    reply_start = view._blocks[-1].start
    view.append_stream("Here")  # the reply's table becomes paragraphs, once per reply
    frames = frame_count(view.document().rootFrame())
    changes = []
    view.document().contentsChange.connect(lambda position, _removed, _added: changes.append(position))
    for chunk in [" is **code**:\n\n", "```py", "thon\n", "x = 1\n", "```\n", "\nand more", " text."]:
        view.append_stream(chunk)
        assert frame_count(view.document().rootFrame()) == frames
    assert changes and min(changes) >= reply_start
    assert view.code_block(40, 0).code == "x = 1\n"  # Copy/Save work while the reply streams
    assert view.toPlainText().count("and more text.") == 1
    view.end_stream(41)
    assert_drawn_as_fresh(qtbot, view)


def test_a_stream_that_scrolled_to_the_end_follows_the_reply_and_one_read_higher_stays(qtbot):
    view = new_view(qtbot)
    view.resize(400, 300)
    view.show()
    view.set_messages(conversation(30))
    bar = view.verticalScrollBar()
    view.begin_stream()
    for _ in range(20):
        view.append_stream("A line that makes the reply grow.\n\n")
    assert bar.value() == bar.maximum() > 0
    middle = bar.maximum() // 2
    bar.setValue(middle)  # the person scrolls up to read
    for _ in range(5):
        view.append_stream("More.\n\n")
    assert bar.value() == middle < bar.maximum()


def test_the_live_renderer_draws_code_without_tables_numbered_within_the_whole_reply():
    renderer = LiveMarkdownRenderer()
    rendered = renderer.render("```js\nlet a = '<b>';\n```\n", "3", first_code_index=2)
    assert "<table" not in rendered.html and "&lt;b&gt;" in rendered.html
    assert 'href="code:copy:3:2"' in rendered.html and 'href="code:save:3:2"' in rendered.html
    assert [b.code for b in rendered.code_blocks] == ["let a = '<b>';\n"]
    text = "Intro\nstill intro\n\n- a\n- b\n\n```py\nx\n\ny\n```\n# Title\n"
    assert [text[i:i + 5] for i in renderer.block_starts(text)] == ["Intro", "- a\n-", "```py", "# Tit"]


REPLY = ("Sure, here is a **plan**:\n\n1. first step\n2. second *step*\n\n# Heading\n\nSome `code`:\n\n"
         "```python\ndef f(x):\n    return x\n```\nPara after\nwith break\n\n- a\n- b\n\n  continued\n\n"
         "> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\n```\n\nend.")


def streamed_view(qtbot, pieces, note=""):
    view = new_view(qtbot)
    view.set_messages([ShownMessage(1, "user", "hi")])
    view.begin_stream(note)
    for piece in pieces:
        view.append_stream(piece)
    return view


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=1, max_value=len(REPLY) - 1), max_size=60), note=st.sampled_from(["", "A note."]))
def test_a_reply_streamed_in_any_pieces_is_drawn_as_if_it_came_at_once(qtbot, cuts, note):
    bounds = [0, *sorted(set(cuts)), len(REPLY)]
    pieces = [REPLY[a:b] for a, b in zip(bounds, bounds[1:])]
    assert streamed_view(qtbot, pieces, note).toHtml() == streamed_view(qtbot, [REPLY], note).toHtml()


def test_a_finished_paragraph_of_a_streaming_reply_is_not_rendered_again(qtbot, monkeypatch):
    rendered_sources, parsed = [], []
    real_render, real_parse = LiveMarkdownRenderer.render, LiveMarkdownRenderer.block_starts
    monkeypatch.setattr(LiveMarkdownRenderer, "render",
                        lambda self, text, *args: rendered_sources.append(text) or real_render(self, text, *args))
    monkeypatch.setattr(LiveMarkdownRenderer, "block_starts",
                        lambda self, text: parsed.append(text) or real_parse(self, text))
    words = [f"Paragraph{p} word{w}" + ("\n\n" if w == 9 else " ") for p in range(30) for w in range(10)]
    streamed_view(qtbot, words)
    # Each update renders the block being written (and any new one), never those before it:
    # the cost of an update does not grow with the length of the reply.
    assert not [s for s in rendered_sources if "Paragraph0 " in s and "Paragraph1 " in s]
    assert sum("Paragraph0 " in s for s in rendered_sources) <= 11
    assert len(rendered_sources) <= 2 * len(words)
    assert not [text for text in parsed if "Paragraph0 " in text and "Paragraph2 " in text]


# -- the window of latest messages ----------------------------------------------------------

def top_level_tables(view: ChatView) -> int:
    return len(view.document().rootFrame().childFrames())


def top_in_view(view: ChatView, index: int) -> int:
    """Where message `index` begins, in the viewport's pixels (from Qt's own cursor geometry)."""
    cursor = QTextCursor(view.document())
    cursor.setPosition(view._blocks[index - view.first_shown].start + 1)
    return view.cursorRect(cursor).top()


def test_a_1000_message_conversation_draws_only_the_latest_window_below_a_link(qtbot):
    view = new_view(qtbot)
    history = conversation(1000)
    view.set_messages(history)
    window = view.window_size
    assert view.first_shown == 1000 - window and view.render_count == window
    assert top_level_tables(view) == window  # what Qt walks on every edit
    text = view.toPlainText()
    assert text.startswith("Show earlier messages") and f"({1000 - window:,} not shown)" in text
    assert f"question {1000 - window - 2}\n" not in text and f"question {1000 - window}\n" in text
    assert view.messages() == history  # the conversation stays whole for the studio
    assert_drawn_as_fresh(qtbot, view)
    # Opening another conversation draws its own latest messages, without the link if short.
    view.set_messages(conversation(3))
    assert view.first_shown == 0 and "Show earlier" not in view.toPlainText()
    assert_drawn_as_fresh(qtbot, view)


def test_showing_earlier_messages_keeps_the_message_read_at_the_top_in_place(qtbot):
    view = new_view(qtbot)
    view.resize(500, 400)
    view.show()
    view.set_messages(conversation(250))
    bar = view.verticalScrollBar()
    bar.setValue(0)  # read up to the link
    before = top_in_view(view, 150)
    before_render = view.render_count
    view.anchorClicked.emit(QUrl("msg:earlier:0"))
    assert view.first_shown == 50 and view.render_count - before_render == 100  # only the new ones
    assert top_in_view(view, 150) == before and bar.value() > 0
    assert_drawn_as_fresh(qtbot, view)
    # From the middle of a message, and down to the first one: the link goes away.
    bar.setValue(bar.value() + 37)
    before = top_in_view(view, 150)
    view.show_earlier()
    assert view.first_shown == 0 and "Show earlier" not in view.toPlainText()
    assert top_in_view(view, 150) == before
    assert_drawn_as_fresh(qtbot, view)
    view.show_earlier()  # nothing earlier: nothing happens
    assert view.first_shown == 0


def one_reply_edits(qtbot, size: int) -> tuple[int, int, int]:
    """Renders, document edits and top-level tables for one reply as the Text studio drives it
    (the saved question, then the stream)."""
    view = new_view(qtbot)
    history = conversation(size)
    view.set_messages(history)
    edits, renders = [], view.render_count
    view.document().contentsChange.connect(lambda *change: edits.append(change))
    view.set_messages(history + [ShownMessage(size + 1, "user", "one more")])
    previous_reply_start = view._blocks[size - 1 - view.first_shown].start
    view.begin_stream()
    tables = top_level_tables(view)
    for chunk in ["Sure", ", ", "**here**", ":\n\n```py\n", "y = 2\n", "```\n", "done"]:
        view.append_stream(chunk)
        tables = max(tables, top_level_tables(view))
    view.end_stream(size + 2, "Sure, **here**:\n\n```py\ny = 2\n```\ndone")
    # Nothing before the previous reply (it loses its Regenerate link) is touched.
    assert min(position for position, *_ in edits) >= previous_reply_start
    assert view.toPlainText().count("Regenerate") == 1 and view.code_block(size + 1, 0).code == "y = 2\n"
    assert_drawn_as_fresh(qtbot, view)
    return view.render_count - renders, len(edits), tables


def test_a_reply_in_a_1000_message_conversation_edits_no_more_than_in_a_2_message_one(qtbot):
    renders, edits, _tables = one_reply_edits(qtbot, 2)
    long_renders, long_edits, long_tables = one_reply_edits(qtbot, 1000)
    # The previous reply, the question, the empty reply, each of 7 updates, the final reply.
    assert long_renders == renders == 1 + 1 + 1 + 7 + 1
    assert long_edits == edits
    assert long_tables <= ChatView.window_size + 2 < 1000  # the window, the question, the reply


def test_a_long_session_lets_the_oldest_drawn_messages_go_and_keeps_those_asked_for(qtbot):
    view = new_view(qtbot)
    view.window_size = 10
    history = conversation(30)
    view.set_messages(history)
    assert view.first_shown == 20
    for n in range(31, 47, 2):  # replies: the window grows by two messages each
        history = history + conversation(n + 1)[-2:]
        view.set_messages(history)
        assert len(history) - view.first_shown <= 10 + 5
        assert_drawn_as_fresh(qtbot, view)
    assert view.first_shown > 20
    view.show_earlier()  # the person asks for earlier ones: the window keeps them
    kept = len(history) - view.first_shown
    history = history + conversation(len(history) + 2)[-2:]
    view.set_messages(history)
    assert len(history) - view.first_shown == kept + 2
    assert_drawn_as_fresh(qtbot, view)


def test_a_message_loaded_from_earlier_can_be_copied_edited_and_resent(qtbot):
    view = new_view(qtbot)
    history = conversation(1000)
    view.set_messages(history)
    assert view.code_block(851, 0) is None  # not drawn yet
    view.show_earlier()
    assert view.code_block(851, 0).code == "x = 851\n"
    view.anchorClicked.emit(QUrl("msg:copy:851"))
    assert QGuiApplication.clipboard().text() == history[851].content
    with qtbot.waitSignal(view.edit_requested) as blocker:
        view.anchorClicked.emit(QUrl(f"msg:edit:{history[850].id}"))
    assert blocker.args == [851]
    before = view.render_count
    # What the studio shows after edit-and-resend: the messages before it, then the new one.
    view.set_messages(history[:850] + [ShownMessage(2000, "user", "edited question")])
    assert view.first_shown == 800 and view.render_count - before == 1
    assert_drawn_as_fresh(qtbot, view)


def test_reveal_message_draws_what_it_needs_and_scrolls_to_the_message(qtbot):
    view = new_view(qtbot)
    view.resize(500, 400)
    view.show()
    view.set_messages(conversation(1000))
    assert view.reveal_message(5)  # message id 5, the fifth message
    assert view.first_shown <= 4
    assert 0 <= top_in_view(view, 4) < 20
    assert not view.reveal_message(123456)
    assert_drawn_as_fresh(qtbot, view)


def test_earlier_messages_loaded_while_a_reply_streams(qtbot):
    view = new_view(qtbot)
    view.set_messages(conversation(300))
    view.begin_stream("A note.")
    view.append_stream("First **part**.\n\n```py\nx")
    view.show_earlier()
    view.append_stream(" = 1\n```\nEnd.")
    assert view.toPlainText().count("First part.") == 1 and view.code_block(300, 0).code == "x = 1\n"
    view.end_stream(301)
    assert view.first_shown == 100
    assert_drawn_as_fresh(qtbot, view)


def test_a_conversation_found_by_search_opens_at_the_match_even_far_back(qtbot, services):
    def long_conversation(lib):
        found = lib.conversations.create("text", "A long one")
        for i in range(300):
            text = "the Harbour needle is here" if i == 20 else f"message {i}"
            lib.conversations.add_message(found.id, "user" if i % 2 == 0 else "assistant", text)
        return found

    found = services.store.call(long_conversation)
    panel = TextPanel(services, Theme(QApplication.instance(), "light"))
    qtbot.addWidget(panel)
    panel.resize(1000, 700)
    panel.show()
    panel.sidebar.search.setText("harbour NEEDLE")
    qtbot.waitUntil(lambda: panel.conversations.row_of(found.id) >= 0, timeout=5000)
    panel.sidebar.select_id(found.id)
    qtbot.waitUntil(lambda: len(panel.view.messages()) == 300, timeout=5000)
    view = panel.view
    assert view.first_shown <= 20 and 0 <= top_in_view(view, 20) < 20
    assert view.reveal_text("no such words") is False
