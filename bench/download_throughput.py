"""Download throughput: Atelier's downloader (the listing, the redirect, the transfer into its
partial file with sha256 on a second thread, verification, fsync and rename into place, the
manifest) against a plain `requests` streaming read written to a file, the same ~200 MB LFS file
from the fake hub on 127.0.0.1, interleaved in one run. Target: Atelier / plain >= 0.9.

Two links: loopback at full speed, where bytes move at memory speed and the result is the
client's CPU cost per byte (the sha256 check and the fsync are most of Atelier's; a plain read
that hashes inline, as a careful script would, is printed beside it), and the server paced to a
1 Gbit/s link (125 MB/s), a fast real connection, where the link sets the pace.

    python bench/download_throughput.py [--mb 200] [--rounds 5] [--link-mbps 125]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from common import ROOT, median, verdict

import sys  # noqa: E402  (after common, which puts the repository on the path)

sys.path.insert(0, str(ROOT / "tests" / "models"))

TARGET = 0.9
CHUNK = 1 << 20
REPO, FILE = "bench/big-model", "model.gguf"


def make_file(folder: Path, megabytes: int) -> Path:
    path = folder / "source.bin"
    with path.open("wb") as out:
        block = os.urandom(1 << 20)
        for index in range(megabytes):  # distinct blocks, so no layer can shortcut repeats
            out.write(hashlib.sha256(block + index.to_bytes(4, "little")).digest() + block[32:])
    return path


def plain_run(url: str, out: Path, hash_inline: bool) -> float:
    import requests

    digest = hashlib.sha256()
    started = time.perf_counter()
    with requests.get(url, stream=True) as response, out.open("wb") as stream:
        response.raise_for_status()
        for chunk in response.iter_content(CHUNK):
            stream.write(chunk)
            if hash_inline:
                digest.update(chunk)
    elapsed = time.perf_counter() - started
    out.unlink()
    return elapsed


def atelier_run(endpoint: str, models: Path) -> float:
    from desktop.core.models.downloads import Downloader
    from desktop.core.models.hub import Hub

    started = time.perf_counter()
    result = Downloader(models, Hub(endpoint=endpoint)).download(REPO).run()
    elapsed = time.perf_counter() - started
    assert result.state == "done" and result.files[0].verified_by == "sha256"
    shutil.rmtree(models)
    return elapsed


def compare(hub, endpoint: str, cdn_url: str, size: int, work: Path, rounds: int, with_hash: bool) -> float:
    times: dict[str, list[float]] = {"plain": [], "atelier": []}
    if with_hash:
        times["plain+sha256"] = []
    for _ in range(rounds):
        times["plain"].append(plain_run(cdn_url, work / "plain.bin", False))
        times["atelier"].append(atelier_run(endpoint, work / "models"))
        if with_hash:
            times["plain+sha256"].append(plain_run(cdn_url, work / "hashed.bin", True))
    rate = {name: size / median(values) / 1e6 for name, values in times.items()}
    for name, value in rate.items():
        runs = ", ".join(f"{size / t / 1e6:.0f}" for t in times[name])
        print(f"  {name:<13} {value:7.0f} MB/s (median; runs: {runs})")
    ratio = rate["atelier"] / rate["plain"]
    print(f"  atelier / plain = {ratio:.2f} (target >= {TARGET}) {verdict(ratio >= TARGET)}")
    if with_hash:
        print(f"  atelier / plain+sha256 = {rate['atelier'] / rate['plain+sha256']:.2f}")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--link-mbps", type=float, default=125.0, help="the paced link, MB/s")
    args = parser.parse_args()
    from fake_hub import FakeHub

    work = Path(tempfile.mkdtemp(prefix="atelier-bench-dl-"))
    hub = FakeHub()
    try:
        source = make_file(work, args.mb)
        size = source.stat().st_size
        repo = hub.add_repo(REPO, {FILE: source})
        cdn_url = f"{hub.cdn_url}/_cdn/{repo.sha256(FILE)}"  # where the hub's redirect leads
        print(f"{size / 1e6:.0f} MB file, fake hub at {hub.url}, {args.rounds} interleaved rounds, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        plain_run(cdn_url, work / "warm.bin", False)  # page cache, imports and code paths warm
        atelier_run(hub.url, work / "models")
        print("Loopback, full speed:")
        compare(hub, hub.url, cdn_url, size, work, args.rounds, with_hash=True)
        hub.rate = args.link_mbps * 1e6
        print(f"Paced to {args.link_mbps:.0f} MB/s:")
        compare(hub, hub.url, cdn_url, size, work, max(2, args.rounds // 2), with_hash=False)
    finally:
        hub.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
