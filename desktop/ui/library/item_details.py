"""How an item was made, as HTML for the details pane and the viewer: prompt, every
parameter, model, seed, timings, tags, collections, sources and files. All of it is user
or model text, so every value is escaped."""

from __future__ import annotations

import datetime as dt
import html
import json

from desktop.store.library_items import ItemDetails

# Timings worth a line of their own, in the order a person reads them.
TIMINGS = [("load_s", "Model load"), ("prompt_s", "Reading the prompt"), ("generate_s", "Generating"),
           ("seconds", "Generating"), ("tokens_per_s", "Tokens per second")]


def _rows(pairs) -> str:
    e = html.escape
    return "".join(f"<tr><td style='padding-right:10px'><b>{e(k)}</b></td><td>{e(str(v))}</td></tr>"
                   for k, v in pairs if v not in (None, ""))


def _when(timestamp: float | None) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S") if timestamp else ""


def timings(details: ItemDetails) -> list[tuple[str, str]]:
    g = details.generation
    rows = []
    if g.started_at and g.finished_at:
        rows.append(("Total time", f"{g.finished_at - g.started_at:.2f} s"))
    for key, label in TIMINGS:
        value = g.stats.get(key)
        if isinstance(value, (int, float)) and value:
            rows.append((label, f"{value:.1f}" if key == "tokens_per_s" else f"{value:.2f} s"))
    for key in ("prompt_tokens", "completion_tokens"):
        if g.stats.get(key):
            rows.append((key.replace("_", " ").capitalize(), str(g.stats[key])))
    return rows


def details_html(details: ItemDetails, include_output: bool = True) -> str:
    e = html.escape
    g = details.generation
    sections = [f"<h4>Prompt</h4><p>{e(g.prompt) or '<i>(none)</i>'}</p>"]
    if g.negative:
        sections.append(f"<h4>Negative prompt</h4><p>{e(g.negative)}</p>")
    if include_output and g.output_text:
        sections.append(f"<h4>Output</h4><p style='white-space:pre-wrap'>{e(g.output_text[:4000])}</p>")
    made = [("Kind", f"{g.modality} · {g.kind}"), ("Model", g.model_name),
            ("Seed", "" if g.seed is None else g.seed), ("Made", _when(g.created_at)),
            ("Rating", "★" * (g.rating or 0)), ("Favourite", "yes" if g.favorite else ""),
            ("Tags", ", ".join(details.tags)), ("Collections", ", ".join(details.collections))]
    sections.append(f"<table>{_rows(made)}</table>")
    if g.params:
        sections.append("<h4>Parameters</h4><table>"
                        + _rows((k, json.dumps(v) if isinstance(v, (list, dict)) else v)
                                for k, v in sorted(g.params.items())) + "</table>")
    if timings(details):
        sections.append(f"<h4>Timings</h4><table>{_rows(timings(details))}</table>")
    if details.sources:
        sources = [(s["relation"], f"item #{s['source_generation_id']}" if s["source_generation_id"]
                    else s["source_path"]) for s in details.sources]
        sections.append(f"<h4>Made from</h4><table>{_rows(sources)}</table>")
    if g.assets:
        files = [(a["path"], f"{a['mime']}, {a['size_bytes'] / 1024:.0f} KiB") for a in g.assets]
        sections.append(f"<h4>Files</h4><table>{_rows(files)}</table>")
    return "".join(sections)


def differences(first: ItemDetails, second: ItemDetails) -> list[str]:
    """What differs between two items' making, named as the details pane names it."""
    a, b = first.generation, second.generation
    named = [("prompt", a.prompt, b.prompt), ("negative prompt", a.negative, b.negative),
             ("model", a.model_name, b.model_name), ("seed", a.seed, b.seed), ("kind", a.kind, b.kind)]
    named += [(key, a.params.get(key), b.params.get(key)) for key in sorted(set(a.params) | set(b.params))]
    return [name for name, left, right in named if left != right]
