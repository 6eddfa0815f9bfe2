"""llama.cpp's own log lines (model loading, cache layout, warnings) go to Atelier's log
file, and to stderr only when a person asks for them (`--verbose`). llama-cpp-python's own
callback prints some of them to stderr even with verbose=False."""

from __future__ import annotations

import ctypes
import logging
import sys

log = logging.getLogger("llama.cpp")
# ggml_log_level: NONE, DEBUG, INFO, WARN, ERROR, CONT (continues the previous line). Its
# INFO lines (a hundred per model load) are kept out of the log file at its INFO level.
LEVELS = {0: logging.DEBUG, 1: logging.DEBUG, 2: logging.DEBUG, 3: logging.WARNING, 4: logging.ERROR, 5: logging.DEBUG}

echo_to_stderr = False
_callback = None  # kept referenced: llama.cpp holds a raw pointer to it


def route() -> None:
    """Install the routing once per process, before the first model is loaded."""
    global _callback
    if _callback is not None:
        return
    import llama_cpp

    @llama_cpp.llama_log_callback
    def callback(level: int, text: bytes, _user_data) -> None:
        message = text.decode("utf-8", "replace")
        if echo_to_stderr:
            sys.stderr.write(message)
        if message.strip():
            log.log(LEVELS.get(level, logging.DEBUG), message.rstrip())

    _callback = callback
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))
