"""GUI-thread cost of one streamed reply in the chat view, by conversation length.

Replays the view calls the Text studio makes for one reply (set_messages with the
recorded user message, begin_stream, one append_stream per token, end_stream), letting
Qt lay out and paint after each, and times it all on the GUI thread. Target: the cost at
1,000 messages within 1.5x of the cost at 2.

    python bench/chat_stream_cost.py [--tokens 128] [--replies 5]
"""

from __future__ import annotations

import argparse
import time

from common import median, verdict

SIZES = (2, 120, 1000)
SAMPLE = ("Here is a **short** answer with `inline code` and a list:\n\n- one point\n- another point\n\n"
          "```python\ndef add(a, b):\n    return a + b\n```\n\nThat should do it.")
TOKENS = ["Sure", ",", " here", " is", " a", " *quick*", " sketch", ":\n\n", "```py", "thon\n",
          "x", " =", " 1", "\n```", "\n\n", "Done", "."]


def history(n: int):
    from desktop.ui.text.chat_view import ShownMessage

    return [ShownMessage(i + 1, "user" if i % 2 == 0 else "assistant",
                         f"Question {i}?" if i % 2 == 0 else SAMPLE) for i in range(n)]


def one_reply(app, view, messages, tokens: int) -> float:
    """One reply as chat_studio drives the view; returns GUI-thread seconds."""
    from desktop.ui.text.chat_view import ShownMessage

    next_id = len(messages) + 1
    recorded = [ShownMessage(m.id, m.role, m.content, m.note) for m in messages]
    recorded.append(ShownMessage(next_id, "user", "And one more question?"))
    chunks = [TOKENS[i % len(TOKENS)] for i in range(tokens)]
    start = time.perf_counter()
    view.set_messages(recorded)           # _launch: the user message was saved
    app.processEvents()
    view.begin_stream()
    app.processEvents()
    for chunk in chunks:
        view.append_stream(chunk)         # _on_progress
        app.processEvents()
    view.end_stream(next_id + 1, "".join(chunks))  # _on_finished
    app.processEvents()
    elapsed = time.perf_counter() - start
    messages[:] = view.messages()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--replies", type=int, default=5)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from desktop.ui.text.chat_view import ChatView

    app = QApplication.instance() or QApplication([])
    costs = {}
    for size in SIZES:
        view = ChatView()
        view.resize(800, 600)
        view.show()
        messages = history(size)
        view.set_messages(messages)  # opening the conversation is not part of a reply
        app.processEvents()
        one_reply(app, view, messages, args.tokens)  # warm caches and lexers
        runs = []
        for _ in range(args.replies):
            messages[:] = messages[:size]  # same length each time
            view.set_messages(messages)
            app.processEvents()
            runs.append(one_reply(app, view, messages, args.tokens))
        costs[size] = median(runs)
        per_token = costs[size] / args.tokens * 1000
        print(f"{size:5d} messages: {costs[size] * 1000:7.1f} ms GUI time per {args.tokens}-token reply"
              f"  ({per_token:.2f} ms/token, median of {args.replies})")
        view.close()
        view.deleteLater()
        app.processEvents()
    ratio = costs[SIZES[-1]] / costs[SIZES[0]]
    print(f"ratio {SIZES[-1]} / {SIZES[0]} messages: {ratio:.2f}x  (target <= 1.5x) {verdict(ratio <= 1.5)}")
    print(f"ratio {SIZES[1]} / {SIZES[0]} messages: {costs[SIZES[1]] / costs[SIZES[0]]:.2f}x")


if __name__ == "__main__":
    main()
