"""A splitter whose side columns fold away when the window is too narrow for them all, so the
middle keeps room for its buttons instead of every column being squeezed until text is cut
(at 900×600 the Text studio's three columns did not fit). Each side column has a checkable
action (a header button) that folds or unfolds it by hand; unfolding one in a narrow window
folds the others that no longer fit."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSplitter, QWidget


class FoldingSplitter(QSplitter):
    def __init__(self, orientation, parent=None):
        super().__init__(orientation, parent)
        self._foldable: list[QWidget] = []   # in the order they fold: the first folds first
        self._actions: dict[QWidget, QAction] = {}
        self._closed_by_person: set[QWidget] = set()
        self._last_opened: QWidget | None = None
        self._fitting = False

    def add_foldable(self, pane: QWidget, label: str, tip: str, folds_first: bool = False) -> QAction:
        """A side column that folds when room runs out (in the order added, unless it
        `folds_first`); the returned action shows and toggles it."""
        self.addWidget(pane)
        self.setCollapsible(self.indexOf(pane), False)
        self._foldable.insert(0 if folds_first else len(self._foldable), pane)
        action = QAction(label, self, checkable=True, checked=True)
        action.setToolTip(tip)
        action.toggled.connect(lambda on, p=pane: self._toggled_by_person(p, on))
        self._actions[pane] = action
        return action

    def minimumSizeHint(self) -> QSize:
        # What the middle needs: the side columns fold rather than make the window wider.
        hint = super().minimumSizeHint()
        folded = sum(self._need(p) for p in self._foldable if p.isVisibleTo(self))
        return QSize(max(0, hint.width() - folded), hint.height())

    def resizeEvent(self, event) -> None:
        self._fit(event.size().width())
        super().resizeEvent(event)

    def _toggled_by_person(self, pane: QWidget, on: bool) -> None:
        if self._fitting:
            return
        if on:
            self._closed_by_person.discard(pane)
            self._last_opened = pane
        else:
            self._closed_by_person.add(pane)
        self._fit(self.width())

    def _fit(self, width: int) -> None:
        """Show every side column the person has not closed, then fold (first-listed first,
        the one they opened last kept) until what is shown fits the width."""
        wanted = [p for p in self._foldable if p not in self._closed_by_person]
        fixed = sum(self._need(self.widget(i)) for i in range(self.count()) if self.widget(i) not in self._foldable)
        order = [p for p in wanted if p is not self._last_opened] + [p for p in wanted if p is self._last_opened]
        shown = list(wanted)
        for pane in order:
            if fixed + sum(self._need(p) for p in shown) <= width:
                break
            shown.remove(pane)
        self._fitting = True
        try:
            for pane in self._foldable:
                pane.setVisible(pane in shown)
                self._actions[pane].setChecked(pane in shown)
        finally:
            self._fitting = False

    def _need(self, widget: QWidget) -> int:
        return max(widget.minimumSizeHint().width(), widget.minimumWidth()) + self.handleWidth()
