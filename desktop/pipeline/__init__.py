"""A job end to end for each studio, shared by the window, the CLI, the benchmarks and the
tests: the engine from the cache, the rows, the files, the commit. Kept as one module per
studio (text_job; image_job + upscale_job; audio_job; video_job + video_edits, with video_memory
and video_estimate for what a clip needs) beside what they share (recording, store access,
model hashes, the runner table) rather than in per-studio folders: each studio has a few such
modules, and a flat folder keeps the shared commit path in plain view."""
