"""Looking at Library items: one item large (an image to zoom and pan, or text rendered),
or two side by side with their views moving together. Images are decoded and text is
rendered on the thread pool; the window shows "Loading…" meanwhile."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QPushButton, QSplitter, QStackedWidget,
                               QTextBrowser, QVBoxLayout, QWidget)

from desktop.store.library_items import ItemDetails
from desktop.store.trash import stored_at
from desktop.ui.widgets.image_view import ImageView
from desktop.ui.library.item_details import details_html, differences


def _decode(path: str) -> QImage:
    image = QImage(path)  # QImage may be made off the GUI thread; QPixmap may not
    if image.isNull():
        raise OSError(f"{path} could not be read as an image.")
    return image


def _render_text(details: ItemDetails, dark: bool) -> str:
    from desktop.core.text.markdown_html import MarkdownRenderer

    g = details.generation
    renderer = MarkdownRenderer(dark)
    prompt = renderer.render(g.prompt).html
    output = renderer.render(g.output_text).html if g.output_text else "<p><i>(no text)</i></p>"
    return f"<h3>Prompt</h3>{prompt}<h3>Reply</h3>{output}"


class ItemPane(QWidget):
    """One item's content: image view, a clip playing, audio, or the text rendered as Markdown."""
    frame_prompt = Signal(str)   # a video frame saved as PNG, for the Image studio

    def __init__(self, background, absolute, dark: bool = False, parent=None):
        super().__init__(parent)
        self._background, self._absolute, self._dark = background, absolute, dark
        self.image = ImageView()
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.message = QLabel("Loading…", alignment=Qt.AlignCenter)
        self.stack = QStackedWidget()
        for widget in (self.message, self.image, self.text):
            self.stack.addWidget(widget)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.stack)
        self.details: ItemDetails | None = None
        self.audio = None   # a player, made for the first audio item
        self.video = None   # likewise for the first video item
        self._ticket = 0

    def show_item(self, details: ItemDetails) -> None:
        self.details = details
        self._ticket += 1
        ticket = self._ticket
        self.stack.setCurrentWidget(self.message)
        self.message.setText("Loading…")
        g = details.generation
        image_asset = next((a for a in g.assets if a["mime"].startswith("image/")), None)
        audio_asset = next((a for a in g.assets if a["mime"].startswith("audio/")), None)
        if self.video is not None:
            self.video.stop()
        if g.modality == "video" and g.assets:
            self._show_video(g)
        elif audio_asset is not None:
            self._show_audio(self._absolute(stored_at(audio_asset["path"], bool(g.trashed_at))))
        elif image_asset is not None:
            path = self._absolute(stored_at(image_asset["path"], bool(g.trashed_at)))
            self._background.run(lambda: _decode(path), lambda image: self._show_image(ticket, image),
                                 lambda exc: self._show_message(ticket, str(exc)))
        else:
            self._background.run(lambda: _render_text(details, self._dark), lambda html: self._show_text(ticket, html),
                                 lambda exc: self._show_message(ticket, str(exc)))

    def _show_audio(self, path: str) -> None:
        """Audio plays here, with its waveform; what was spoken is in the details beside it."""
        if self.audio is None:
            from desktop.ui.widgets.audio_player import AudioPlayer

            self.audio = AudioPlayer(self._background)
            self.stack.addWidget(self.audio)
        self.audio.load(path)
        self.stack.setCurrentWidget(self.audio)

    def _show_video(self, g) -> None:
        """The clip plays (or its frames are drawn); its poster is the generation's second asset."""
        if self.video is None:
            from desktop.ui.library.video_view import VideoView

            self.video = VideoView(self._background)
            self.video.frame_prompt.connect(self.frame_prompt)
            self.stack.addWidget(self.video)
        trashed = bool(g.trashed_at)
        clip = self._absolute(stored_at(g.assets[0]["path"], trashed))
        poster = next((a for a in g.assets[1:] if a["mime"].startswith("image/")), None)
        self.video.load(clip, self._absolute(stored_at(poster["path"], trashed)) if poster else "",
                        float((g.params or {}).get("fps") or 0))
        self.stack.setCurrentWidget(self.video)

    def _show_image(self, ticket: int, image: QImage) -> None:
        if ticket == self._ticket:  # a later item may have been chosen meanwhile
            self.stack.setCurrentWidget(self.image)
            self.image.set_image(image)

    def _show_text(self, ticket: int, html: str) -> None:
        if ticket == self._ticket:
            self.text.setHtml(html)
            self.stack.setCurrentWidget(self.text)

    def _show_message(self, ticket: int, message: str) -> None:
        if ticket == self._ticket:
            self.message.setText(message)
            self.stack.setCurrentWidget(self.message)


