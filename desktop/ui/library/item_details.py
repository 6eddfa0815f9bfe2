"""How an item was made, as HTML for the details pane and the viewer: what became of it
(stopped, failed and why, file missing), prompt, every parameter under the name its form
uses, model, seed, timings, tags, collections, sources and files. All of it is user or
model text, so every value is escaped."""

from __future__ import annotations

import datetime as dt
import html

from desktop.store import item_status
from desktop.store.library_items import ItemDetails
from desktop.ui.library.parameter_labels import label, parameter_rows

# What the pane says above the prompt of an item that did not finish, or lost its file.
OUTCOMES = {
    item_status.STOPPED: ("Stopped", "You stopped this before it finished."),
    item_status.FAILED: ("Failed", ""),
    item_status.MISSING: ("File missing", "Locate the file (right-click, “Locate file…”) to put it back, "
                                          "or delete the item."),
}

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
    for key, name in TIMINGS:
        value = g.stats.get(key)
        if isinstance(value, (int, float)) and value:
            rows.append((name, f"{value:.1f}" if key == "tokens_per_s" else f"{value:.2f} s"))
    for key in ("prompt_tokens", "completion_tokens"):
        if g.stats.get(key):
            rows.append((key.replace("_", " ").capitalize(), str(g.stats[key])))
    return rows


def outcome_html(details: ItemDetails) -> str:
    """A stopped, failed or file-missing item's heading and reason ("" for a finished one)."""
    g = details.generation
    state = item_status.state(g.status, g.error)
    if state not in OUTCOMES:
        return ""
    title, advice = OUTCOMES[state]
    reason = "" if state == item_status.STOPPED else g.error
    lines = "".join(f"<p>{html.escape(text)}</p>" for text in (reason, advice) if text)
    return f"<h4 style='color:#d9534f'>{title}</h4>{lines}"


def details_html(details: ItemDetails, include_output: bool = True) -> str:
    e = html.escape
    g = details.generation
    sections = [outcome_html(details), f"<h4>Prompt</h4><p>{e(g.prompt) or '<i>(none)</i>'}</p>"]
    if g.negative:
        sections.append(f"<h4>Negative prompt</h4><p>{e(g.negative)}</p>")
    if include_output and g.output_text:
        heading = "Partial text (stopped here)" if g.status == "cancelled" else "Output"
        sections.append(f"<h4>{heading}</h4><p style='white-space:pre-wrap'>{e(g.output_text[:4000])}</p>")
    made = [("Kind", f"{g.modality} · {g.kind}"), ("Model", g.model_name),
            ("Seed", "" if g.seed is None else g.seed), ("Made", _when(g.created_at)),
            ("Rating", "★" * (g.rating or 0)), ("Favourite", "yes" if g.favorite else ""),
            ("Tags", ", ".join(details.tags)), ("Collections", ", ".join(details.collections))]
    sections.append(f"<table>{_rows(made)}</table>")
    if g.params:
        sections.append(f"<h4>Settings</h4><table>{_rows(parameter_rows(g.params))}</table>")
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
    named += [(label(key).lower(), a.params.get(key), b.params.get(key))
              for key in sorted(set(a.params) | set(b.params))]
    return [name for name, left, right in named if left != right]
