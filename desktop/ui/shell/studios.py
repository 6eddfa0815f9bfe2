"""The studios shown in the sidebar, in order. Listed explicitly (not discovered) so a
frozen build stays simple; later modalities add a line here."""

from desktop.ui.audio.audio_panel import AudioPanel
from desktop.ui.text.code_panel import CodePanel
from desktop.ui.image.image_panel import ImagePanel
from desktop.ui.library.library_panel import LibraryPanel
from desktop.ui.story.story_panel import StoryPanel
from desktop.ui.text.text_panel import TextPanel
from desktop.ui.video.video_panel import VideoPanel

# (key, label, panel class)
PANELS = [
    ("text", "Text", TextPanel),
    ("code", "Code", CodePanel),
    ("image", "Image", ImagePanel),
    ("audio", "Audio", AudioPanel),
    ("video", "Video", VideoPanel),
    ("story", "Story", StoryPanel),
    ("library", "Library", LibraryPanel),
]
