"""The Library at scale: first page and full-text search timings with 100,000 finished
generations, and the same search at 1,000 rows. Targets: first page < 10 ms, search p95
< 20 ms and <= 3x the 1,000-row time.

    python bench/library_scale.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from common import verdict

WORDS = ("lighthouse fox river castle portrait forest neon city dragon harbor meadow storm robot garden "
         "desert violin cathedral glacier lantern orchard").split()
QUERIES = ["fox", "lighthouse storm", "neon city", "drag", "violin garden", "cathedral", "harbor at", "robot"]


def fill(library, rows: int) -> None:
    from desktop.store.fts import sync_terms

    rng = random.Random(7)
    now = time.time()
    conn = library.conn
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO generations (modality, kind, prompt, params, model_name, status, created_at, started_at,"
        " finished_at, favorite, rating) VALUES (?, ?, ?, '{}', ?, 'done', ?, ?, ?, ?, ?)",
        [(("image", "text", "audio")[i % 3], "txt2img",
          " ".join(rng.choice(WORDS) for _ in range(8)) + f" at dusk, detailed, #{i}",
          ("sdxl", "gemma", "sd15")[i % 3], now - (rows - i), now, now, int(i % 17 == 0), (i % 5) + 1 if i % 7 == 0 else None)
         for i in range(rows)])
    conn.execute("COMMIT")
    sync_terms(conn)  # rows were bulk-inserted around the repository, which records words
    conn.execute("ANALYZE")


def timings(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def measure(rows: int) -> tuple[float, float, float]:
    from desktop.store.library import Library
    from desktop.store.library_items import LibraryQuery

    library = Library(Path(tempfile.mkdtemp(prefix="atelier-bench-")) / "lib")
    started = time.perf_counter()
    fill(library, rows)
    print(f"{rows:>7} rows written in {time.perf_counter() - started:.1f} s")
    first = timings(lambda: library.items.page(LibraryQuery(), limit=100), 50)
    searches = []
    for query in QUERIES:
        searches += timings(lambda q=query: library.items.page(LibraryQuery(text=q), limit=100), 10)
    filtered = timings(lambda: library.items.page(LibraryQuery(modality="image", favorite_only=True), limit=100), 20)
    library.close()
    return statistics.median(first), p95(searches), p95(filtered)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    small_first, small_search, _ = measure(1_000)
    first, search, filtered = measure(args.rows)
    print(f"first page (100 items) at {args.rows:,} rows: median {first:.2f} ms (target < 10) {verdict(first < 10)}")
    print(f"full-text search p95 at {args.rows:,} rows: {search:.2f} ms (target < 20) {verdict(search < 20)}")
    ratio = search / small_search
    print(f"  vs 1,000 rows ({small_search:.2f} ms): {ratio:.2f}x (target <= 3) {verdict(ratio <= 3)}")
    print(f"filtered page (images, favourites) p95: {filtered:.2f} ms")


if __name__ == "__main__":
    main()
