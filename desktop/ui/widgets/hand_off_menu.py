"""The hand-offs a result offers, added to a context menu: one list (viewmodels/hand_off.py) for
the studios' results, the chat's replies and the Library."""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QMenu

from desktop.viewmodels.hand_off import LABELS, TIPS, HandOff, actions_for


def add_hand_offs(menu: QMenu, modality: str, emit: Callable[[HandOff], None], generation_id: int | None = None,
                  path: str = "", text: str = "") -> int:
    """Add the hand-offs of a `modality` result to `menu`; each emits its HandOff. Returns how many."""
    actions = actions_for(modality, has_file=bool(path), has_text=bool(text.strip()))
    for action in actions:
        item = menu.addAction(LABELS[action], lambda a=action: emit(HandOff(a, generation_id, path, text)))
        item.setToolTip(TIPS[action])
    if actions:
        menu.setToolTipsVisible(True)
    return len(actions)


def show_result_hand_offs(parent, view, where, modality: str, emit: Callable[[HandOff], None], path_role: int,
                          id_role: int) -> None:
    """The right-click menu over a studio's result list (`view`, a QListWidget) at `where`:
    the hand-offs of the item there, its file and item id read from the two data roles."""
    item = view.itemAt(where)
    if item is None:
        return
    menu = QMenu(parent)
    add_hand_offs(menu, modality, emit, item.data(id_role), item.data(path_role))
    menu.exec(QCursor.pos())
