"""No layout jumps: a status that grows, an error that appears or a note that comes and goes
does not move the buttons a person is about to click, nor the studio's columns; and side
columns that fold in a narrow window can be unfolded by hand."""

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QPushButton


LONG = "1,234 tokens · 12.3 tok/s · seed 4294967294 · reached max tokens · " * 4
ERROR = "The model could not be loaded: " + "a long reason that wraps over several lines " * 6


def button_places(panel) -> dict:
    """Where every visible button outside a scrolling area is, in the window's coordinates."""
    def scrolled(widget):
        parent = widget.parentWidget()
        while parent is not None and parent is not panel:
            if isinstance(parent, QAbstractScrollArea):
                return True
            parent = parent.parentWidget()
        return False
    return {id(b): (b.text(), b.mapTo(panel.window(), QPoint(0, 0)), b.size())
            for b in panel.findChildren(QPushButton) if b.isVisible() and not scrolled(b)}


@pytest.mark.parametrize("key", ["text", "code", "image", "audio", "video"])
def test_a_long_status_and_an_error_move_no_button(qtbot, wide_window, key):
    window = wide_window
    window.show_panel(key)
    panel = window.panel(key)
    qtbot.wait(30)
    before = button_places(panel)
    status = panel.status if hasattr(panel, "status") else panel.results.status
    status.setText(LONG)
    panel.show_error(ERROR)
    QApplication.processEvents()
    qtbot.wait(30)
    after = button_places(panel)
    moved = [f"{before[k][0]!r}: {before[k][1].toTuple()} → {after[k][1].toTuple()}"
             for k in before if k in after and before[k][1:] != after[k][1:]]
    assert not moved, f"{key}: buttons moved when the status grew and an error appeared: {moved}"


def test_streaming_status_keeps_the_text_studios_columns(qtbot, wide_window):
    window = wide_window
    panel = window.panel("text")
    sizes = panel.splitter_columns.sizes()
    for count in (1, 10, 100, 1000, 10000):
        panel.status.setText(f"Writing… {count} tokens · " + "x" * count)
        QApplication.processEvents()
    assert panel.splitter_columns.sizes() == sizes


def test_side_columns_fold_in_a_narrow_window_and_unfold_by_hand(qtbot, wide_window):
    window = wide_window
    panel = window.panel("text")
    splitter = panel.splitter_columns
    assert panel.sidebar.isVisible() and panel.settings_toggle.defaultAction().isChecked()
    window.resize(900, 600)
    QApplication.processEvents()
    folded = [not w.isVisible() for w in (panel.sidebar, panel.system_prompt)]
    assert any(folded), "nothing folded at 900×600"
    settings = panel.settings_toggle.defaultAction()
    assert not settings.isChecked()  # the settings column folds first
    settings.trigger()  # the person unfolds it: it shows, and what no longer fits folds
    QApplication.processEvents()
    assert panel.system_prompt.isVisible()
    assert splitter.minimumSizeHint().width() <= splitter.width()
    window.resize(1600, 1000)
    QApplication.processEvents()
    assert panel.sidebar.isVisible() and panel.system_prompt.isVisible()  # room again: both come back
    panel.list_toggle.defaultAction().trigger()  # folded by hand: stays folded in a wide window
    QApplication.processEvents()
    assert not panel.sidebar.isVisible()
