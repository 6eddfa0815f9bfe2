"""GUI heartbeat while the model manager works: a 5 ms timer on the GUI thread of the real window
while (1) a model downloads from a hub on 127.0.0.1 (tests/models/fake_hub.py, a generated
file) into the models folder, with the Models window's Downloads tab showing its progress, and
(2) the model lists scan another app's store holding many files. Prints the worst and p99
lateness per phase. Target: worst < 50 ms.

    python bench/model_manager_stall.py [--mb 200] [--files 50000] [--link-mbps 125]

The download runs twice: over a link paced to a fast real connection (1 Gbit/s by default),
as a person's download goes, and over unpaced loopback (~1 GB/s), where the download and
hashing threads compete with the GUI thread for the CPU the whole time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from gui_stall import WatchedWindow, report
from common import verdict

ROOT = Path(__file__).resolve().parent.parent


def big_file(folder: Path, megabytes: int) -> Path:
    """Random bytes (not a model: the scans that follow the download leave it alone)."""
    path = folder / "big.data"
    block = os.urandom(1 << 20)
    with path.open("wb") as stream:
        for _ in range(megabytes):
            stream.write(block)
    return path


def other_app_tree(root: Path, files: int) -> Path:
    """A folder a person added as another app's store, of no known layout: walked in full
    (the slowest case; a known store is read only where its models are)."""
    store = root / "some-app-models"
    for index in range(files):
        folder = store / f"d{index // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{index}.txt").write_bytes(b"x")
    return store


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200, help="size of the downloaded file")
    parser.add_argument("--files", type=int, default=50_000, help="files in the other app's tree")
    parser.add_argument("--link-mbps", type=float, default=125.0, help="the paced link, MB/s")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="atelier-bench-"))
    os.environ["ATELIER_CONFIG_DIR"] = str(work / "config")
    sys.path.insert(0, str(ROOT / "tests" / "models"))
    from fake_hub import FakeHub

    from desktop.core.models import removal
    from desktop.core.models.fetch_plan import FetchPlan
    from desktop.settings import Settings

    print(f"making a {args.mb} MB file and a tree of {args.files:,} files…", flush=True)
    hub = FakeHub()
    hub.add_repo("bench/big", {"big.data": big_file(work, args.mb)}, lfs={"big.data"})
    tree = other_app_tree(work / "apps", args.files)

    watched = WatchedWindow(Settings(hub_endpoint=hub.url), work / "data")
    services, window, beat, spin = watched.services, watched.window, watched.beat, watched.spin
    window.open_models("downloads")
    results = []
    for rate, name in ((args.link_mbps * 1e6, f"{args.link_mbps:.0f} MB/s link"), (None, "loopback")):
        hub.rate = rate
        started = time.perf_counter()
        task = services.downloads.start(FetchPlan("", "bench/big", None, ("big.data",), None, "big"))
        spin(lambda: task.state in ("done", "failed"))
        seconds = time.perf_counter() - started
        results.append(report(f"download {args.mb} MB, {name}", beat.phase()))
        print(f"  {task.state} in {seconds:.1f} s ({args.mb / seconds:.0f} MB/s) {task.error}")
        removal.remove_download(task.result.folder, services.models_folder())  # the next round fetches again

    scans = []
    for name in ("models", "image_models", "upscalers", "audio_models"):
        getattr(services, name).scanned.connect(lambda: scans.append(1))
    started = time.perf_counter()
    services.settings.set("other_app_dirs", [str(tree)])  # the model lists scan again
    spin(lambda: len(scans) >= 4)
    results.append(report(f"scan {args.files:,} files", beat.phase()))
    print(f"  all four model lists scanned in {time.perf_counter() - started:.1f} s")
    watched.close()
    hub.close()
    print("overall:", verdict(all(results)))


if __name__ == "__main__":
    main()
