"""Tiny models for storyboards (an SD for the pictures, the same SD with a motion adapter for the
clips, a tiny MusicGen) plus the built-in voice; and a storyboard of 2–3 scenes at 64×64 in 1–2
steps, so a whole run takes seconds. The pictures are noise; files, rows and links are real."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "video"))  # tiny_video_models

from tiny_models import write_tiny_sd  # noqa: E402
from tiny_video_models import write_tiny_motion_adapter  # noqa: E402


@pytest.fixture(scope="session")
def story_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("story-models")
    write_tiny_sd(folder / "sd")
    write_tiny_motion_adapter(folder / "motion")
    return folder

