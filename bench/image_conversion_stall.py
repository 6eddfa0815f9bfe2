"""GUI heartbeat while the optional runtime converts a real-size UNet for the first time: a 5 ms
timer on the GUI thread of the real window, the Image studio shown, while a one-step 512²
image is asked for with `runtime=openvino` on an empty conversion cache (conversion, compile,
the image), then again (the cache is reused: nothing converted). A torch image comes first:
the engine libraries' first import (which any first image pays) is measured apart. Prints the
worst and p99 lateness per phase, the progress messages the studio showed, and the wall times.
Target: worst < 50 ms.

    python bench/image_conversion_stall.py [--arch sd-turbo|sd15-lcm] [--cache DIR]

The model is the real architecture with random weights (bench/sd_architectures.py, cached in
--cache); the conversion cache is a new temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from common import verdict
from gui_stall import WatchedWindow, report
import sd_architectures as arch_lib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", default="sd-turbo", choices=[n for n, a in arch_lib.ARCHITECTURES.items()
                                                                 if not a.sdxl])
    parser.add_argument("--cache", type=Path, default=arch_lib.DEFAULT_CACHE)
    args = parser.parse_args()
    arch = arch_lib.ARCHITECTURES[args.arch]
    model = arch_lib.ensure_saved(args.arch, args.cache)
    work = Path(tempfile.mkdtemp(prefix="atelier-bench-conversion-"))
    os.environ["ATELIER_CONFIG_DIR"] = str(work / "config")
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # an empty conversion cache: a first start

    from desktop.core.image.fast_runtime import available
    from desktop.settings import Settings

    why_not = available("openvino")
    if why_not:
        print(f"OpenVINO cannot run here: {why_not}")
        return
    watched = WatchedWindow(Settings(model_dirs=[str(args.cache)]), work / "data")
    try:
        results = run(watched, model, arch)
    finally:
        watched.close()
        shutil.rmtree(work, ignore_errors=True)
    print("overall:", verdict(all(results)))


def run(watched: WatchedWindow, model: Path, arch) -> list[bool]:
    spin, beat, window = watched.spin, watched.beat, watched.window
    services = watched.services
    services.rescan_models()  # as the app does after its first paint…
    warmed = []
    services.inference.worker.warmed_up.connect(lambda: warmed.append(True))
    services.warm_up()  # …and its idle-time imports, before any job
    spin(lambda: bool(warmed), timeout=120)
    print(f"{'(start-up warm-up, idle)':<28} worst {max(beat.phase() or [0]):6.1f} ms  (before any job)")
    spin(lambda: services.image_models.rowCount() > 0 and not services.models.scanning, timeout=120)
    window.show_panel("image")
    panel = window.panel("image")
    panel.picker.choose(str(model.resolve()))
    form = panel.form
    form.prompt.setPlainText("a lighthouse on a cliff at sunset, oil painting")
    form.width_box.setValue(512)
    form.height_box.setValue(512)
    form.steps.setValue(arch.steps)
    form.guidance.setValue(arch.guidance)
    results = []
    worker = services.inference.worker
    phases = {"torch image first (imports torch, diffusers)": "torch",
              "first start: convert + compile + image": "openvino", "second start: cached, + image": "openvino"}
    for phase, runtime in phases.items():
        events, shown = [], []
        session = panel.session
        slots = [(session.progress, lambda _job, p: shown.append(p.message) if p.message else None),
                 (session.finished, lambda _job, _o: events.append("done")),
                 (session.failed, lambda _job, message: events.append("failed: " + message))]
        for signal, slot in slots:
            signal.connect(slot)
        request = panel.build_request()
        request.runtime = runtime
        beat.phase()
        started = time.perf_counter()
        panel._submit_image(request)
        spin(lambda: bool(events), timeout=1800)
        seconds = time.perf_counter() - started
        late = beat.phase()
        if runtime == "torch":  # the engine libraries' first import: any first image pays it, not the subject here
            print(f"{phase:<28} worst {max(late or [0]):6.1f} ms  (not judged)")
        else:
            results.append(report(phase, late))
        messages = list(dict.fromkeys(m for m in shown if "OpenVINO" in m or "Compiling" in m or "Convert" in m))
        print(f"  {events[-1]} in {seconds:.1f} s; status said: " + (" | ".join(messages) or "(no conversion)"))
        for signal, slot in slots:
            signal.disconnect(slot)
        worker.cache.clear()  # the worker is idle: the next phase loads (and accelerates) anew
    return results


if __name__ == "__main__":
    main()
