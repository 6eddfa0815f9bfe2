"""A studio built on conversations with a local text model: the Text studio, and the
chat half of the Code studio. Widgets hold no business state beyond what is on screen:
the library is reached through the store writer and generation through the job queue."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from desktop.core.jobs import Job, JobKind, Studio
from desktop.core.text.presets import Preset
from desktop.store.changes import CONVERSATIONS, ITEMS, change
from desktop.core.text.text_request import CHAT, COMPLETION, ChatMessage, TextRequest
from desktop.ui.text.chat_layout import ChatLayout
from desktop.ui.text.chat_view import ShownMessage
from desktop.ui.widgets.job_panel import JobPanel
from desktop.ui.widgets.studio_files import StudioFiles
from desktop.ui.widgets.prompt_history import PromptHistory
from desktop.viewmodels.hand_off import HandOff

BASE_MODEL_NOTE = ("{name} has no chat template: it is a base model that continues text rather "
                   "than answering. This studio is in “Complete text” mode; load an instruct/chat "
                   "GGUF to converse.")
NO_CHAT_REASON = "Chat needs an instruct/chat model (one with a chat template); this one only continues text."
NO_SYSTEM_PROMPT = ("Complete text mode sends only the text you write: the model continues it and reads "
                    "no system prompt. Switch to Chat (with an instruct model) to use one.")


class ChatStudio(ChatLayout, JobPanel, StudioFiles, QWidget):
    studio_key = "text"
    title = "Text"
    presets: list[Preset] = []
    completion_presets: list[Preset] = []  # openings a base model continues (Complete text mode)
    model_setting = "last_text_model"
    hand_off = Signal(object)  # a HandOff: a reply made into an image, speech or music

    def __init__(self, services, theme, parent=None):
        super().__init__(parent)
        self.services, self.theme = services, theme
        self.conversation = None
        self.session = services.job_session(Studio(self.studio_key), self)
        self._recording = False  # a message is being saved before its job is queued
        self._editing_from: int | None = None
        self._mode_forced = False
        self._chosen_path = None  # the model last chosen: its catalog entry's context was applied
        self._build()
        self._connect()
        self._on_mode_changed(self.mode.currentIndex())
        self.conversations.reload()
        self.view.set_messages([])

    def _connect(self) -> None:
        self.history = PromptHistory(self.services.store, self.input, "text", [self.studio_key])
        self._bind_session(self.session)
        self.sidebar.selected.connect(self._open_conversation)
        self.sidebar.new_requested.connect(self.new_conversation)
        self.sidebar.renamed.connect(self._rename)
        self.sidebar.deleted.connect(self._delete)
        self.sidebar.export_requested.connect(lambda _c: self.export_dialog())
        self.picker.model_chosen.connect(self._on_model_chosen)
        self.offer_card.ready.connect(self.use_catalog_model)
        self.mode.activated.connect(lambda _i: setattr(self, "_mode_forced", True))
        self.mode.currentIndexChanged.connect(self._on_mode_changed)
        self.preset.activated.connect(self._apply_preset)
        self.send_button.clicked.connect(self.send)
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button.clicked.connect(self.regenerate)
        self.export_button.clicked.connect(self.export_dialog)
        self.view.edit_requested.connect(self.edit_message)
        self.view.regenerate_requested.connect(self.regenerate)
        self.view.save_code_requested.connect(self.save_code_dialog)
        self.view.hand_off_requested.connect(
            lambda action, message: self.hand_off.emit(HandOff(action, message.generation_id, text=message.content)))
        self.theme.changed.connect(self.view.set_dark)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.send, context=Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Escape"), self, self.stop, context=Qt.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_conversation, context=Qt.WidgetWithChildrenShortcut)

    # -- state shown ----------------------------------------------------------------------

    def current_mode(self) -> str:
        return self.mode.currentData()

    def _on_mode_changed(self, _index: int) -> None:
        completing = self.current_mode() == COMPLETION
        self.view.set_assistant_label("Continuation" if completing else "Assistant")
        self.send_button.setText("Continue" if completing else "Send")
        self.input.setPlaceholderText(
            "Write the beginning of a text for the model to continue… (Ctrl+Enter)" if completing
            else "Message the model… (Ctrl+Enter to send)")
        self.input.viewport().update()  # Qt does not repaint a changed placeholder by itself
        self.system_prompt.setEnabled(not completing)
        self.system_prompt.setToolTip(NO_SYSTEM_PROMPT if completing else "")
        self.system_prompt.setPlaceholderText(
            "Not used in Complete text mode" if completing else "System prompt: how the assistant should behave")
        self.preset.clear()
        self.preset.addItem("Openings…" if completing else "Presets…")
        for preset in self._mode_presets():
            self.preset.addItem(preset.name)
        self.preset.setToolTip("Texts a base model continues well: your words go in the middle" if completing
                               else "A system prompt and a way to phrase your request")
        self._show_banner()

    def _mode_presets(self) -> list[Preset]:
        return self.completion_presets if self.current_mode() == COMPLETION else self.presets

    def _show_banner(self) -> None:
        """The banner says what holds now: no model, a base model (always in Complete text
        mode), or nothing; it is derived afresh from the model and the mode each time."""
        model = self.picker.current()
        if model is None:
            self.banner.setText("No text model found. Get one from Models › Catalog, add a .gguf with File › Add model file…, "
                                "drop one on the window, or add a model folder in Settings.")
        elif not model.has_chat_template:
            self.banner.setText(BASE_MODEL_NOTE.format(name=model.name))
        self.banner.setVisible(model is None or not model.has_chat_template)

    def _on_model_chosen(self, info) -> None:
        if info is None:
            self._show_banner()
            return
        self.services.settings.set(self.model_setting, info.path)
        if info.path != self._chosen_path:  # the picker says so again after every scan
            self._chosen_path = info.path
            from desktop.core.models.catalog_match import entry_for

            path, folder = info.path, self.services.models_folder()
            self.services.background.run(lambda: entry_for(path, folder), lambda e: self._apply_entry(path, e))
        # A base model cannot converse: Chat is offered only for a model with a chat template.
        chat = self.mode.model().item(self.mode.findData(CHAT))
        chat.setEnabled(info.has_chat_template)
        chat.setToolTip("" if info.has_chat_template else NO_CHAT_REASON)
        if not info.has_chat_template:
            self.mode.setCurrentIndex(self.mode.findData(COMPLETION))
        elif not self._mode_forced:
            self.mode.setCurrentIndex(self.mode.findData(CHAT))
        self._show_banner()
        self._update_buttons()

    def use_catalog_model(self, entry, path: str) -> None:
        """A catalog model just downloaded: chosen (an instruct model converses: Chat mode, its
        own chat template; its recommended context follows from _on_model_chosen)."""
        self._mode_forced = False
        self.picker.choose(path)
        self.input.setFocus()

    def _apply_entry(self, path: str, entry) -> None:
        """A catalog model chosen, however it arrived: the context its entry recommends."""
        current = self.picker.current()
        if entry is None or current is None or current.path != path:
            return
        context = entry.recommended.get("context_length")
        if isinstance(context, int) and context > self.services.settings.get("context_length"):
            self.services.settings.set("context_length", context)
        self.status.setText(f"{entry.name} (context {self.services.settings.get('context_length'):,} tokens). "
                            "Write a message and press Ctrl+Enter.")

    @property
    def busy(self) -> bool:
        return self.session.busy or self._recording

    def _update_buttons(self) -> None:
        busy = self.busy
        has_model = self.picker.current() is not None
        self.send_button.setEnabled(not busy and has_model)
        self.send_button.setToolTip("Ctrl+Enter" if has_model else "Choose a model first: get one from Models › "
                                    "Catalog (or the card above), or add a .gguf with File › Add model file…")
        self.stop_button.setEnabled(busy)
        has_reply = any(m.role == "assistant" and m.id is not None for m in self.view.messages())
        self.regenerate_button.setEnabled(not busy and has_reply)
        self.export_button.setEnabled(self.conversation is not None)
        # The reply belongs to the open conversation: switching away waits until it ends.
        self.sidebar.list.setEnabled(not busy)
        self.sidebar.new_button.setEnabled(not busy)

    def _apply_preset(self, index: int) -> None:
        if index <= 0:
            return
        preset = self._mode_presets()[index - 1]
        if preset.system:
            self.system_prompt.setPlainText(preset.system.format(**self.preset_values()))
        text = self.input.toPlainText()
        if preset.template != "{text}":
            self.input.setPlainText(preset.apply(text.strip(), **self.preset_values()))
        self.preset.setCurrentIndex(0)
        self.input.setFocus()

    def preset_values(self) -> dict:
        return {}

    # -- conversations --------------------------------------------------------------------

    def reuse(self, generation) -> None:
        """“Use these settings” from the Library: the prompt and sampling, ready to send."""
        self.input.setPlainText(generation.prompt)
        self.sampling.apply(generation.params)
        self.status.setText(f"Prompt and settings of item #{generation.id}; edit and send (Ctrl+Enter).")
        self.input.setFocus()

    def new_conversation(self) -> None:
        if self.busy:
            return
        self.conversation = None
        self._editing_from = None
        self.sidebar.select_id(None)
        self.sidebar.list.clearSelection()
        self.sidebar.list.setCurrentIndex(self.sidebar.list.rootIndex())
        self.view.set_messages([])
        self.show_error("")
        self.status.clear()  # "Failed" or "Stopped" belonged to the conversation left
        self._update_buttons()
        self.input.setFocus()

    def _open_conversation(self, conversation) -> None:
        if conversation is None or self.busy:
            return
        if self.conversation is not None and conversation.id == self.conversation.id:
            return
        self.conversation = conversation
        self._editing_from = None
        self.status.clear()
        self.show_error("")
        self.system_prompt.setPlainText(conversation.system_prompt)
        if conversation.model_path:
            self.picker.choose(conversation.model_path)
        # Found by a search: open it at the match (the view draws only the latest messages).
        self._reload_messages(reveal=self.sidebar.search.text())

    def _reload_messages(self, note_for_last: str = "", reveal: str = "") -> None:
        if self.conversation is None:
            return
        cid = self.conversation.id
        self.services.store.submit(lambda lib: lib.conversations.messages(cid),
                                   lambda messages: self._show_messages(cid, messages, note_for_last, reveal))

    def _show_messages(self, cid: int, messages, note_for_last: str, reveal: str = "") -> None:
        if self.conversation is None or self.conversation.id != cid:
            return
        shown = [ShownMessage(m.id, m.role, m.content, generation_id=m.generation_id) for m in messages]
        if shown and note_for_last:
            shown[-1].note = note_for_last
        self.view.set_messages(shown)
        if reveal.strip():
            self.view.reveal_text(reveal)
        self._update_buttons()

    def _rename(self, conversation_id: int, title: str) -> None:
        self.services.store.submit(lambda lib: lib.conversations.rename(conversation_id, title), None,
                                   lambda exc: self.show_error(f"Could not rename the conversation: {exc}"),
                                   change(CONVERSATIONS, conversation_id=conversation_id))

    def _delete(self, conversation_id: int) -> None:
        if self.conversation is not None and self.conversation.id == conversation_id:
            if self.session.busy:
                self.show_error("Stop the reply before deleting this conversation.")
                return
            self.new_conversation()
        self.services.store.submit(lambda lib: lib.conversations.delete(conversation_id), None,
                                   lambda exc: self.show_error(f"Could not delete the conversation: {exc}"),
                                   change(CONVERSATIONS, ITEMS, conversation_id=conversation_id))

    # -- generation -----------------------------------------------------------------------

    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if self.busy:
            return
        if not text:
            self.show_error("Type a message first.")
            return
        model = self.picker.current()
        if model is None:
            self.show_error("Choose a model first (Models › Catalog or File › Add model file… if the list is empty).")
            return
        self.show_error("")
        edit_from, self._editing_from = self._editing_from, None
        cid = self.conversation.id if self.conversation else None
        system, studio = self.system_prompt.toPlainText().strip(), self.studio_key
        self.input.clear()
        self._recording = True
        self._update_buttons()
        # One store call, one transaction: the message is saved whole or not at all.
        self.services.store.submit(
            lambda lib: lib.conversations.send(studio, cid, text, system_prompt=system,
                                               model_path=model.path, replacing=edit_from),
            self._launch, lambda exc: self._on_record_failed(exc, text, edit_from), change(CONVERSATIONS))

    def regenerate(self) -> None:
        if self.busy or self.conversation is None:
            return
        if not any(m.role == "user" for m in self.view.messages()):
            return
        cid = self.conversation.id
        self._recording = True
        self._update_buttons()
        self.services.store.submit(lambda lib: lib.conversations.regenerate(cid),
                                   self._launch, self._on_record_failed, change(CONVERSATIONS, conversation_id=cid))

    def edit_message(self, message_id: int) -> None:
        if self.busy:
            return
        message = next((m for m in self.view.messages() if m.id == message_id), None)
        if message is None:
            return
        self._editing_from = message_id
        self.input.setPlainText(message.content)
        self.input.setFocus()
        self.status.setText("Editing: sending replaces that message and everything after it.")

    def stop(self) -> None:
        if self.session.cancel():
            self.status.setText("Stopping…")

    def _on_record_failed(self, exc: BaseException, text: str = "", edit_from: int | None = None) -> None:
        self._recording = False
        self._update_buttons()
        if text and not self.input.toPlainText().strip():
            # Nothing was saved: give the message (and its edit) back rather than lose it.
            self.input.setPlainText(text)
            self._editing_from = edit_from
        self.show_error(f"Could not save the message to the library: {exc}")

    def _launch(self, recorded) -> None:
        conversation, messages = recorded
        self._recording = False
        self.conversation = conversation
        self.sidebar.select_id(conversation.id)
        self.view.set_messages([ShownMessage(m.id, m.role, m.content, generation_id=m.generation_id) for m in messages])
        model = self.picker.current()
        if model is None:
            self._update_buttons()
            return
        request = self._build_request(conversation, messages)
        self.session.submit(JobKind.TEXT, request, model.path, f"{self.title}: {request.display_prompt()[:40]}",
                            conversation_id=conversation.id)
        self.view.begin_stream()
        self.status.setText("Waiting for the model…")
        self._update_buttons()

    def _build_request(self, conversation, messages) -> TextRequest:
        sampling = self.sampling.sampling()
        if self.current_mode() == COMPLETION:
            prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
            return TextRequest(mode=COMPLETION, prompt=prompt, sampling=sampling)
        chat = [ChatMessage(m.role, m.content) for m in messages]
        if conversation.system_prompt.strip():
            chat.insert(0, ChatMessage("system", conversation.system_prompt.strip()))
        return TextRequest(mode=CHAT, messages=chat, sampling=sampling)

    def _on_started(self, _job: Job) -> None:
        self.status.setText("Loading the model…")

    def _on_progress(self, _job: Job, progress) -> None:
        if progress.text:
            self.view.append_stream(progress.text)
        if progress.unit == "prompt tokens":
            self.status.setText(f"Reading the prompt… {progress.done}/{progress.total} tokens")
        else:
            self.status.setText(f"Writing… {progress.done} tokens")

    def _on_finished(self, _job: Job, outcome) -> None:
        result = outcome.result
        note = ""
        if result.dropped_messages:
            note = (f"{result.dropped_messages} earliest message(s) were left out so the conversation "
                    f"fits the model's {result.n_ctx:,}-token context.")
        message_id = outcome.message.id if outcome.message else None
        self.view.end_stream(message_id, result.text, note)
        self.status.setText(f"{result.completion_tokens} tokens · {result.tokens_per_s:.1f} tok/s · "
                            f"seed {result.seed}" + (" · reached max tokens" if result.finish_reason == "length" else ""))
        self._finish_job()

    def _on_failed(self, _job: Job, message: str) -> None:
        self.view.end_stream(None, "")
        self.show_error(message)
        self.status.setText("Failed")
        self._finish_job()

    def _on_cancelled(self, _job: Job, partial: str) -> None:
        self.view.end_stream(None, "")
        self.status.setText("Stopped")
        self._finish_job(reload_note="Stopped before the end." if partial.strip() else "")

    def _finish_job(self, reload_note: str = "") -> None:
        self.history.forget()
        self._update_buttons()
        if reload_note or self.view.messages() and self.view.messages()[-1].id is None:
            self._reload_messages(reload_note)
