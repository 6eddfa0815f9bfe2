"""The Video studio's panel (desktop/core/video does the work): video_panel (the studio),
video_form (a clip's settings and presets), video_model_bar (model and motion adapter),
video_results (preview strip, clip list) with clip_player (QtMultimedia or drawn frames), and
clip_estimate (memory and time before a clip starts)."""
