"""Whether a studio takes a drag as its image prompt: a picture, or a file that is not a model
(a model file is left to the window, which adds it to its studio)."""

from __future__ import annotations

from desktop.model_routing import looks_droppable


def accept_image_drag(event) -> None:
    mime = event.mimeData()
    files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
    if mime.hasImage() or any(not looks_droppable(f) for f in files):
        event.acceptProposedAction()
    else:
        event.ignore()  # a model file: the window adds it
