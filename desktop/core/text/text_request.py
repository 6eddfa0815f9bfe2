"""Requests and results of the text modality (chat and plain completion)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from desktop.core import request_checks as checks
from desktop.core.errors import UserFacingError

CHAT, COMPLETION = "chat", "completion"


@dataclass(frozen=True)
class ChatMessage:
    role: str  # "system" | "user" | "assistant"
    content: str


@dataclass
class Sampling:
    # Defaults follow llama-cpp-python's create_completion, except a mild repeat penalty.
    temperature: float = 0.8
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    repeat_penalty: float = 1.1
    max_tokens: int = 512
    seed: int = -1  # -1: a fresh random seed, recorded with the result
    stop: list[str] = field(default_factory=list)

    def validate(self) -> None:
        checks.in_range("Temperature", self.temperature, 0.0, 5.0)
        checks.in_range("Top-p", self.top_p, 0.0, 1.0)
        checks.in_range("Min-p", self.min_p, 0.0, 1.0)
        checks.in_range("Repeat penalty", self.repeat_penalty, 0.0, 10.0)
        if self.repeat_penalty == 0:  # llama.cpp divides logits by it
            raise UserFacingError("Repeat penalty must be above 0 (1 turns it off).")
        for name, value in (("Top-k", self.top_k), ("Max tokens", self.max_tokens)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise UserFacingError(f"{name} must be a whole number (got {value!r}).")
        if self.top_k < 0:
            raise UserFacingError(f"Top-k must be 0 (all tokens) or more (got {self.top_k}).")
        checks.seed(self.seed, checks.LLAMA_SEED_MAX)
        for stop in self.stop:
            checks.text("A stop string", stop)

    def as_params(self) -> dict:
        return asdict(self)


@dataclass
class TextRequest:
    mode: str = CHAT
    messages: list[ChatMessage] = field(default_factory=list)  # chat mode
    prompt: str = ""                                            # completion mode
    sampling: Sampling = field(default_factory=Sampling)

    def validate(self) -> None:
        """Refuse what no model can run, naming the field (the text job calls it before a
        row is written, the engine before it samples)."""
        if self.mode not in (CHAT, COMPLETION):
            raise UserFacingError(f"Mode must be {CHAT} or {COMPLETION} (got {self.mode!r}).")
        checks.text("The prompt", self.prompt)
        for message in self.messages:
            checks.text("The system prompt" if message.role == "system" else "The message", message.content)
        if self.mode == COMPLETION and not self.prompt:
            raise UserFacingError("The prompt is empty: type something for the model to continue.")
        if self.mode == CHAT and not any(m.role == "user" and m.content.strip() for m in self.messages):
            raise UserFacingError("There is no message to answer: type one first.")
        self.sampling.validate()

    def display_prompt(self) -> str:
        """The text that stands for this request in the library (and its search index)."""
        if self.mode == COMPLETION:
            return self.prompt
        users = [m.content for m in self.messages if m.role == "user"]
        return users[-1] if users else ""


@dataclass
class TextResult:
    text: str
    finish_reason: str            # "stop" | "length"
    seed: int
    prompt_tokens: int
    completion_tokens: int
    dropped_messages: int = 0     # oldest turns left out to fit the context
    n_ctx: int = 0
    load_s: float = 0.0
    prompt_s: float = 0.0
    generate_s: float = 0.0

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.generate_s if self.generate_s > 0 else 0.0

    def stats(self) -> dict:
        return {
            "finish_reason": self.finish_reason, "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens, "dropped_messages": self.dropped_messages,
            "n_ctx": self.n_ctx, "load_s": round(self.load_s, 4), "prompt_s": round(self.prompt_s, 4),
            "generate_s": round(self.generate_s, 4), "tokens_per_s": round(self.tokens_per_s, 2),
        }
