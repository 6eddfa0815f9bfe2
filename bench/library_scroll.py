"""Scrolling the Library through 1,000 image thumbnails, then typing a search, with a 5 ms
heartbeat on the GUI thread. Target: worst lateness < 50 ms while pages and thumbnails load.

    python bench/library_scroll.py [--items 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import verdict
from gui_stall import Heartbeat, report


def fill(data: Path, count: int) -> None:
    from PIL import Image

    from desktop.store.asset_files import write_atomically
    from desktop.store.generations import AssetMeta, NewGeneration
    from desktop.store.library import Library

    library = Library(data)
    for i in range(count):
        image = Image.effect_noise((512, 512), 40 + i % 50).convert("RGB")
        import io

        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        gid = library.generations.start(NewGeneration(modality="image", kind="txt2img", prompt=f"noise #{i}",
                                                      params={}, model_name="bench"))
        written = write_atomically(data, f"assets/bench/{gid}.png", buffer.getvalue())
        library.generations.finish(gid, assets=[AssetMeta(written, "image/png", 512, 512)])
    library.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args()
    os.environ["ATELIER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="atelier-bench-cfg-")
    data = Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "data"
    started = time.perf_counter()
    fill(data, args.items)
    print(f"{args.items} 512x512 PNGs written in {time.perf_counter() - started:.1f} s")

    from PySide6.QtWidgets import QApplication

    from desktop.app import GIL_SWITCH_INTERVAL_S
    from desktop.viewmodels.settings_model import SettingsModel
    from desktop.services import Services
    from desktop.settings import Settings
    from desktop.ui.shell.main_window import MainWindow
    from desktop.ui.shell.theme import Theme

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = QApplication.instance() or QApplication([])
    services = Services(SettingsModel(Settings()), data)
    window = MainWindow(services.settings, Theme(app, "light"), services)
    window.resize(1200, 800)
    window.show()
    window.show_panel("library")
    panel = window.panel("library")
    beat = Heartbeat()
    beat.timer.start()
    end = time.monotonic() + 1
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    beat.phase()
    bar = panel.grid.verticalScrollBar()
    scrolled = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        bar.setValue(bar.value() + 40)  # a wheel notch every 16 ms or so
        scrolled += 1
        for _ in range(16):
            app.processEvents()
            time.sleep(0.001)
        if bar.value() >= bar.maximum() and not panel.model.canFetchMore() and not panel.model.loading:
            break
    ok = report(f"scroll {panel.model.rowCount()} items", beat.phase())
    print(f"thumbnails cached: {len(panel.model.thumbnails)} (bounded), scroll steps: {scrolled}")
    # Typing a search, a key every 90 ms (a quick typist), then clearing it.
    for text in ["n", "no", "noi", "nois", "noise", "noise ", "noise 1", "noise 12", "noise 123", ""]:
        panel.filters.search.setText(text)
        end = time.monotonic() + 0.09
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)
    end = time.monotonic() + 1.5
    while time.monotonic() < end or panel.model.loading:
        app.processEvents()
        time.sleep(0.001)
    ok = report("type a search and clear it", beat.phase()) and ok
    beat.timer.stop()
    window.close()
    services.shutdown()
    print("overall:", verdict(ok))


if __name__ == "__main__":
    main()
