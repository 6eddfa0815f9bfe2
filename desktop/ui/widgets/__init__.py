"""Widgets several studios use: image view, audio player and waveform, model picker, prompt history, seed box, layouts, the job-panel mixin."""
