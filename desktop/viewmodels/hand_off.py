"""Hand-offs between studios: what can be made from a result, named once for every place that
offers it (a studio's results, a chat reply, the Library's menu). The window's HandOffs router
(ui/shell/hand_offs.py) carries each to the studio that makes it, which links the new
generation to its source (core/lineage.py)."""

from __future__ import annotations

from dataclasses import dataclass

MAKE_IMAGE = "make image"
READ_ALOUD = "read aloud"
COMPOSE = "compose"
ANIMATE = "animate"
UPSCALE = "upscale"
IMAGE_PROMPT = "image prompt"
FRAME_PROMPT = "frame prompt"
EXTEND = "extend"
SOUNDTRACK = "soundtrack"

LABELS = {
    MAKE_IMAGE: "Make an image",
    READ_ALOUD: "Read aloud",
    COMPOSE: "Compose music for this",
    ANIMATE: "Animate",
    UPSCALE: "Upscale",
    IMAGE_PROMPT: "Use as image prompt",
    FRAME_PROMPT: "Use a frame as image prompt",
    EXTEND: "Extend",
    SOUNDTRACK: "Add as soundtrack…",
}
TIPS = {
    MAKE_IMAGE: "The language model writes an image prompt from this text; you see and edit it before it runs.",
    READ_ALOUD: "Speak this text with the chosen voice in the Audio studio.",
    COMPOSE: "The language model writes a music prompt from this text; you see and edit it before it runs.",
    ANIMATE: "Open this image in the Video studio as the picture to animate.",
    UPSCALE: "Upscale this image with the chosen upscaler in the Image studio.",
    IMAGE_PROMPT: "Open this image in the Image studio as the image prompt (img2img, inpainting).",
    FRAME_PROMPT: "Take a frame of this clip to the Image studio as the image prompt.",
    EXTEND: "A new clip that continues this one from its last frame, in the Video studio.",
    SOUNDTRACK: "Lay this sound under a video of the library: a new clip with sound.",
}
BY_MODALITY = {
    "text": (MAKE_IMAGE, READ_ALOUD, COMPOSE),
    "image": (ANIMATE, UPSCALE, IMAGE_PROMPT),
    "video": (FRAME_PROMPT, EXTEND),
    "audio": (SOUNDTRACK,),
}


@dataclass(frozen=True)
class HandOff:
    """One result handed to another studio: its library item (when it has one), its file (an
    absolute path) or, for a text, the text itself."""

    action: str
    generation_id: int | None = None
    path: str = ""
    text: str = ""

    def __post_init__(self) -> None:
        if self.action not in LABELS:
            raise ValueError(f"unknown hand-off {self.action!r}")


def actions_for(modality: str, has_file: bool = True, has_text: bool = False) -> tuple[str, ...]:
    """The hand-offs a result of `modality` offers: a file-less image or video offers none; a
    text offers them only when it has text."""
    actions = BY_MODALITY.get(modality, ())
    if modality == "text":
        return actions if has_text else ()
    return actions if has_file else ()
