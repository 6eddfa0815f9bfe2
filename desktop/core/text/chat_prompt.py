"""Turn a conversation into prompt text: the model's own chat template when its GGUF has
one, otherwise a plain transcript that base models continue sensibly."""

from __future__ import annotations

from desktop.core.text.text_request import ChatMessage

FALLBACK_STOPS = ["\nUser:", "\nuser:"]


def render_with_template(template: str, messages: list[ChatMessage], bos: str, eos: str) -> str:
    """Render with the same sandboxed Jinja environment llama-cpp-python uses."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
    payload = [{"role": m.role, "content": m.content} for m in messages]
    return formatter(messages=payload).prompt


def render_transcript(messages: list[ChatMessage]) -> str:
    """Fallback for models without a template: 'User:'/'Assistant:' turns."""
    parts = []
    for message in messages:
        if message.role == "system":
            parts.append(message.content.strip() + "\n")
        else:
            speaker = "User" if message.role == "user" else "Assistant"
            parts.append(f"{speaker}: {message.content.strip()}")
    parts.append("Assistant:")
    return "\n".join(parts)


def fit_to_context(messages: list[ChatMessage], count_tokens, budget: int) -> tuple[list[ChatMessage], int]:
    """Drop the oldest turns (never the system prompt or the last message) until the
    prompt fits `budget` tokens. Returns the kept messages and how many were dropped."""
    system = [m for m in messages if m.role == "system"][:1]
    turns = [m for m in messages if m.role != "system"]
    dropped = 0
    while len(turns) > 1 and count_tokens(system + turns) > budget:
        turns.pop(0)
        dropped += 1
        # A conversation should start with the user speaking.
        while len(turns) > 1 and turns[0].role == "assistant":
            turns.pop(0)
            dropped += 1
    return system + turns, dropped
