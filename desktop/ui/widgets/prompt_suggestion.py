"""Enhance prompt: the built-in model's expansion of a prompt box's text, shown in an editable
suggestion box before anything uses it.

One object per prompt box: `enhance_button` (the form places it) asks the shared PromptWriter
for an expansion; the box below the prompt shows "Writing…", then the text to edit, with Use,
Try again (the next seed) and Discard, or says what went wrong. Use puts the text in the
prompt box and remembers what was typed: `typed_prompt()` gives it back for as long as the
prompt box still holds the accepted expansion unchanged, so a file records both."""

from __future__ import annotations

import random

from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout

from desktop.core.text.prompt_writing import SEED_MASK

WRITING = "Writing with the built-in model…"
NO_WRITER = "Prompt help is not available here."
NOT_INSTALLED = "The built-in model is not installed, so prompts cannot be enhanced."
EMPTY = "Type a prompt first: the built-in model expands what you wrote."
READY = {"image": "Add detail and style words to the prompt with the built-in model (you see it before it is used)",
         "video": "Add detail, motion and camera words to the prompt with the built-in model (you see it before "
                  "it is used)"}


class PromptSuggestion(QFrame):
    used = Signal(str)  # the text Use put in the prompt box

    def __init__(self, prompt: QPlainTextEdit, kind: str, seed=lambda: -1, parent=None):
        """`prompt`: the box to enhance; `kind`: "image" or "video"; `seed()`: the form's seed,
        reused for the expansion when fixed (-1: a random one)."""
        super().__init__(parent)
        self.prompt, self.kind, self._form_seed = prompt, kind, seed
        self.writer = None
        self._installed = False
        self._request = 0        # the id of the request this box waits for (0: none)
        self._seed = 0           # the seed of the suggestion shown or being written
        self._typed = ""         # what was typed when an expansion was used…
        self._accepted = None    # …and that expansion, while it stays in the prompt box
        self._task: tuple = ()   # (task, text, options) of the suggestion shown: Try again repeats it
        self.setFrameShape(QFrame.StyledPanel)
        self.enhance_button = QPushButton("Enhance prompt")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setMaximumHeight(80)
        self.text.setTabChangesFocus(True)
        self.use_button = QPushButton("Use")
        self.use_button.setToolTip("Put this text in the prompt box (what you typed is kept in the file's metadata)")
        self.retry_button = QPushButton("Try again")
        self.retry_button.setToolTip("Write another expansion (the next seed)")
        self.discard_button = QPushButton("Discard")
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        for button in (self.use_button, self.retry_button, self.discard_button):
            buttons.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 4, 6, 4)
        column.addWidget(self.status)
        column.addWidget(self.text)
        column.addLayout(buttons)
        self.hide()
        self.enhance_button.clicked.connect(self.enhance)
        self.enhance_button.installEventFilter(self)  # the pointer on it: the model gets ready
        self.retry_button.clicked.connect(self.try_again)
        self.use_button.clicked.connect(self.use)
        self.discard_button.clicked.connect(self.discard)
        self.prompt.textChanged.connect(self._update_button)
        self._update_button()

    def set_writer(self, writer) -> None:
        """The shared PromptWriter (services.prompt_writer); whether its model is installed is read once."""
        if self.writer is not None:
            self.writer.written.disconnect(self._on_written)
            self.writer.failed.disconnect(self._on_failed)
        self.writer = writer
        self._installed = writer is not None and writer.installed()
        if writer is not None:
            writer.written.connect(self._on_written)
            writer.failed.connect(self._on_failed)
        self._update_button()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.enhance_button and event.type() == QEvent.Enter and self.enhance_button.isEnabled():
            self.writer.prepare(self.kind)
        return False

    def typed_prompt(self) -> str:
        """What was typed, while the prompt box holds the used expansion unchanged; else ""."""
        if self._accepted is not None and self.prompt.toPlainText().strip() == self._accepted:
            return self._typed
        return ""

    # -- actions ------------------------------------------------------------------------------------

    def enhance(self) -> None:
        seed = self._form_seed()
        self._task = ("enhance", self.prompt.toPlainText().strip(), {"kind": self.kind})
        self._write(seed & SEED_MASK if isinstance(seed, int) and seed >= 0 else random.randrange(SEED_MASK))

    def write_from(self, text: str, target: str) -> None:
        """A prompt for `target` ("image" or "music") written from another item's text (a
        hand-off: "Make an image", "Compose music for this"), shown here to edit before use."""
        self._task = ("prompt_from_text", text, {"target": target})
        if self.writer is None or not self._installed:
            self._show_problem(NOT_INSTALLED if self.writer is not None else NO_WRITER)
            return
        self._write(random.randrange(SEED_MASK))

    def try_again(self) -> None:
        self._write((self._seed + 1) & SEED_MASK)

    def use(self) -> None:
        expansion = self.text.toPlainText().strip()
        if not expansion:
            return
        if self._task and self._task[0] == "prompt_from_text":
            typed = ""  # nothing was typed: the prompt was written from another item
        else:
            typed = self.typed_prompt() or self.prompt.toPlainText().strip()  # enhancing an expansion keeps the first words
        self.prompt.setPlainText(expansion)
        self._typed, self._accepted = typed, expansion
        self._close()
        self.used.emit(expansion)

    def discard(self) -> None:
        self._close()

    # -- states -------------------------------------------------------------------------------------

    def _write(self, seed: int) -> None:
        task, text, options = self._task
        if self.writer is None or not self._installed or not text:
            return
        self._seed = seed
        self._request = self.writer.write(task, text, seed, key=self._key(), **options)
        self.status.setText(WRITING)
        self.text.clear()
        self.text.setEnabled(False)
        self.use_button.setEnabled(False)
        self.retry_button.setEnabled(False)
        self.show()

    def _on_written(self, request: int, text) -> None:
        if request != self._request:
            return  # another box's request, or one this box replaced
        self._request = 0
        self.text.setPlainText(text)
        self.text.setEnabled(True)
        self.status.setText(f"Suggestion (seed {self._seed}): edit it if you like, then Use.")
        self.use_button.setEnabled(True)
        self.retry_button.setEnabled(True)

    def _on_failed(self, request: int, message: str) -> None:
        if request != self._request:
            return
        self._request = 0
        self.status.setText(message)
        self.retry_button.setEnabled(True)

    def _show_problem(self, message: str) -> None:
        self.status.setText(message)
        self.text.clear()
        self.text.setEnabled(False)
        self.use_button.setEnabled(False)
        self.retry_button.setEnabled(False)
        self.show()

    def _close(self) -> None:
        if self._request and self.writer is not None:
            self.writer.cancel(self._key())
        self._request = 0
        self.text.clear()
        self.hide()

    def _key(self) -> str:
        return f"enhance-{id(self)}"  # one pending request per box: a newer one replaces it

    def _update_button(self) -> None:
        if self.writer is None:
            reason = NO_WRITER
        elif not self._installed:
            reason = NOT_INSTALLED
        elif not self.prompt.toPlainText().strip():
            reason = EMPTY
        else:
            reason = ""
        self.enhance_button.setEnabled(not reason)
        self.enhance_button.setToolTip(reason or READY.get(self.kind, READY["image"]))
