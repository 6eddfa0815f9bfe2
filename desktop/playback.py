"""Whether this machine can play audio, decided in one place for every player.

QtMultimedia loads only when its system libraries are there: without PulseAudio's client
library (Debian/Ubuntu package libpulse0) its import raises ImportError, and
importlib.util.find_spec still finds the module, so the import itself is the only real
test. It is tried once: by the warm-up on the inference thread (services.WARM_UP_TASKS),
or by the first player that asks before then. Speech is still made, kept and drawn
without it; only playing needs it.
"""

from __future__ import annotations

import logging
import re
import threading

log = logging.getLogger(__name__)

# The system package that provides a shared library QtMultimedia needs (Debian/Ubuntu names).
SYSTEM_PACKAGES = {"libpulse.so.0": "libpulse0", "libpulse-simple.so.0": "libpulse0"}
_lock = threading.Lock()
_problem: str | None = None
_decided = False


def problem() -> str | None:
    """None when audio can be played; otherwise what is missing and how to get it."""
    global _problem, _decided
    with _lock:  # the warm-up may be importing on another thread right now
        if not _decided:
            try:
                from PySide6 import QtMultimedia  # noqa: F401
            except ImportError as exc:
                _problem = explain(exc)
                log.warning("Audio playback is unavailable: %s", exc)
            _decided = True
        return _problem


NO_OUTPUT = ("No audio output device: the audio is still made, saved and drawn; connect speakers or "
             "headphones (or start the sound server) to hear it.")


def has_output_device() -> bool:
    """Whether there is anywhere to play to, asked each time (headphones may have been plugged
    in meanwhile); on the GUI thread, once problem() is None (QtMultimedia is loaded then)."""
    from PySide6.QtMultimedia import QMediaDevices

    return bool(QMediaDevices.audioOutputs())


def can_play() -> bool:
    return problem() is None


def explain(exc: ImportError) -> str:
    library = re.search(r"(lib[\w.+-]*?\.so(?:\.\d+)*)", str(exc))
    if library is None:  # PySide6-Addons, which holds QtMultimedia, is not installed
        return ("Playback is unavailable: Qt's multimedia module is not installed (the PySide6-Addons package, "
                "part of Atelier's audio extra). Audio is still made, saved and drawn.")
    name = library.group(1)
    package = SYSTEM_PACKAGES.get(name)
    install = (f"install the system package {package} (Debian/Ubuntu: sudo apt install {package})" if package
               else "install the system package that provides it")
    return (f"Playback is unavailable: the system library {name} is missing; {install} and restart Atelier. "
            "Audio is still made, saved and drawn.")
