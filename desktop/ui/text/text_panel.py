"""The Text studio: conversations, writing presets, Markdown replies."""

from desktop.core.text.presets import TEXT_COMPLETION_PRESETS, TEXT_PRESETS
from desktop.ui.text.chat_studio import ChatStudio


class TextPanel(ChatStudio):
    studio_key = "text"
    title = "Text"
    presets = TEXT_PRESETS
    completion_presets = TEXT_COMPLETION_PRESETS
    model_setting = "last_text_model"
