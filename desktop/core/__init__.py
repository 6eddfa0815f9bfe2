"""Everything below Qt: one sub-package per studio (text/, image/, audio/; video/ and the
model manager's models/ will sit beside them) and, at this root, what they all share — the
engine protocol, jobs and progress, errors and their messages, hardware facts, the model
cache, model discovery's common parts, request checks, JSON configuration reading. A studio
imports the root and itself, never another studio (tests/core/test_layers.py)."""
