"""A self-contained static HTML page to browse an exported gallery. Every piece of user
or model text is escaped: a prompt is data, never markup. Each card is an anchor
(`#item-<id>`), and its "Made from" and "Used in" lines link to the cards of the items in the
gallery (an item outside it is named by its file, or the start of its content hash)."""

from __future__ import annotations

import html
import json

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; media-src 'self'">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; background: #fafafa; color: #222; }}
.grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 1rem; }}
figure {{ margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: .5rem; }}
img, audio, video {{ width: 100%; height: auto; border-radius: 4px; }}
figcaption {{ font-size: .85rem; overflow-wrap: anywhere; }}
figure:target {{ outline: 3px solid #4a90d9; }}
.lineage {{ margin: .3rem 0 0; }}
pre {{ white-space: pre-wrap; font-size: .8rem; }}
</style></head>
<body><h1>{title}</h1><p>{count} items · exported from Atelier</p>
<div class="grid">
{items}
</div></body></html>
"""


def render(title: str, items: list[dict]) -> str:
    """`items`: dicts with prompt, modality, model_name, seed, params, and `file` (a path
    relative to the page) when the item has one; a video item may have a `poster` (an image
    file relative to the page); `id`, `sources` and `used_in` (gallery_lineage's links) when
    known."""
    e = html.escape
    cards = []
    for item in items:
        file = item.get("file")
        media = ""
        if file and item.get("modality") == "video":
            poster = item.get("poster")
            poster_attr = f' poster="{e(poster, quote=True)}"' if poster else ""
            media = (f'<video controls loop muted playsinline preload="metadata"{poster_attr} src="{e(file, quote=True)}">'
                     f'<a href="{e(file, quote=True)}">{e(file)}</a></video>')
        elif file and item.get("modality") == "image":
            media = f'<a href="{e(file, quote=True)}"><img src="{e(file, quote=True)}" alt="{e(item.get("prompt", "")[:120], quote=True)}" loading="lazy"></a>'
        elif file and item.get("modality") == "audio":
            media = f'<audio controls preload="none" src="{e(file, quote=True)}"></audio>'
        elif file:
            media = f'<p><a href="{e(file, quote=True)}">{e(file)}</a></p>'
        details = e(json.dumps(item.get("params", {}), indent=1, sort_keys=True))
        output = f"<pre>{e(item['output_text'][:4000])}</pre>" if item.get("output_text") else ""
        anchor = f' id="item-{item["id"]}"' if _is_id(item.get("id")) else ""
        cards.append(
            f"<figure{anchor}>{media}<figcaption><b>{e(item.get('prompt', ''))}</b>{output}<br>"
            f"{e(item.get('modality', ''))} · {e(item.get('model_name', ''))} · seed {e(str(item.get('seed', '')))}"
            f"{_lineage(item)}<details><summary>Settings</summary><pre>{details}</pre></details>"
            "</figcaption></figure>")
    return PAGE.format(title=e(title), count=len(items), items="\n".join(cards))


def _is_id(value) -> bool:
    return type(value) is int and value > 0


def _lineage(item: dict) -> str:
    lines = []
    for heading, key in (("Made from", "sources"), ("Used in", "used_in")):
        links = [_link(link) for link in item.get(key) or () if isinstance(link, dict)]
        if links:
            lines.append(f'<p class="lineage">{heading}: {", ".join(links)}</p>')
    return "".join(lines)


def _link(link: dict) -> str:
    e = html.escape
    relation = e(str(link.get("relation", "")))
    if _is_id(link.get("id")):
        return f'<a href="#item-{link["id"]}">{relation} #{link["id"]}</a>'
    name = link.get("file") or (f"{link['sha256'][:12]}…" if isinstance(link.get("sha256"), str) else "")
    return f"{relation} {e(str(name))}" if name else relation
