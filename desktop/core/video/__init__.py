"""The Video studio's core (no Qt): requests (video_request), which folders are video models
(video_registry), the engines on diffusers — AnimateDiff with a motion adapter, Stable Video
Diffusion, LTX-Video (video_engine holds what they share: seeds, step progress with a strip of
previewed frames, cancel within a step, the text-encoder cache) — and the files: MP4 / WebM /
GIF / WebP with their metadata and a poster frame (video_files, video_metadata).

A job end to end (cache, rows, files) is desktop/pipeline/video_job.py; extending a clip from
its last frame and joining clips are desktop/pipeline/video_edits.py."""
