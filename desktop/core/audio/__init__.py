"""The Audio studio's core: Piper and transformers (VITS, MusicGen) engines, speech
pieces, audio files and their tags, the voice registry. No Qt."""
