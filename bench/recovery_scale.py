"""Start-up recovery at scale: how long `recover` (what every window and CLI start runs on
the library's writer, after the first paint) takes on a library of 100,000 finished items,
each with a file in assets/, with a few dead processes' leftovers among them — and the same
at 1,000 items. Also the integrity check's run over the same library (the window's check,
on the thread pool). Neither runs before the first window is painted (bench/startup_time.py).

    python bench/recovery_scale.py [--items 100000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from common import verdict


def build(items: int) -> Path:
    from desktop.store.asset_files import TEMP_PREFIX
    from desktop.store.library import Library

    data = Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "lib"
    library = Library(data)
    now, conn = time.time(), library.conn
    rows = []
    for i in range(items):
        relative = f"assets/2026/{i % 12 + 1:02d}/{i % 28 + 1:02d}/{i:08d}-1.png"
        path = data / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        rows.append((i + 1, relative))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO generations (id, modality, kind, prompt, params, status, created_at)"
                     " VALUES (?, 'image', 'txt2img', 'p', '{}', 'done', ?)", [(i, now) for i, _ in rows])
    conn.executemany("INSERT INTO assets (generation_id, path, sha256, mime, size_bytes, created_at)"
                     " VALUES (?, ?, '', 'image/png', 1, ?)", [(i, rel, now) for i, rel in rows])
    # Dead processes' leftovers: rows left running, partial files.
    conn.executemany("INSERT INTO generations (modality, kind, prompt, params, status, created_at, owner)"
                     " VALUES ('text', 'chat', 'p', '{}', 'running', ?, '4242-deadbeef')", [(now,)] * 5)
    conn.execute("COMMIT")
    for i in range(5):
        (data / "assets" / "2026" / "01" / "01" / f"{TEMP_PREFIX}4242-deadbeef-{i}").write_bytes(b"half")
    library.close()
    return data


def measure(items: int) -> tuple[float, float]:
    from desktop.store import integrity
    from desktop.store.library import Library

    data = build(items)
    os.sync()
    library = Library(data)
    started = time.perf_counter()
    report = library.recover_after_crash()
    recovery_s = time.perf_counter() - started
    assert report.interrupted == 5 and report.temp_files_removed == 5, report
    started = time.perf_counter()
    checked = integrity.check(library)
    check_s = time.perf_counter() - started
    assert checked.clean, checked.summary()
    library.close()
    return recovery_s, check_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    small_recovery, small_check = measure(1_000)
    recovery, check = measure(args.items)
    print(f"recovery at start, {args.items:,} items: {recovery * 1000:.0f} ms "
          f"(1,000 items: {small_recovery * 1000:.0f} ms); runs on the library's writer after the first paint")
    print(f"integrity check, {args.items:,} items: {check * 1000:.0f} ms (1,000 items: {small_check * 1000:.0f} ms); "
          "runs on the thread pool")
    print(f"recovery under 2 s at {args.items:,} items {verdict(recovery < 2)}")


if __name__ == "__main__":
    main()
