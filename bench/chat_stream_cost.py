"""GUI-thread cost of one streamed reply in the chat view, by conversation length.

Replays the view calls the Text studio makes for one reply (set_messages with the
recorded user message, begin_stream, one append_stream per token, end_stream), letting
Qt lay out and paint after each, and times it all on the GUI thread. One update per token
is the worst case: the worker throttles progress to about 20 per second, so a fast model
sends several tokens per update. Target: the cost at 1,000 messages within 1.5x of the
cost at 2. Also times opening the longest conversation (set_messages on a new view, laid
out and painted).

--window sets how many latest messages the view draws (ChatView.window_size); a window as
large as the conversation draws it all, which is how the window's size was chosen.

    python bench/chat_stream_cost.py [--tokens 128] [--replies 7] [--sizes 2 120 1000] [--window N]
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


def one_reply(app, view, messages, tokens: int) -> tuple[float, float, float]:
    """One reply as chat_studio drives the view. Returns the GUI thread's CPU seconds (what
    the reply costs this process, whatever else the machine is doing), wall seconds, and the
    slowest single update in wall seconds (a stall the person would feel)."""
    from desktop.ui.text.chat_view import ShownMessage

    next_id = len(messages) + 1
    recorded = [ShownMessage(m.id, m.role, m.content, m.note) for m in messages]
    recorded.append(ShownMessage(next_id, "user", "And one more question?"))
    chunks = [TOKENS[i % len(TOKENS)] for i in range(tokens)]
    steps = [lambda: view.set_messages(recorded),  # _launch: the user message was saved
             view.begin_stream]
    steps += [lambda chunk=chunk: view.append_stream(chunk) for chunk in chunks]  # _on_progress
    steps.append(lambda: view.end_stream(next_id + 1, "".join(chunks)))  # _on_finished
    cpu_start, wall_start, slowest = time.thread_time(), time.perf_counter(), 0.0
    for step in steps:
        before = time.perf_counter()
        step()
        app.processEvents()  # layout and paint, as the event loop would between updates
        slowest = max(slowest, time.perf_counter() - before)
    cpu, wall = time.thread_time() - cpu_start, time.perf_counter() - wall_start
    messages[:] = view.messages()
    return cpu, wall, slowest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--replies", type=int, default=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="conversation lengths; the first is the baseline, the last the long one")
    parser.add_argument("--window", type=int, default=None,
                        help="latest messages the view draws (default: the view's own)")
    args = parser.parse_args()
    sizes = args.sizes

    from PySide6.QtWidgets import QApplication

    from desktop.ui.text.chat_view import ChatView

    if args.window:
        ChatView.window_size = args.window
    print(f"view draws the latest {ChatView.window_size} messages" if hasattr(ChatView, "window_size")
          else "view draws the whole conversation")
    app = QApplication.instance() or QApplication([])
    views, histories = {}, {}
    for size in sizes:
        views[size] = view = ChatView()
        view.resize(800, 600)
        view.show()
        histories[size] = history(size)
        view.set_messages(histories[size])  # opening the conversation is not part of a reply
        app.processEvents()
        one_reply(app, view, histories[size], args.tokens)  # warm caches and lexers
    runs = {size: [] for size in sizes}
    # Sizes take turns, so a burst of load from elsewhere on the machine hits them all alike.
    for _ in range(args.replies):
        for size in sizes:
            messages, view = histories[size], views[size]
            messages[:] = messages[:size]  # same length each time
            view.set_messages(messages)
            app.processEvents()
            runs[size].append(one_reply(app, view, messages, args.tokens))
    costs = {}
    for size in sizes:
        cpu, wall, slowest = (median([run[i] for run in runs[size]]) for i in range(3))
        costs[size] = cpu
        print(f"{size:5d} messages: {cpu * 1000:7.1f} ms GUI-thread CPU per {args.tokens}-token reply"
              f" ({cpu / args.tokens * 1000:.2f} ms/token), wall {wall * 1000:7.1f} ms,"
              f" slowest update {slowest * 1000:5.1f} ms  (medians of {args.replies})")
    for size in sizes[1:-1]:
        print(f"ratio {size} / {sizes[0]} messages: {costs[size] / costs[sizes[0]]:.2f}x")
    extra = (costs[sizes[-1]] - costs[sizes[0]]) / (args.tokens + 3) * 1000
    print(f"extra GUI time per update at {sizes[-1]} messages: {extra:.2f} ms")
    ratio = costs[sizes[-1]] / costs[sizes[0]]
    print(f"ratio {sizes[-1]} / {sizes[0]} messages: {ratio:.2f}x  (target <= 1.5x) {verdict(ratio <= 1.5)}")
    cpu, wall = opening_cost(app, ChatView, history(sizes[-1]))
    print(f"opening a {sizes[-1]}-message conversation: {cpu * 1000:.0f} ms GUI-thread CPU, wall {wall * 1000:.0f} ms"
          " (median of 3)")


def opening_cost(app, view_class, messages, runs: int = 3) -> tuple[float, float]:
    """GUI-thread CPU and wall seconds from set_messages on a new view to its first paint."""
    cpus, walls = [], []
    for _ in range(runs):
        view = view_class()
        view.resize(800, 600)
        view.show()
        app.processEvents()
        cpu_start, wall_start = time.thread_time(), time.perf_counter()
        view.set_messages(messages)
        app.processEvents()
        cpus.append(time.thread_time() - cpu_start)
        walls.append(time.perf_counter() - wall_start)
        view.close()
        view.deleteLater()
    return median(cpus), median(walls)


if __name__ == "__main__":
    main()
