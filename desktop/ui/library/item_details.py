"""How an item was made, as HTML for the details pane and the viewer: what became of it
(stopped, failed and why, file missing), prompt, every parameter under the name its form
uses, model, seed, timings, tags, collections, sources and files. All of it is user or
model text, so every value is escaped. The lineage ("Made from", "Used in") names each other
item and, in the Library's pane, links to it: `item:<id>` anchors (ITEM_SCHEME) that the panel
follows by selecting the item."""

from __future__ import annotations

import datetime as dt
import html

from pathlib import Path

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

ITEM_SCHEME = "item"
PROMPT_CHARS = 60

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


def details_html(details: ItemDetails, include_output: bool = True, links: bool = False) -> str:
    """`links`: the other items of the lineage as `item:<id>` anchors (for a pane that follows them)."""
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
    sections.append(lineage_html(details, links))
    if g.assets:
        files = [(a["path"], f"{a['mime']}, {a['size_bytes'] / 1024:.0f} KiB") for a in g.assets]
        sections.append(f"<h4>Files</h4><table>{_rows(files)}</table>")
    return "".join(sections)


def lineage_html(details: ItemDetails, links: bool = False) -> str:
    """"Made from" and "Used in" tables: each row the relation and the other item (its kind, id
    and the start of its prompt), or the file's name for a source outside the library."""
    graph = details.lineage
    if graph is None:  # details read without the graph: the plain source rows
        rows = [(s["relation"], f"item #{s['source_generation_id']}" if s["source_generation_id"]
                 else Path(s["source_path"]).name) for s in details.sources]
        return f"<h4>Made from</h4><table>{_rows(rows)}</table>" if rows else ""
    sections = []
    for heading, entries, more in (("Made from", graph.made_from, 0), ("Used in", graph.used_in, graph.more_used_in)):
        if not entries:
            continue
        rows = "".join(f"<tr><td style='padding-right:10px'><b>{html.escape(_relation(link.relation))}</b></td>"
                       f"<td>{_link_html(link, links)}</td></tr>" for link in entries)
        tail = f"<p>and {more} more</p>" if more else ""
        sections.append(f"<h4>{heading}</h4><table>{rows}</table>{tail}")
    return "".join(sections)


def _relation(relation: str) -> str:
    return relation[:1].upper() + relation[1:]


def _link_html(link, links: bool) -> str:
    if link.generation_id is None:
        return html.escape(Path(link.path).name or "(a file)")
    prompt = " ".join(link.prompt.split())
    prompt = prompt if len(prompt) <= PROMPT_CHARS else prompt[:PROMPT_CHARS] + "…"
    name = f"{link.modality or 'item'} #{link.generation_id}" + (f" · {prompt}" if prompt else "")
    name = html.escape(name) + (" <i>(in the trash)</i>" if link.trashed else "")
    return f"<a href='{ITEM_SCHEME}:{int(link.generation_id)}'>{name}</a>" if links else name


def item_link(url: str) -> int | None:
    """The item id of an `item:<id>` anchor; None for anything else."""
    scheme, _, rest = url.partition(":")
    return int(rest) if scheme == ITEM_SCHEME and rest.isascii() and rest.isdigit() and len(rest) < 19 else None


def differences(first: ItemDetails, second: ItemDetails) -> list[str]:
    """What differs between two items' making, named as the details pane names it."""
    a, b = first.generation, second.generation
    named = [("prompt", a.prompt, b.prompt), ("negative prompt", a.negative, b.negative),
             ("model", a.model_name, b.model_name), ("seed", a.seed, b.seed), ("kind", a.kind, b.kind)]
    named += [(label(key).lower(), a.params.get(key), b.params.get(key))
              for key in sorted(set(a.params) | set(b.params))]
    return [name for name, left, right in named if left != right]
