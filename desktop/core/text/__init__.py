"""The Text and Code studios' core: GGUF reading, the llama.cpp engine, chat prompts,
presets, text requests and the built-in model. No Qt."""
