"""Tells the Library model which item the mouse is over, so a video item there cycles a few
frames (like the hover previews of ComfyUI's and InvokeAI's galleries)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject


class GridHover(QObject):
    def __init__(self, grid, model):
        super().__init__(grid)
        self._model = model
        grid.setMouseTracking(True)  # `entered` needs it
        grid.entered.connect(self._entered)
        grid.viewportEntered.connect(self._left)  # over the grid's empty space
        grid.viewport().installEventFilter(self)

    def _entered(self, index) -> None:
        self._model.hover(index.row() if index.isValid() else -1)

    def _left(self) -> None:
        self._model.hover(-1)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Leave:
            self._model.hover(-1)
        return False
