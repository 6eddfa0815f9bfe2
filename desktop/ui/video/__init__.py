"""The Video studio's panel (desktop/core/video does the work): video_panel (the studio),
video_form (a clip's settings and presets), video_model_bar (model and motion adapter),
video_results (preview strip, clip list) with widgets/clip_player (QtMultimedia or drawn frames); the
estimate before a clip starts is desktop/pipeline/video_estimate's."""
