"""The window over an empty library at its default size, shut down after the test."""

import pytest

from tests.app_window import open_window


@pytest.fixture
def wide_window(qtbot, data_dir):
    window, services = open_window(qtbot, data_dir)
    window.resize(1200, 760)
    yield window
    services.shutdown()
