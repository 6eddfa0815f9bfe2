"""The audio tests play to an output device, whatever this machine has (CI has none): the
path without one is forced in its own test (test_no_output_device.py)."""

import pytest

from desktop import playback


@pytest.fixture(autouse=True)
def an_output_device(monkeypatch):
    monkeypatch.setattr(playback, "has_output_device", lambda: True)
