"""The token count beside a prompt box: "83 tokens · 2 chunks", a moment after typing stops.

Counting runs on the thread pool, never on the GUI thread: with the model's tokenizer once
it has loaded there (ImageForm.set_model_path), until then with an estimate marked "≈".
Only the newest count is shown; one finishing late for older text is dropped."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QPlainTextEdit

from desktop.core.prompt_chunks import CHUNK_TOKENS, MAX_CHUNKS, TokenCount, estimate_tokens

DEBOUNCE_MS = 250
EXPLANATION = (
    f"Stable Diffusion reads a prompt {CHUNK_TOKENS} tokens at a time: a chunk. A longer prompt is cut into "
    "chunks that are encoded one by one and joined, as A1111 and ComfyUI do; a phrase that would be split "
    "between two chunks moves to the next one after its comma, and BREAK starts a new chunk.\n"
    f"Up to {MAX_CHUNKS} chunks ({MAX_CHUNKS * CHUNK_TOKENS} tokens) are read.\n"
    "Emphasis: (word) ×1.1, ((word)) ×1.21, [word] ÷1.1, (word:1.3) ×1.3; "
    "\\( \\) \\[ \\] are the brackets themselves.\n"
    "≈ marks an estimate, shown until the model's tokenizer has loaded.")


class TokenCounter(QLabel):
    def __init__(self, editor: QPlainTextEdit, background, parent=None):
        super().__init__(parent)
        self.editor, self.background = editor, background
        self.tokenizer = None            # a PromptTokenizer once loaded; None: estimate
        self.count: TokenCount | None = None
        self._asked = 0                  # the newest count asked for; older answers are dropped
        self.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.setToolTip(EXPLANATION)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._ask)
        editor.textChanged.connect(self._timer.start)
        self._ask()

    def set_tokenizer(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self._ask()

    def _ask(self) -> None:
        self._asked += 1
        asked, text, tokenizer = self._asked, self.editor.toPlainText(), self.tokenizer

        def count():
            return asked, tokenizer.count(text) if tokenizer is not None else estimate_tokens(text)

        self.background.run(count, self._show, self._failed)

    def _show(self, answer) -> None:
        asked, count = answer
        if asked != self._asked:
            return
        self.count = count
        self.setText(count.label())
        self.setStyleSheet("color: #d9534f" if count.over_limit else "")

    def _failed(self, _exc) -> None:
        if self.tokenizer is not None:  # a tokenizer that cannot count this text: estimate it instead
            self.tokenizer = None
            self._ask()
