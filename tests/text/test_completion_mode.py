"""Complete text mode as a person with a base model meets it: the banner, the system prompt,
the presets and the status line all say what holds for the mode in use."""

from PySide6.QtCore import Qt

from desktop.core.text.presets import CODE_COMPLETION_PRESETS, TEXT_COMPLETION_PRESETS, TEXT_PRESETS


def preset_names(panel) -> list[str]:
    return [panel.preset.itemText(i) for i in range(1, panel.preset.count())]


def test_a_base_model_disables_the_system_prompt_and_offers_openings_to_continue(qtbot, window, tiny_gguf,
                                                                                  tiny_chat_gguf):
    panel = window.panel("text")
    panel.picker.choose(str(tiny_chat_gguf))
    assert panel.system_prompt.isEnabled() and not panel.banner.isVisible()
    assert preset_names(panel) == [p.name for p in TEXT_PRESETS]

    panel.system_prompt.setPlainText("You are terse.")
    panel.picker.choose(str(tiny_gguf))
    assert panel.current_mode() == "completion"
    assert panel.banner.isVisible() and "Complete text" in panel.banner.text()
    assert not panel.system_prompt.isEnabled() and "reads no system prompt" in panel.system_prompt.toolTip()
    assert preset_names(panel) == [p.name for p in TEXT_COMPLETION_PRESETS]

    # An opening wraps the words and leaves the (unused) system prompt as it was.
    panel.input.setPlainText("tides")
    index = preset_names(panel).index("Question and answer") + 1
    panel.preset.setCurrentIndex(index)
    panel.preset.activated.emit(index)
    assert panel.input.toPlainText() == "Question: tides\nAnswer:"
    assert panel.system_prompt.toPlainText() == "You are terse."

    # Back to a chat model: the banner goes, the box and the chat presets come back.
    panel.picker.choose(str(tiny_chat_gguf))
    assert panel.current_mode() == "chat" and not panel.banner.isVisible()
    assert panel.system_prompt.isEnabled() and panel.system_prompt.toolTip() == ""
    assert preset_names(panel) == [p.name for p in TEXT_PRESETS]


def test_a_chat_model_switched_to_complete_text_by_hand_matches_its_mode(qtbot, window, tiny_chat_gguf):
    panel = window.panel("text")
    panel.picker.choose(str(tiny_chat_gguf))
    panel.mode.setCurrentIndex(panel.mode.findData("completion"))
    assert not panel.system_prompt.isEnabled() and panel.send_button.text() == "Continue"
    assert not panel.banner.isVisible()  # nothing to warn about: the person chose this
    panel.mode.setCurrentIndex(panel.mode.findData("chat"))
    assert panel.system_prompt.isEnabled() and panel.send_button.text() == "Send"


def test_failed_in_the_status_line_clears_when_a_new_conversation_starts(qtbot, window, tiny_gguf):
    panel = window.panel("text")
    panel.picker.choose(str(tiny_gguf))  # 512-token context
    panel.input.setPlainText("the cat sat on the mat " * 300)
    with qtbot.waitSignal(panel.services.queue.job_failed, timeout=20000):
        qtbot.keyClick(panel.input, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: panel.status.text() == "Failed", timeout=5000)
    assert panel.error.isVisible()
    panel.new_conversation()
    assert panel.status.text() == "" and not panel.error.isVisible()


def test_the_code_studio_with_a_base_model_completes_and_says_why_it_cannot_explain(qtbot, window, tiny_gguf,
                                                                                    tiny_chat_gguf):
    panel = window.panel("code")
    window.show_panel("code")
    panel.picker.choose(str(tiny_gguf))
    assert preset_names(panel) == [p.name for p in CODE_COMPLETION_PRESETS]
    for button in panel.action_buttons.values():
        assert not button.isEnabled() and "base model" in button.toolTip()
    assert panel.complete_button.isEnabled()
    panel.picker.choose(str(tiny_chat_gguf))
    assert all(b.isEnabled() and b.toolTip() == "" for b in panel.action_buttons.values())
