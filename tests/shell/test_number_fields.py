"""Number fields say their range and say when typing went beyond it (a QSpinBox silently
turned "100000" typed into a 2048-wide field into "1000")."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QVBoxLayout, QWidget

from desktop.ui.widgets.number_fields import FloatField, IntField, LimitSaying
from desktop.ui.widgets.seed_box import SeedBox
from tests.app_window import open_window


@pytest.fixture
def form(qtbot):
    """A field, then somewhere else to click (leaving a field is when it is checked)."""
    holders = []

    def make(field):
        holder = QWidget()
        holders.append(holder)
        column = QVBoxLayout(holder)
        elsewhere = QLineEdit()
        column.addWidget(field)
        column.addWidget(elsewhere)
        qtbot.addWidget(holder)
        holder.show()
        qtbot.waitExposed(holder)
        return field, elsewhere
    yield make


def type_then_leave(qtbot, field, text, elsewhere) -> list[str]:
    said = []
    field.limit_said.connect(said.append)
    field.setFocus()
    field.lineEdit().selectAll()
    qtbot.keyClicks(field.lineEdit(), text)
    assert field.lineEdit().text() == text  # every digit is taken while typing
    qtbot.keyClick(field, Qt.Key_Return)  # Enter, as leaving the field, ends the edit
    return said


def test_a_number_typed_beyond_the_maximum_is_set_to_it_and_said(qtbot, form):
    field, elsewhere = form(IntField(64, 2048, 512, "Width of the image", unit="px"))
    said = type_then_leave(qtbot, field, "100000", elsewhere)
    assert field.value() == 2048
    assert said == ["100,000 is beyond the limit: this field is at most 2,048 px, so it was set to that."]


def test_a_number_below_the_minimum_and_a_decimal_beyond_are_said_too(qtbot, form):
    field, elsewhere = form(IntField(64, 2048, 512, unit="px"))
    assert type_then_leave(qtbot, field, "8", elsewhere) == [
        "8 is beyond the limit: this field is at least 64 px, so it was set to that."]
    assert field.value() == 64
    guidance, elsewhere = form(FloatField(0.0, 30.0, 0.5, 7.5, "Guidance"))
    assert "at most 30.00" in type_then_leave(qtbot, guidance, "45", elsewhere)[0]
    assert guidance.value() == 30.0


def test_a_number_inside_the_range_is_taken_without_a_word(qtbot, form):
    field, elsewhere = form(IntField(64, 2048, 512, unit="px"))
    assert type_then_leave(qtbot, field, "768", elsewhere) == [] and field.value() == 768


def test_a_typed_seed_beyond_what_the_model_takes_is_said_but_a_stored_one_is_kept(qtbot, form):
    seed, elsewhere = form(SeedBox(2**32 - 2))
    said = type_then_leave(qtbot, seed, str(2**40), elsewhere)
    assert seed.value() == 2**32 - 2 and "at most 4,294,967,294" in said[0]
    seed.setValue(2**40)  # settings read from another tool: refused by the request, with the range
    assert seed.value() == 2**40


def test_the_tooltip_ends_with_the_range_and_its_unit():
    assert IntField(64, 2048, 512, "Width of the image", unit="px").full_tooltip() == (
        "Width of the image\nRange: 64 to 2,048 px")
    steps = IntField(1, 150, 20)
    steps.setSuffix(" steps")
    assert steps.full_tooltip() == "Range: 1 to 150 steps"


def test_every_number_field_in_every_studio_states_its_range(qtbot, data_dir):
    window, services = open_window(qtbot, data_dir)
    try:
        plain = [f"{key}: {type(box).__name__} {box.objectName() or box.toolTip()[:40]!r}"
                 for key, panel in window.panels.items() for box in panel.findChildren(QAbstractSpinBox)
                 if not isinstance(box, LimitSaying)]
        assert not plain, "number fields that neither state their range nor say a limit:\n" + "\n".join(plain)
    finally:
        services.shutdown()
