"""Which reader gets more of the settings other tools write into images: Atelier's readers
(desktop/core/image) or the maintained library sd-parsers (PyPI), over the samples in
tests/image/metadata_samples.py (written from each tool's writer code).

A field counts when the reader's value equals the sample's: prompts compared as sets of
comma/line-separated fragments (sd-parsers joins prompts with ", ", Atelier with new
lines), sampler and schedule names after mapping both through one table (so a raw
"dpmpp_2m" is not counted against sd-parsers), numbers numerically.

sd-parsers runs in its own environment (it is not an Atelier dependency):

    python3 -m venv /tmp/sdp && /tmp/sdp/bin/pip install sd-parsers pillow
    .venv/bin/python bench/metadata_coverage.py [--sdp-python /tmp/sdp/bin/python]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "image")]

FIELDS = ("prompt", "negative", "seed", "steps", "guidance", "sampler", "scheduler", "width", "height",
          "model_name", "model_hash")

# Runs inside sd-parsers' environment: paths in argv, one JSON object per path out.
SD_PARSERS_SIDE = r'''
import json, re, sys, time
from sd_parsers import ParserManager
from sd_parsers.extractors import Eagerness

def size_of(info):
    for sampler in info.samplers:
        p = sampler.parameters
        if "width" in p and "height" in p:
            return p["width"], p["height"]
    meta = info.metadata
    if isinstance(meta.get("Size"), str) and re.fullmatch(r"\d+x\d+", meta["Size"]):
        return tuple(int(v) for v in meta["Size"].split("x"))
    if "width" in meta and "height" in meta:
        return meta["width"], meta["height"]
    for key, value in meta.items():
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict) and "Latent" in str(key) and "width" in entry:
                return entry["width"], entry["height"]
    resolution = meta.get("resolution")
    if isinstance(resolution, str) and re.fullmatch(r"\(\d+, \d+\)", resolution):
        return tuple(int(v) for v in resolution.strip("()").split(", "))
    return None, None

manager = ParserManager(eagerness=Eagerness.EAGER)
out, spent = {}, 0.0
for path in sys.argv[1:]:
    started = time.perf_counter()
    try:
        info = manager.parse(path)
    except Exception as exc:
        info = None
    spent += time.perf_counter() - started
    if info is None or not info.samplers:
        out[path] = None
        continue
    sampler = info.samplers[0]
    p = sampler.parameters
    model = sampler.model  # not info.models: it raises on a model whose name is a graph link (a list)
    width, height = size_of(info)
    out[path] = {
        "prompt": ", ".join(str(x) for x in info.prompts), "negative": ", ".join(str(x) for x in info.negative_prompts),
        "seed": p.get("seed"), "steps": p.get("steps"), "guidance": p.get("cfg_scale"), "sampler": sampler.name,
        "scheduler": p.get("scheduler", ""), "width": width, "height": height,
        "model_name": model.name if model and isinstance(model.name, str) else "",
        "model_hash": model.hash if model and isinstance(model.hash, str) else "",
    }
print(json.dumps({"results": out, "seconds": spent}, default=str))
'''


def atelier_side(paths: list[Path]) -> tuple[dict, float]:
    from desktop.core.image.image_metadata import read_settings

    out, spent = {}, 0.0
    for path in paths:
        started = time.perf_counter()
        found = read_settings(path)
        spent += time.perf_counter() - started
        out[str(path)] = None if found is None else {f: getattr(found, f) for f in FIELDS}
    return out, spent


def sd_parsers_side(python: str, paths: list[Path]) -> tuple[dict, float] | None:
    try:
        done = subprocess.run([python, "-c", SD_PARSERS_SIDE, *map(str, paths)], capture_output=True, text=True,
                              timeout=600, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"sd-parsers could not run with {python}: {exc}", file=sys.stderr)
        return None
    answer = json.loads(done.stdout)
    return answer["results"], answer["seconds"]


def same(field: str, got, wanted) -> bool:
    from desktop.core.image import sampler_names

    if got in (None, ""):
        return False
    if field in ("prompt", "negative"):
        pieces = lambda s: {p.strip().lower() for p in str(s).replace("\n", ",").split(",") if p.strip()}  # noqa: E731
        return pieces(got) == pieces(wanted)
    if field == "sampler":
        return sampler_names.sampler_name(str(got), karras_suffix=True)[0].lower() == str(wanted).lower()
    if field == "scheduler":
        return sampler_names.schedule_name(str(got)).lower() == str(wanted).lower()
    if isinstance(wanted, (int, float)):
        try:
            return float(got) == float(wanted)
        except (TypeError, ValueError):
            return False
    return str(got).strip().lower() == str(wanted).strip().lower()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdp-python", default="/tmp/sdp/bin/python")
    args = parser.parse_args()
    import metadata_samples

    folder = Path(tempfile.mkdtemp(prefix="atelier-metadata-"))
    samples = metadata_samples.samples()
    paths = []
    for sample in samples:
        paths.append(folder / f"{sample.name}{sample.suffix}")
        paths[-1].write_bytes(sample.data)
    ours, our_time = atelier_side(paths)
    theirs = sd_parsers_side(args.sdp_python, paths)
    theirs, their_time = theirs if theirs is not None else ({}, float("nan"))

    per_tool = defaultdict(lambda: [0, 0, 0])  # fields expected, Atelier right, sd-parsers right
    print(f"{'sample':38} {'fields':>6} {'Atelier':>8} {'sd-parsers':>10}  sd-parsers missed")
    for sample, path in zip(samples, paths):
        wanted = {f: v for f, v in sample.expected.items() if f in FIELDS}
        mine, other = ours.get(str(path)) or {}, theirs.get(str(path)) or {}
        right_mine = [f for f, v in wanted.items() if same(f, mine.get(f), v)]
        right_other = [f for f, v in wanted.items() if same(f, other.get(f), v)]
        tally = per_tool[sample.tool]
        tally[0] += len(wanted)
        tally[1] += len(right_mine)
        tally[2] += len(right_other)
        missed = ",".join(f for f in wanted if f not in right_other) if other else "(nothing read)"
        print(f"{sample.name:38} {len(wanted):>6} {len(right_mine):>8} {len(right_other):>10}  {missed}")
    print()
    print(f"{'tool':12} {'fields':>6} {'Atelier':>8} {'sd-parsers':>10}")
    totals = [0, 0, 0]
    for tool, (count, mine, other) in per_tool.items():
        print(f"{tool:12} {count:>6} {mine:>8} {other:>10}")
        totals = [a + b for a, b in zip(totals, (count, mine, other))]
    print(f"{'all':12} {totals[0]:>6} {totals[1]:>8} {totals[2]:>10}")
    print(f"\nread time over {len(paths)} files: Atelier {our_time * 1000:.0f} ms, sd-parsers {their_time * 1000:.0f} ms")


if __name__ == "__main__":
    main()
