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


def first_paint_seconds(command: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait(timeout=60)
    return elapsed, line


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    bare, atelier, heavy = [], [], set()
    for _ in range(args.rounds):
        seconds, _line = first_paint_seconds([sys.executable, "-c", BARE], env)
        bare.append(seconds)
        data = tempfile.mkdtemp(prefix="atelier-bench-")
        env["ATELIER_CONFIG_DIR"] = os.path.join(data, "cfg")
        seconds, line = first_paint_seconds(
            [sys.executable, "main.py", "--data-dir", os.path.join(data, "data"), "--startup-report"], env)
        atelier.append(seconds)
        heavy.update(json.loads(line)["heavy_modules_loaded"])
    ratio = median(atelier) / median(bare)
    print(f"bare PySide6 window: median {median(bare) * 1000:.0f} ms")
    print(f"Atelier window:      median {median(atelier) * 1000:.0f} ms")
    print(f"ratio {ratio:.2f} (target <= 1.5) {verdict(ratio <= 1.5)}")
    print(f"heavy libraries imported before first paint: {sorted(heavy) or 'none'} {verdict(not heavy)}")


if __name__ == "__main__":
    main()
