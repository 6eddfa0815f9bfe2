"""Saving from a studio: a conversation as Markdown, a code block as a file. Reading the
library and writing files happen off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from desktop.core.text.conversation_export import to_markdown


class StudioFiles:
    """Mixed into ChatStudio; uses its services, conversation, picker, status and errors."""

    def export_dialog(self) -> None:
        if self.conversation is None:
            return
        safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in self.conversation.title).strip()
        path, _ = QFileDialog.getSaveFileName(self, "Export conversation", f"{safe or 'conversation'}.md",
                                              "Markdown (*.md)")
        if path:
            self.export_markdown_to(Path(path))

    def export_markdown_to(self, path: Path) -> None:
        """Write the open conversation as Markdown (read and written off the GUI thread)."""
        if self.conversation is None:
            return
        cid = self.conversation.id
        model = self.picker.current()
        model_name = model.name if model else ""

        def render(lib) -> str:
            conversation = lib.conversations.get(cid)
            return to_markdown(conversation.title, lib.conversations.messages(cid),
                               conversation.system_prompt, model_name)

        self.services.store.submit(render, lambda text: self._write_file(path, text, "Exported to"),
                                   lambda exc: self.show_error(f"Could not export: {exc}"))

    def save_code_dialog(self, block) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save code", f"snippet{_extension(block.language)}")
        if path:
            self.save_code_to(block, Path(path))

    def save_code_to(self, block, path: Path) -> None:
        self._write_file(path, block.code, "Saved")

    def _write_file(self, path: Path, text: str, done: str) -> None:
        def write() -> Path:
            path.write_text(text, encoding="utf-8")
            return path

        self.services.background.run(write, lambda p: self.status.setText(f"{done} {p}"),
                                     lambda exc: self.show_error(f"Could not write {path.name}: {exc}"))


def _extension(language: str) -> str:
    """A file extension for a fence language (the lexer class only: no regex compiling)."""
    try:
        from pygments.lexers import find_lexer_class_by_name

        patterns = find_lexer_class_by_name(language).filenames if language else []
    except Exception:  # noqa: BLE001 - unknown language: plain text
        patterns = []
    return patterns[0].replace("*", "") if patterns else ".txt"
