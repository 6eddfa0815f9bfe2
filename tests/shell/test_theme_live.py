"""Light to dark while the window is open: every studio repaints in the new theme at once
(widgets with a style sheet used to keep the palette they were polished with)."""

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication


def light_share(image) -> float:
    """The share of near-white pixels, sampled on a grid (a dark theme has next to none)."""
    step, light, total = 4, 0, 0
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            total += 1
            light += QColor(image.pixel(x, y)).lightness() > 230
    return light / total


def test_switching_to_dark_repaints_every_studio_without_a_restart(qtbot, wide_window):
    window = wide_window
    QApplication.processEvents()
    window.theme.apply("dark")
    for key in window.panels:
        window.show_panel(key)
        qtbot.wait(50)
        share = light_share(window.grab().toImage())
        assert share < 0.01, f"{key}: {share:.1%} of the window is still light after switching to dark"
    window.theme.apply("light")
    window.show_panel("image")
    qtbot.wait(50)
    assert light_share(window.grab().toImage()) > 0.3
