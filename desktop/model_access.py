"""Where models are downloaded to and from, from the settings, for the window and the CLI
alike: the models folder (a setting, else <data>/models), the hub (the endpoint setting, else
HF_ENDPOINT, else huggingface.co; the access token; the Offline switch) and a Downloader on
them. One place, so a download started in either lands in the same folder the same way."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from desktop.paths import DataLayout
from desktop.settings import Settings


def models_folder(settings: Settings, data_dir: Path) -> Path:
    """Downloads land here as <publisher>/<model>/ folders (LM Studio's layout: plain files
    other tools can open, found by every scan; a model is never stored twice because a
    download first looks for it here and in the other apps' stores)."""
    return Path(settings.models_dir).expanduser() if settings.models_dir else DataLayout(data_dir).models


def hub(settings: Settings, offline: Callable[[], bool] | None = None, environ=None):
    """The hub a download or catalog check talks to. `offline` lets a long-lived window read
    the switch at each request; the CLI reads it from the settings it loaded."""
    from desktop.core.models.hub import Hub, default_endpoint

    endpoint = settings.hub_endpoint.strip() or default_endpoint(os.environ if environ is None else environ)
    still_offline = offline or (lambda: settings.offline)
    return Hub(endpoint=endpoint, token=settings.hub_token or None, allow_network=lambda: not still_offline())


def downloader(settings: Settings, data_dir: Path, offline: Callable[[], bool] | None = None):
    from desktop.core.models.downloads import Downloader

    return Downloader(models_folder(settings, data_dir), hub(settings, offline))