def _zoom_buttons(view: ImageView) -> QHBoxLayout:
    row = QHBoxLayout()
    for label, action, tip in (("Fit", view.fit, "Fit the window (double-click the image)"),
                               ("1:1", view.actual_size, "Actual pixels"),
                               ("+", lambda: view.zoom(1.25), "Zoom in (mouse wheel)"),
                               ("−", lambda: view.zoom(0.8), "Zoom out (mouse wheel)")):
        button = QPushButton(label)
        button.setToolTip(tip)
        button.clicked.connect(action)
        row.addWidget(button)
    row.addStretch(1)
    return row


class ItemViewer(QDialog):
    """One item, large, with how it was made beside it. ←/→ step through the grid."""

    def __init__(self, background, absolute, step=None, dark: bool = False, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Atelier — item")
        self.resize(1100, 760)
        self.pane = ItemPane(background, absolute, dark)
        self.info = QTextBrowser()
        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self.pane)
        splitter.addWidget(self.info)
        splitter.setSizes([780, 320])
        column = QVBoxLayout(self)
        column.addLayout(_zoom_buttons(self.pane.image))
        column.addWidget(splitter, 1)
        if step is not None:
            QShortcut(QKeySequence(Qt.Key_Right), self, lambda: step(+1))
            QShortcut(QKeySequence(Qt.Key_Left), self, lambda: step(-1))

    def show_item(self, details: ItemDetails) -> None:
        self.pane.show_item(details)
        self.info.setHtml(details_html(details, include_output=False))
        self.setWindowTitle(f"Atelier — item #{details.generation.id}")


class CompareViewer(QDialog):
    """Two items side by side; zooming or panning one moves the other the same way."""

    def __init__(self, background, absolute, dark: bool = False, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Atelier — compare")
        self.resize(1280, 800)
        self.panes = [ItemPane(background, absolute, dark), ItemPane(background, absolute, dark)]
        self.infos = [QTextBrowser(), QTextBrowser()]
        left, right = self.panes
        left.image.follow(right.image)
        right.image.follow(left.image)
        columns = QSplitter(Qt.Horizontal)
        for pane, info in zip(self.panes, self.infos):
            column = QSplitter(Qt.Vertical)
            column.addWidget(pane)
            column.addWidget(info)
            column.setSizes([560, 200])
            columns.addWidget(column)
        self.differences = QLabel()
        self.differences.setWordWrap(True)
        self.differences.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        bar = _zoom_buttons(left.image)
        bar.addWidget(self.differences, 3)
        layout.addLayout(bar)
        layout.addWidget(columns, 1)

    def show_items(self, first: ItemDetails, second: ItemDetails) -> None:
        for pane, info, details in zip(self.panes, self.infos, (first, second)):
            pane.show_item(details)
            info.setHtml(details_html(details, include_output=False))
        self.setWindowTitle(f"Atelier — compare #{first.generation.id} and #{second.generation.id}")
        changed = differences(first, second)
        self.differences.setText("Differs in: " + ", ".join(changed) if changed else "Made the same way.")
