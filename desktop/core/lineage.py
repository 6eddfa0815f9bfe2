"""What a generation was made from: the sources a request carries into the library, whatever
the studio. A hand-off between studios (a reply made into an image, an image animated, speech
laid under a video) sets them on the new request; recording links the new generation to each
one, and the file's metadata carries them (ids and content hashes) so the thread survives
export, import and other tools."""

from __future__ import annotations

from dataclasses import dataclass

# Relations, read as "<new item> was made by <relation> of <source>".
IMAGE_PROMPT = "image prompt"     # img2img / inpaint from this image (or a video's frame)
FRAME = "frame"                   # a still taken from this video
UPSCALE = "upscale"
ANIMATE = "animate"               # image-to-video from this image
EXTEND = "extend"                 # a clip continued from this clip's last frame
JOIN = "join"                     # one of the clips joined
PROMPT_FROM = "prompt from"       # its prompt was written from this item's text
READ_ALOUD = "read aloud"         # speech of this item's text
SOUNDTRACK = "soundtrack"         # audio laid under a video
VIDEO = "video"                   # the video the soundtrack was laid under
SCENE = "scene"                   # a storyboard's piece, in its final video

RELATIONS = (IMAGE_PROMPT, FRAME, UPSCALE, ANIMATE, EXTEND, JOIN, PROMPT_FROM, READ_ALOUD, SOUNDTRACK, VIDEO, SCENE)


@dataclass(frozen=True)
class Source:
    """One source of a new generation. `generation_id` is the library item when known; a file
    alone (`path`, absolute) is matched to its item when it lies in the library."""

    relation: str
    generation_id: int | None = None
    path: str = ""

    def __post_init__(self) -> None:
        if self.relation not in RELATIONS:
            raise ValueError(f"unknown relation {self.relation!r}")
        if self.generation_id is None and not self.path:
            raise ValueError("a source needs a library item or a file")
