"""The Code studio: a chat about code plus a code editor the model can explain, fix, or
simply continue (plain completion, which is what base models such as the built-in
Gemma 3 270M are good at). The editor's completion is a job session of its own beside the
chat's, so each reply streams where it was asked for."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QTextCursor
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
                               QSplitter, QVBoxLayout, QWidget)

from desktop.core.jobs import JobKind, Studio
from desktop.core.text.presets import CODE_COMPLETION_PRESETS, CODE_LANGUAGES, CODE_PRESETS, fence_name
from desktop.core.text.text_request import COMPLETION, TextRequest
from desktop.ui.text.code_highlighter import PygmentsHighlighter
from desktop.ui.text.chat_studio import ChatStudio

ACTIONS = {"Explain this": 1, "Fix this": 2, "Write tests": 3}  # index into CODE_PRESETS


class CodePanel(ChatStudio):
    studio_key = "code"
    title = "Code"
    presets = CODE_PRESETS
    completion_presets = CODE_COMPLETION_PRESETS
    model_setting = "last_code_model"

    def _center_widget(self) -> QWidget:
        self.language = QComboBox()
        self.language.addItems(CODE_LANGUAGES)
        self.code = QPlainTextEdit()
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.code.setPlaceholderText("Paste or write code here, then Explain, Fix, or let the model Complete it.")
        self.code.setTabStopDistance(4 * self.code.fontMetrics().horizontalAdvance(" "))
        self.highlighter = PygmentsHighlighter(self.code.document(), self.services.background,
                                               "python", self.theme.dark)
        self.action_buttons = {name: QPushButton(name) for name in ACTIONS}
        self.complete_button = QPushButton("Complete")
        self.complete_button.setToolTip("The model continues the code where it ends (plain completion)")
        tools = QHBoxLayout()
        tools.addWidget(QLabel("Language"))
        tools.addWidget(self.language)
        tools.addStretch(1)
        for button in (*self.action_buttons.values(), self.complete_button):
            tools.addWidget(button)
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(tools)
        column.addWidget(self.code)
        splitter = QSplitter(Qt.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(box)
        splitter.setSizes([380, 260])
        self.splitter = splitter
        self.language.currentTextChanged.connect(lambda lang: self.highlighter.set_language(fence_name(lang)))
        self.theme.changed.connect(self.highlighter.set_style)
        for name, button in self.action_buttons.items():
            button.clicked.connect(lambda _=False, n=name: self.code_action(n))
        self.complete_button.clicked.connect(self.complete_code)
        self.completion = self.services.job_session(Studio.CODE, self)
        self._bind_session(self.completion, (self._on_completion_started, self._on_completion_progress,
                                             self._on_completion_finished, self._on_completion_failed,
                                             self._on_completion_cancelled))
        return splitter

    @property
    def busy(self) -> bool:
        return super().busy or self.completion.busy

    def stop(self) -> None:
        if self.completion.cancel():
            self.status.setText("Stopping…")
        else:
            super().stop()

    def _on_mode_changed(self, index: int) -> None:
        """Base models complete code in the editor; the chat box is for chat models."""
        super()._on_mode_changed(index)
        completing = self.current_mode() == COMPLETION
        for widget in (self.input, self.send_button, self.regenerate_button):
            widget.setVisible(not completing)
        self.complete_button.setDefault(completing)
        self.splitter.setSizes([200, 440] if completing else [380, 260])

    def reuse(self, generation) -> None:
        if generation.kind == "code-completion":  # its prompt is the code that was continued
            self.code.setPlainText(generation.prompt)
            self.sampling.apply(generation.params)
            self.status.setText(f"Code and settings of item #{generation.id}; press Complete to run again.")
        else:
            super().reuse(generation)

    def send(self) -> None:
        if self.current_mode() == COMPLETION and not self.input.isVisible():
            self.complete_code()  # Ctrl+Enter completes in the editor
        else:
            super().send()

    def preset_values(self) -> dict:
        language = self.language.currentText()
        return {"language": language, "fence": fence_name(language)}

    def _update_buttons(self) -> None:
        super()._update_buttons()
        if hasattr(self, "complete_button"):
            # Explain / Fix / Tests are chat turns: a base model has no chat template to answer with.
            model = self.picker.current()
            can_chat = model is not None and model.has_chat_template
            for button in self.action_buttons.values():
                button.setEnabled(not self.busy and can_chat)
                button.setToolTip("" if can_chat or model is None else
                                  f"{model.name} is a base model: it can only Complete code. "
                                  "Choose an instruct model (Get models) to explain, fix or test code.")
            self.complete_button.setEnabled(not self.busy)

    # -- actions on the code box -----------------------------------------------------------

    def code_action(self, name: str) -> None:
        """Explain / fix / test the code in the editor (or, if it is empty, in the message box)."""
        code = self.code.toPlainText().strip() or self.input.toPlainText().strip()
        if not code:
            self.show_error("Paste some code into the editor first.")
            return
        preset = CODE_PRESETS[ACTIONS[name]]
        self.system_prompt.setPlainText(preset.system.format(**self.preset_values()))
        self.input.setPlainText(preset.apply(code, **self.preset_values()))
        ChatStudio.send(self)  # a chat turn even when the editor is in completion mode

    def complete_code(self) -> None:
        if self.busy:
            return
        code = self.code.toPlainText()
        model = self.picker.current()
        if not code.strip():
            self.show_error("Write the start of the code for the model to continue.")
            return
        if model is None:
            self.show_error("Choose a model first (Models › Catalog or File › Add model file… if the list is empty).")
            return
        self.show_error("")
        request = TextRequest(mode=COMPLETION, prompt=code, sampling=self.sampling.sampling())
        self.code.moveCursor(QTextCursor.End)
        self.completion.submit(JobKind.TEXT, request, model.path, f"Code completion: {code.strip()[:30]}",
                               record_as="code-completion")
        self.status.setText("Waiting for the model…")
        self._update_buttons()

    # -- streaming into the editor instead of the chat ---------------------------------------

    def _on_completion_started(self, _job) -> None:
        self.status.setText("Loading the model…")

    def _on_completion_progress(self, _job, progress) -> None:
        if progress.text:
            cursor = self.code.textCursor()
            cursor.movePosition(QTextCursor.End)
            cursor.insertText(progress.text)
        self.status.setText(f"Completing… {progress.done} tokens")

    def _on_completion_finished(self, _job, outcome) -> None:
        result = outcome.result
        self.status.setText(f"{result.completion_tokens} tokens · {result.tokens_per_s:.1f} tok/s · seed {result.seed}")
        self._update_buttons()

    def _on_completion_failed(self, _job, message: str) -> None:
        self.show_error(message)
        self._update_buttons()

    def _on_completion_cancelled(self, _job, _partial: str) -> None:
        self.status.setText("Stopped")
        self._update_buttons()
