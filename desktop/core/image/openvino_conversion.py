"""Converting a UNet or decoder to OpenVINO IR in a child process, not in the app's.

Why: OpenVINO's PyTorch frontend walks the traced graph in C++ and calls back into Python for
every node, holding the GIL for seconds at a time — measured on the SD-Turbo UNet, stretches of
3.4 s and 7.4 s in a 67 s conversion, during which the window could not repaint. A child
process has a GIL of its own. The module's weights go to shared memory one tensor at a time
(each copy short, so the GUI thread keeps getting its turns) and the child maps the same
pages: nothing large goes through a pipe, and nothing is read back from a pickle file. The
child writes the IR through ModelStore (a temporary folder renamed at the end), so a child
killed by a cancel leaves nothing a later start would trust.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

POLL_S = 0.25
START_METHOD = "spawn"  # a fork would copy the GUI process's threads' locks in whatever state they are


def convert_in_child(store_root: Path, key: str, kind: str, module, names: tuple[str, ...],
                     still_wanted: Callable[[], None], threads: int) -> None:
    """Convert `module` (kind "unet" or "decoder") into `store_root/<key>` in a child process.
    `still_wanted()` is called while waiting; whatever it raises (a cancel) stops the child and
    propagates. A conversion error in the child is raised here as RuntimeError."""
    import torch.multiprocessing as multiprocessing

    context = multiprocessing.get_context(START_METHOD)
    module.share_memory()  # one tensor at a time; the parent keeps using the same weights
    results = context.SimpleQueue()
    child = context.Process(target=_convert, args=(str(store_root), key, kind, module, names, threads, results),
                            name=f"atelier-convert-{kind}", daemon=True)
    started = time.perf_counter()
    child.start()
    try:
        while child.is_alive() and results.empty():
            child.join(POLL_S)
            still_wanted()
    except BaseException:
        child.terminate()
        child.join(5)
        raise
    outcome = results.get() if not results.empty() else f"the converting process ended with code {child.exitcode}"
    child.join(5)
    if outcome is not None:
        raise RuntimeError(f"converting the {kind} for OpenVINO failed: {outcome}")
    log.info("converted %s in a child process in %.1f s", key, time.perf_counter() - started)


def _convert(store_root: str, key: str, kind: str, module, names, threads: int, results) -> None:
    """In the child: trace and convert, then say None (done) or what went wrong."""
    try:
        import torch

        from desktop.core.image import openvino_modules as modules
        from desktop.core.image.openvino_runtime import ModelStore

        torch.set_num_threads(max(1, threads))
        if hasattr(os, "nice"):
            os.nice(10)  # the window's threads come first when the two compete for a core
        if kind == "unet":
            graph, example = modules.unet_graph(module, names), modules.unet_example(module, names)
        else:
            graph, example = modules.decoder_graph(module, names), modules.decoder_example(module)
        ModelStore(Path(store_root)).convert(key, graph, example)
        results.put(None)
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the parent
        results.put(f"{type(exc).__name__}: {exc}")
