"""A storyboard as data: a premise, its scenes (title, image prompt, line of narration — all
editable), the models and settings that make them, and per scene the library items made so
far (its image, its clip, its narration), plus the music bed and the final video.

It is saved in the library (desktop/store/storyboards.py) after every piece, so a stopped run
or a closed window loses nothing: reopened, it makes only what is missing, and a person can
change one scene's text and remake just that piece. Seeds are kept per piece: a piece made
again from the same text gets the next seed (another take), everything else stays as it was."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field

from desktop.core.errors import UserFacingError

IMAGE, CLIP, NARRATION = "image", "clip", "narration"
PIECES = (IMAGE, CLIP, NARRATION)
MAX_SCENES = 12
SEED_LIMIT = 2**31 - 1000   # room for the per-scene and per-take offsets below


@dataclass
class StoryScene:
    title: str
    image_prompt: str
    narration: str
    items: dict = field(default_factory=dict)   # piece -> library item id
    seeds: dict = field(default_factory=dict)   # piece -> the seed it was (or will be) made with

    def item(self, piece: str) -> int | None:
        return self.items.get(piece)


@dataclass
class StoryModels:
    image: str                  # a diffusers folder or single-file checkpoint
    voice: str = ""             # a Piper .onnx voice or a VITS folder ("" is refused: pick one)
    video: str = ""             # optional: a clip per scene, animated from its image
    motion_adapter: str = ""    # AnimateDiff: with an SD 1.5 folder as `video`
    music: str = ""             # optional: a MusicGen folder for the music bed


@dataclass
class Storyboard:
    premise: str
    scenes: list[StoryScene]
    models: StoryModels
    seed: int = -1              # -1: chosen once, then kept (remade pieces take the next seed)
    width: int = 512
    height: int = 512
    steps: int = 20
    guidance: float = 7.0
    negative: str = ""
    clip_frames: int = 16
    clip_steps: int = 20
    clip_guidance: float = 7.5
    fps: int = 8
    music_prompt: str = ""      # written from the premise by the built-in model; editable
    music_id: int | None = None
    final_id: int | None = None
    id: int | None = None
    collection_id: int | None = None

    def __post_init__(self) -> None:
        if self.seed < 0:
            self.seed = random.randrange(SEED_LIMIT)
        for index, scene in enumerate(self.scenes):
            for piece in PIECES:
                scene.seeds.setdefault(piece, self.seed + index)

    # -- what it needs ---------------------------------------------------------------------

    @property
    def has_clips(self) -> bool:
        return bool(self.models.video)

    @property
    def has_music(self) -> bool:
        return bool(self.models.music)

    def wanted_pieces(self, index: int) -> tuple[str, ...]:
        """The pieces scene `index` is made of, in the order they are made."""
        return (IMAGE, CLIP, NARRATION) if self.has_clips else (IMAGE, NARRATION)

    def missing(self) -> list[str]:
        """What the final video still lacks, as a person reads it ("scene 2 narration", "music")."""
        gaps = [f"scene {i + 1} {piece}" for i, scene in enumerate(self.scenes)
                for piece in self.wanted_pieces(i) if scene.item(piece) is None]
        if self.has_music and self.music_id is None:
            gaps.append("music")
        return gaps

    def validate(self) -> None:
        if not self.premise.strip():
            raise UserFacingError("Write a premise first: what the story is about.")
        if not 1 <= len(self.scenes) <= MAX_SCENES:
            raise UserFacingError(f"A storyboard has 1 to {MAX_SCENES} scenes (it has {len(self.scenes)}).")
        for number, scene in enumerate(self.scenes, 1):
            if not scene.image_prompt.strip():
                raise UserFacingError(f"Scene {number} has no image prompt: describe its picture.")
            if not scene.narration.strip():
                raise UserFacingError(f"Scene {number} has no narration: write its line.")
        if not self.models.image:
            raise UserFacingError("Choose an image model for the scenes' pictures.")
        if not self.models.voice:
            raise UserFacingError("Choose a voice for the narration.")
        if self.has_music and not self.music_prompt.strip():
            raise UserFacingError("Describe the music bed (or choose no music model).")

    # -- editing ---------------------------------------------------------------------------

    def edit_scene(self, index: int, title: str | None = None, image_prompt: str | None = None,
                   narration: str | None = None) -> None:
        """New text for a scene; a piece whose text changed is dropped (made again at the next
        run), and so is the clip of a changed picture."""
        scene = self.scenes[index]
        if title is not None:
            scene.title = title
        if image_prompt is not None and image_prompt != scene.image_prompt:
            scene.image_prompt = image_prompt
            self.drop(index, IMAGE)
        if narration is not None and narration != scene.narration:
            scene.narration = narration
            self.drop(index, NARRATION)

    def drop(self, index: int, piece: str) -> None:
        """Forget a scene's piece (its library item stays) so the next run makes it again; a
        picture made again takes its clip along, and the final video is made again."""
        if piece not in PIECES:
            raise UserFacingError(f"A scene's pieces are {', '.join(PIECES)} (got {piece!r}).")
        scene = self.scenes[index]
        for gone in ((IMAGE, CLIP) if piece == IMAGE else (piece,)):
            scene.items.pop(gone, None)
        self.final_id = None

    def revise(self, texts: list[tuple[str, str, str]], models: StoryModels, music_prompt: str,
               **settings) -> None:
        """The person's edits at once: each scene's (title, image prompt, narration), the models
        and music prompt, picture settings. What no longer fits is dropped: a changed text's
        piece, every clip when the video model changed, the music when its model or prompt did."""
        for index, text in enumerate(texts):
            self.edit_scene(index, *text)
        if models.music != self.models.music or music_prompt != self.music_prompt:
            self.music_id, self.final_id = None, None
        if (models.video, models.motion_adapter) != (self.models.video, self.models.motion_adapter):
            for scene in self.scenes:
                scene.items.pop(CLIP, None)
            self.final_id = None
        self.models, self.music_prompt = models, music_prompt
        for name, value in settings.items():
            setattr(self, name, value)

    def take_again(self, index: int, piece: str) -> None:
        """Regenerate: drop the piece and give it the next seed (another take)."""
        self.drop(index, piece)
        scene = self.scenes[index]
        for again in ((IMAGE, CLIP) if piece == IMAGE else (piece,)):
            scene.seeds[again] = scene.seeds.get(again, self.seed + index) + 1

    # -- saving ----------------------------------------------------------------------------

    def plan(self) -> dict:
        """Everything but its identity, for the storyboards table's JSON."""
        values = dataclasses.asdict(self)
        for key in ("id", "collection_id", "premise"):
            values.pop(key)
        return values

    @classmethod
    def from_plan(cls, premise: str, plan: dict, storyboard_id: int | None = None,
                  collection_id: int | None = None) -> "Storyboard":
        """Read back leniently: a plan written by another version keeps what it can."""
        names = {f.name for f in dataclasses.fields(cls)} - {"scenes", "models", "premise", "id", "collection_id"}
        values = {key: value for key, value in plan.items() if key in names}
        scene_names = {f.name for f in dataclasses.fields(StoryScene)}
        scenes = [StoryScene(**{k: v for k, v in s.items() if k in scene_names})
                  for s in plan.get("scenes", []) if isinstance(s, dict)]
        for scene in scenes:  # JSON gives string keys back; item ids must be ints
            scene.items = {k: int(v) for k, v in scene.items.items() if k in PIECES and isinstance(v, int)}
            scene.seeds = {k: int(v) for k, v in scene.seeds.items() if k in PIECES and isinstance(v, int)}
        model_names = {f.name for f in dataclasses.fields(StoryModels)}
        models = StoryModels(**{k: v for k, v in (plan.get("models") or {}).items() if k in model_names})
        return cls(premise=premise, scenes=scenes, models=models, id=storyboard_id, collection_id=collection_id,
                   **values)

    def item_ids(self) -> list[int]:
        """Every library item of the storyboard: the scenes' pieces, the music, the final video."""
        ids = [i for scene in self.scenes for i in scene.items.values()]
        return ids + [i for i in (self.music_id, self.final_id) if i is not None]
