"""How a conversation studio is laid out: the conversation list, the model and mode bar, the
conversation with its input and actions, and the side column (system prompt, sampling;
the Code studio puts its editor in the middle and adds its own sections). Mixed into
ChatStudio, which owns what the widgets do."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QToolButton,
                               QVBoxLayout, QWidget)

from desktop.core.text.text_request import CHAT, COMPLETION
from desktop.ui.text.chat_view import ChatView
from desktop.ui.text.conversation_sidebar import ConversationSidebar
from desktop.ui.text.sampling_form import SamplingForm
from desktop.ui.widgets.error_overlay import ErrorOverlay
from desktop.ui.widgets.folding_splitter import FoldingSplitter
from desktop.ui.widgets.model_offer_card import ModelOfferCard
from desktop.ui.widgets.model_picker import ModelPicker
from desktop.viewmodels.conversation_list import ConversationListModel
from desktop.ui.widgets.status_line import StatusLine

MODE_LABELS = {CHAT: "Chat", COMPLETION: "Complete text"}


class ChatLayout:
    def _build(self) -> None:
        self.conversations = ConversationListModel(self.services.store, self.studio_key, self)
        self.sidebar = ConversationSidebar(self.conversations)
        self.picker = ModelPicker(self.services.models, self.services.settings.get(self.model_setting))
        self.mode = QComboBox()
        for key, label in MODE_LABELS.items():
            self.mode.addItem(label, key)
        self.mode.setToolTip("Chat: the model answers your messages. Complete text: it continues what you write.")
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.banner.hide()
        # No model that can chat (only a base model, or none): the catalog's instruct picks.
        self.offer_card = ModelOfferCard(self.services, self.studio_key, self.services.models,
                                         lambda models: any(m.has_chat_template for m in models))
        self.view = ChatView()
        self.view.set_dark(self.theme.dark)
        self.error = ErrorOverlay(self.view)  # over the conversation's top edge: nothing below moves
        self.preset = QComboBox()
        self.input = QPlainTextEdit()
        self.input.setPlaceholderText("Message the model… (Ctrl+Enter to send)")
        self.input.setMaximumHeight(130)
        self.send_button = QPushButton("Send")
        self.send_button.setToolTip("Ctrl+Enter")
        self.send_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Esc")
        self.regenerate_button = QPushButton("Regenerate")
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Save this conversation as a Markdown file")
        self.status = StatusLine()

        header = QHBoxLayout()
        self.list_toggle, self.settings_toggle = QToolButton(), QToolButton()
        header.addWidget(self.list_toggle)
        header.addWidget(QLabel("Model"))
        header.addWidget(self.picker, 1)
        header.addWidget(self.mode)
        header.addWidget(self.settings_toggle)
        actions = QHBoxLayout()
        actions.addWidget(self.preset)
        actions.addWidget(self.status, 1)
        for button in (self.export_button, self.regenerate_button, self.stop_button, self.send_button):
            actions.addWidget(button)
        center = QWidget()
        column = QVBoxLayout(center)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(header)
        column.addWidget(self.banner)
        column.addWidget(self._center_widget(), 1)
        column.addWidget(self.input)
        column.addLayout(actions)

        self.system_prompt = QPlainTextEdit()
        self.system_prompt.setPlaceholderText("System prompt: how the assistant should behave")
        self.system_prompt.setMaximumHeight(120)
        self.sampling = SamplingForm()
        side = QWidget()
        side_column = QVBoxLayout(side)
        side_column.setContentsMargins(0, 0, 0, 0)
        for title, widget in self._side_sections():
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(widget)
            side_column.addWidget(box)
        side_column.addStretch(1)

        # In a narrow window the settings column folds first, then the conversation list.
        splitter = FoldingSplitter(Qt.Horizontal)
        conversations = splitter.add_foldable(self.sidebar, "Conversations", "Show or hide the conversation list")
        splitter.addWidget(center)
        settings = splitter.add_foldable(side, "Settings", "Show or hide the system prompt and sampling settings",
                                         folds_first=True)
        self.list_toggle.setDefaultAction(conversations)
        self.settings_toggle.setDefaultAction(settings)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([200, 640, 260])
        self.splitter_columns = splitter
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.addWidget(self.offer_card)  # across the studio: readable in a small window
        outer.addWidget(splitter, 1)
        self._update_buttons()

    def _center_widget(self) -> QWidget:
        return self.view

    def _side_sections(self) -> list[tuple[str, QWidget]]:
        return [("System prompt", self.system_prompt), ("Sampling", self.sampling)]
