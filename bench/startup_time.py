"""Time to first painted window: Atelier (`main.py --startup-report`) against a bare
PySide6 QMainWindow, each a fresh process, measured from spawn until it reports its first
paint, interleaved. Target: Atelier <= 1.5x bare. Also checks no heavy library was
imported before the first paint.

    python bench/startup_time.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from common import ROOT, median, verdict

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
class Window(QMainWindow):
    painted = False
    def paintEvent(self, event):
        super().paintEvent(event)
        if not self.painted:
            self.painted = True
            print("{}", flush=True)
            QTimer.singleShot(0, self.close)
app = QApplication(sys.argv[:1])
window = Window()
window.resize(1200, 760)
window.show()
app.exec()
"""


def milestones(command: list[str], env: dict, count: int) -> list[tuple[float, str]]:
    """Seconds from spawn until each of the first `count` lines the process prints."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    seen = []
    for _ in range(count):
        line = process.stdout.readline()
        seen.append((time.perf_counter() - started, line))
    process.wait(timeout=60)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    # As on a user's machine, modules load from compiled .pyc files (pip writes them at
    # install); a sandbox may forbid writing them, which would time the compiler instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    bare, atelier, ready, heavy = [], [], [], set()
    for round_ in range(args.rounds + 1):
        bare.append(milestones([sys.executable, "-c", BARE], env, 1)[0][0])
        data = tempfile.mkdtemp(prefix="atelier-bench-")
        env["ATELIER_CONFIG_DIR"] = os.path.join(data, "cfg")
        (painted, line), (studios, _) = milestones(
            [sys.executable, "main.py", "--data-dir", os.path.join(data, "data"), "--startup-report"], env, 2)
        heavy.update(json.loads(line)["heavy_modules_loaded"])
        if round_ == 0:
            bare.pop()  # the first round only writes the .pyc caches
            continue
        atelier.append(painted)
        ready.append(studios)
    ratio = median(atelier) / median(bare)
    print(f"bare PySide6 window:            median {median(bare) * 1000:.0f} ms")
    print(f"Atelier first window painted:   median {median(atelier) * 1000:.0f} ms")
    print(f"Atelier studios built (ready):  median {median(ready) * 1000:.0f} ms (for information)")
    print(f"first window ratio {ratio:.2f} (target <= 1.5) {verdict(ratio <= 1.5)}")
    print(f"heavy libraries imported before first paint: {sorted(heavy) or 'none'} {verdict(not heavy)}")


if __name__ == "__main__":
    main()
