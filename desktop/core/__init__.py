"""Everything below Qt: one sub-package per studio (text/, image/, audio/, video/, and the
model manager's models/) and, at this root, what they all share — the engine protocol, jobs
and progress, errors and their messages, hardware facts, precision, the model cache, model
discovery's common parts, request checks, JSON configuration reading, and the weights every
torch studio loads (weight_files: pickles refused, variants, parameter counts from
safetensors_header), and how a prompt is read and encoded for CLIP, which the Image and Video
studios share (prompt_syntax: A1111's emphasis; prompt_chunks: 75-token chunks; prompt_encoder).
A studio imports the root and itself, never another studio (tests/core/test_layers.py)."""
