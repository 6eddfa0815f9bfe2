"""Every studio at 900×600: no button, label or field cut, nothing outside the window."""

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QGroupBox, QLabel,
                               QLineEdit, QWidget)

from tests.app_window import open_window

SMALL = (900, 600)
SQUEEZABLE = (QAbstractButton, QLabel, QComboBox, QLineEdit, QAbstractSpinBox)


@pytest.fixture
def window(qtbot, data_dir):
    """A first start: no model of any kind, so every studio shows its "Get a model" card."""
    window, services = open_window(qtbot, data_dir)
    services.rescan_models()
    cards = [window.panel(key).offer_card for key in ("image", "video")]
    qtbot.waitUntil(lambda: all(card.rows for card in cards), timeout=20000)
    yield window
    services.shutdown()


def cut_widgets(window) -> list[str]:
    """What a person would see cut: text wider than its widget, or a widget outside the window."""
    problems = []
    frame = QRect(QPoint(0, 0), window.size())
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget.width() <= 0:
            continue
        name = f"{type(widget).__name__} {widget_text(widget)!r}"
        place = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
        if isinstance(widget, (QAbstractButton, QLabel, QComboBox, QLineEdit, QAbstractSpinBox, QGroupBox)):
            if not frame.contains(place) and not clipped_by_scroll_area(widget):
                problems.append(f"{name} is outside the window ({place.getRect()})")
        if isinstance(widget, QAbstractButton) and widget.text():
            if widget.sizeHint().width() > widget.width() + 1:
                problems.append(f"{name} is {widget.width()} px wide, needs {widget.sizeHint().width()}")
        elif isinstance(widget, QLabel) and widget.text() and not widget.wordWrap() and widget.pixmap().isNull():
            if widget.minimumSizeHint().width() > widget.width() + 1:
                problems.append(f"{name} is {widget.width()} px wide, needs {widget.minimumSizeHint().width()}")
        elif isinstance(widget, QGroupBox) and widget.title():
            if widget.minimumSizeHint().width() > widget.width() + 1:
                problems.append(f"{name} is {widget.width()} px wide, needs {widget.minimumSizeHint().width()}")
        elif isinstance(widget, (QAbstractSpinBox, QComboBox)):
            if widget.minimumSizeHint().width() > widget.width() + 1:
                problems.append(f"{name} is {widget.width()} px wide, needs {widget.minimumSizeHint().width()}")
        inner = isinstance(widget.parentWidget(), (QAbstractSpinBox, QComboBox))  # sized by its box
        if isinstance(widget, SQUEEZABLE) and not inner:
            needed = widget.minimumSizeHint().height()
            if widget.height() + 1 < needed:
                problems.append(f"{name} is {widget.height()} px high, needs {needed}")
    return problems


def widget_text(widget) -> str:
    for attribute in ("text", "title", "currentText"):
        if callable(getattr(type(widget), attribute, None)):
            value = getattr(widget, attribute)()
            if isinstance(value, str):
                return value[:40]
    return ""


def clipped_by_scroll_area(widget) -> bool:
    from PySide6.QtWidgets import QAbstractScrollArea

    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def test_every_studio_fits_a_900_by_600_window(qtbot, window):
    window.resize(*SMALL)
    QApplication.processEvents()
    assert (window.width(), window.height()) == SMALL, "the window refuses to be 900×600"
    report = {}
    for key in window.panels:
        window.show_panel(key)
        qtbot.wait(30)
        problems = cut_widgets(window)
        if problems:
            report[key] = problems
    assert not report, "\n".join(f"{k}: {p}" for k, ps in report.items() for p in ps)


@pytest.mark.parametrize("tab", ["catalog", "installed", "downloads"])
def test_the_models_window_fits_a_900_by_600_screen(qtbot, window, tab):
    window.resize(*SMALL)
    window.open_models(tab)
    models = window.models_window
    qtbot.waitUntil(models.isVisible, timeout=5000)
    models.resize(min(models.width(), SMALL[0]), min(models.height(), SMALL[1]))
    QApplication.processEvents()
    assert models.width() <= SMALL[0] and models.height() <= SMALL[1], "the Models window is larger than the screen"
    qtbot.wait(50)
    problems = cut_widgets(models)
    assert not problems, "\n".join(problems)


def test_every_settings_tab_fits_a_900_by_600_screen(qtbot, window):
    from PySide6.QtWidgets import QTabWidget

    from desktop.ui.shell.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.services.settings, str(window.services.layout.root), window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.resize(min(dialog.width(), SMALL[0]), min(dialog.height(), SMALL[1]))
    QApplication.processEvents()
    assert dialog.width() <= SMALL[0] and dialog.height() <= SMALL[1], "Settings is larger than the screen"
    tabs = dialog.findChild(QTabWidget)
    report = []
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        qtbot.wait(20)
        report += [f"{tabs.tabText(index)}: {p}" for p in cut_widgets(dialog)]
    assert not report, "\n".join(report)
