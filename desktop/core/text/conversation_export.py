"""A conversation as a Markdown document."""

from __future__ import annotations

import datetime as dt

ROLE_HEADINGS = {"user": "You", "assistant": "Assistant", "system": "System"}


def to_markdown(title: str, messages, system_prompt: str = "", model_name: str = "") -> str:
    lines = [f"# {title}", ""]
    meta = [f"Exported from Atelier on {dt.datetime.now():%Y-%m-%d %H:%M}"]
    if model_name:
        meta.append(f"Model: {model_name}")
    lines += [f"*{' · '.join(meta)}*", ""]
    if system_prompt.strip():
        lines += ["## System", "", system_prompt.strip(), ""]
    for message in messages:
        lines += [f"## {ROLE_HEADINGS.get(message.role, message.role)}", "", message.content.rstrip(), ""]
    return "\n".join(lines).rstrip() + "\n"
