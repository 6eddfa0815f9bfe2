"""Fixtures of the model manager's tests: a fake Hugging Face hub on 127.0.0.1 (fake_hub.py)."""

from __future__ import annotations

import pytest

from fake_hub import FakeHub


@pytest.fixture
def fake_hub(monkeypatch):
    """A hub on loopback. The suite sets HF_HUB_OFFLINE=1 so nothing reaches the real hub by
    accident; huggingface_hub read it at import, so it is lifted here for this server only."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    hub = FakeHub()
    yield hub
    hub.close()
