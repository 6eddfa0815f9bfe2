"""The Video studio's core (no Qt): requests (video_request), which folders are video models
(video_registry), the engines on diffusers — AnimateDiff with a motion adapter, Stable Video
Diffusion, LTX-Video (video_engine holds what they share: seeds, step progress with a strip of
previewed frames, cancel within a step, the text-encoder cache, the CPU memory options;
motion_unet builds AnimateDiff's UNet without copying the weights) — and the files: MP4 / WebM /
GIF / WebP with their metadata and a poster frame (video_files, video_metadata).

For a panel or another front end:
- a clip: `Job(JobKind.VIDEO, VideoRequest(...), model_folder, JobOrigin(Studio.VIDEO), options)`
  run by desktop/pipeline/video_job.run_video_job (the worker finds it in RUNNERS); the outcome
  is a VideoOutcome (generation_id, path, poster_path, frames, fps, width, height, seed,
  seconds, notes). `VideoRequest.validate(family)` checks a request before queueing it;
  Progress.preview is a strip of four frames side by side; a Progress with unit "frames"
  means encoding has started.
- models: `video_registry.scan(folders, found)` lists adapters, AnimateDiff bases, SVD and
  LTX folders; `VideoModelInfo.recommended` is the model's preset (Lightning: its steps,
  guidance 1.0, its scheduler).
- estimate before starting: desktop/pipeline/video_estimate.estimate_clip(...) (memory and time;
  the memory part is video_memory.estimate, the one a load is refused with).
- "Use these settings": `video_files.read_metadata(path).settings`.
- "Extend from the last frame": `video_edits.extend_request(clip, generation_id, **overrides)`,
  run as any clip; "Join clips": `Job(JobKind.VIDEO, video_edits.JoinRequest([paths], fmt, ids), "", ...)`.
- a frame as an image prompt: `video_files.read_frames(path)` / `last_frame(path)`."""
