"""Carries a hand-off (viewmodels/hand_off.py) from wherever it was asked for — a studio's
results, a chat reply, the Library's menu — to the studio that makes it, and shows that
studio. Each studio links what it then makes to the source (core/lineage.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog

from desktop.core import lineage
from desktop.viewmodels.hand_off import HandOff


def frame_file(clip: str, temp: Path) -> str:
    """Off the GUI thread: a still of the clip for the Image studio: its poster (the first
    frame, written beside it) when there is one, else the first frame written to `temp`."""
    from desktop.core.video.video_files import iter_frames, poster_name

    poster = Path(poster_name(clip))
    if poster.is_file():
        return str(poster)
    frame = next(iter(iter_frames(clip, limit=1)), None)
    if frame is None:
        from desktop.core.errors import UserFacingError

        raise UserFacingError(f"{Path(clip).name} has no frame to take.")
    temp.mkdir(parents=True, exist_ok=True)
    still = temp / f"{Path(clip).stem}-frame.png"
    frame.save(still)
    return str(still)


class HandOffs(QObject):
    def __init__(self, window, services):
        super().__init__(window)
        self.window, self.services = window, services

    def watch(self, source) -> None:
        """Take the hand-offs `source` (a studio or the Library) asks for."""
        if hasattr(source, "hand_off"):
            source.hand_off.connect(self.perform)

    def perform(self, hand_off: HandOff) -> None:
        getattr(self, "_" + hand_off.action.replace(" ", "_"))(hand_off)

    def _show(self, key: str):
        self.window.show_panel(key)
        return self.window.panel(key)

    # -- from a text --------------------------------------------------------------------------

    def _make_image(self, h: HandOff) -> None:
        self._show("image").prompt_from_text(h.text, _source(lineage.PROMPT_FROM, h))

    def _compose(self, h: HandOff) -> None:
        self._show("audio").compose_from(h.text, _source(lineage.PROMPT_FROM, h))

    def _read_aloud(self, h: HandOff) -> None:
        self._show("audio").read_aloud(h.text, h.generation_id)

    # -- from an image ------------------------------------------------------------------------

    def _animate(self, h: HandOff) -> None:
        panel = self._show("video")
        panel.load_image_file(h.path, lineage.Source(lineage.ANIMATE, h.generation_id, h.path))
        panel.status.setText("Describe the motion (or leave the prompt empty), then Generate to animate the image.")

    def _upscale(self, h: HandOff) -> None:
        self._show("image").upscale_file(h.path, h.generation_id)

    def _image_prompt(self, h: HandOff) -> None:
        self._show("image").take_image_prompt(h.path, lineage.Source(lineage.IMAGE_PROMPT, h.generation_id, h.path))

    # -- from a video -------------------------------------------------------------------------

    def _frame_prompt(self, h: HandOff) -> None:
        panel = self._show("image")
        source = lineage.Source(lineage.FRAME, h.generation_id, h.path)
        panel.status.setText(f"Taking a frame of {Path(h.path).name}…")
        self.services.background.run(lambda: frame_file(h.path, self.services.layout.temp),
                                     lambda still: panel.take_image_prompt(still, source),
                                     lambda exc: panel.show_error(str(exc)))

    def _extend(self, h: HandOff) -> None:
        self._show("video").extend_clip(h.path, h.generation_id)

    # -- from a sound -------------------------------------------------------------------------

    def _soundtrack(self, h: HandOff) -> None:
        from desktop.ui.shell.video_chooser import VideoChooser, library_clips

        def choose(clips) -> None:
            if not clips:
                self.window.statusBar().showMessage("There is no video in the library yet to lay this sound under: "
                                                    "make a clip in the Video studio first.", 10000)
                return
            dialog = VideoChooser(clips, Path(h.path).name, self.window)
            if dialog.exec() != QDialog.Accepted or dialog.chosen() is None:
                return
            clip = dialog.chosen()
            self._show("video").add_soundtrack(clip.path, clip.generation_id, h.path, h.generation_id,
                                               dialog.chosen_fit())

        self.services.store.submit(library_clips, choose,
                                   lambda exc: self.window.statusBar().showMessage(f"The library's videos could not "
                                                                                   f"be listed: {exc}", 10000))


def _source(relation: str, h: HandOff) -> lineage.Source | None:
    return lineage.Source(relation, h.generation_id, h.path) if h.generation_id or h.path else None

