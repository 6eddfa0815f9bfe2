"""A storyboard's run (JobKind.STORYBOARD): every missing piece made through the studios' own
runners — so each is an ordinary library item, with its file, row and metadata, committed the
moment it is done — then the final video put together from them (storyboard_video.py).

Pieces are made kind by kind (every image, then every narration, then every clip, then the
music) rather than scene by scene: each model then loads once per run instead of once per
scene, and the pictures, the first thing a person looks at, come first. The storyboard is saved
after every piece, and all pieces share the job's one cancel event: a stop keeps what is done
and the outcome says what is missing. A regenerate request remakes one piece (with the next
seed) and the final video."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core import lineage
from desktop.core.audio.audio_request import MAX_MUSIC_SECONDS, MusicRequest, SpeechRequest
from desktop.core.errors import Cancelled, UserFacingError
from desktop.core.image.image_request import ImageRequest
from desktop.core.jobs import Job, JobKind, Progress
from desktop.core.video import soundtrack, story_cut
from desktop.core.video.video_request import VideoRequest
from desktop.pipeline import storyboard_saving
from desktop.pipeline.audio_job import run_audio_job
from desktop.pipeline.image_job import run_image_job
from desktop.pipeline.store_access import StoreAccess
from desktop.pipeline.storyboard import CLIP, IMAGE, NARRATION, PIECES, Storyboard
from desktop.pipeline.storyboard_video import make_final_video
from desktop.pipeline.video_job import VideoOutcome, run_video_job

MUSIC, FINAL = "music", "final video"


@dataclass
class StoryboardRequest:
    board: Storyboard                        # as the person left it (text edited, pieces dropped)
    regenerate: tuple[int, str] | None = None  # (scene index, piece): make it again, then the final video

    def validate(self) -> None:
        self.board.validate()
        if self.regenerate is not None:
            index, piece = self.regenerate
            if not 0 <= index < len(self.board.scenes) or piece not in PIECES:
                raise UserFacingError(f"There is no {piece} of scene {index + 1} to make again.")
            if piece == CLIP and not self.board.has_clips:
                raise UserFacingError("This storyboard makes no clips: choose a video model first.")


@dataclass(frozen=True)
class MadePiece:
    """A piece just committed to the library (sent in Progress.pieces as it is done)."""
    scene: int | None            # None for the music and the final video
    piece: str                   # image, clip, narration, music or final video
    generation_id: int
    path: Path
    storyboard_id: int | None = None   # the saved storyboard it belongs to


@dataclass
class StoryboardOutcome:
    board: Storyboard                       # as saved: every piece's item id
    made: list[MadePiece] = field(default_factory=list)
    final: VideoOutcome | None = None
    missing: list[str] = field(default_factory=list)   # after a stop: what the final video still lacks

    @property
    def generation_ids(self) -> tuple[int, ...]:
        return tuple(piece.generation_id for piece in self.made)

    @property
    def path(self) -> Path | None:
        return self.final.path if self.final is not None else None


def run_storyboard(job: Job, cache, store: StoreAccess, progress) -> StoryboardOutcome:
    request: StoryboardRequest = job.request
    request.validate()
    board = copy.deepcopy(request.board)
    if board.id is not None:  # pieces deleted in the Library since are made again
        storyboard_saving.forget_vanished(board, set(storyboard_saving.piece_files(store, board)))
    if request.regenerate is not None:
        board.take_again(*request.regenerate)
    storyboard_saving.save(store, board)
    outcome = StoryboardOutcome(board)
    run = _Run(job, cache, store, progress, board, outcome)
    try:
        run.make_pieces()
        files = storyboard_saving.piece_files(store, board)
        if board.final_id is None or board.final_id not in files:
            run.say(FINAL, None)
            outcome.final = make_final_video(board, files, store, job.cancel, run.forward(FINAL, None))
            board.final_id = outcome.final.generation_id
            run.done(None, FINAL, outcome.final.generation_id, outcome.final.path)
        else:
            outcome.final = _existing_final(board, files)
    except Cancelled as stopped:
        outcome.missing = board.missing() + ([FINAL] if board.final_id is None else [])
        stopped.kept = outcome
        raise
    return outcome


class _Run:
    """One run's bookkeeping: the pieces to make, progress as "which scene, which piece, how
    many done", and the save after each piece."""

    def __init__(self, job: Job, cache, store: StoreAccess, progress, board: Storyboard,
                 outcome: StoryboardOutcome):
        self.job, self.cache, self.store, self.progress = job, cache, store, progress
        self.board, self.outcome = board, outcome
        self.todo = [(i, p) for p in (IMAGE, NARRATION, CLIP) for i, s in enumerate(board.scenes)
                     if p in board.wanted_pieces(i) and s.item(p) is None]
        if board.has_music and board.music_id is None:
            self.todo.append((None, MUSIC))
        self.total = len(self.todo) + 1  # + the final video
        self.finished = 0

    def make_pieces(self) -> None:
        for index, piece in self.todo:
            self.say(piece, index)
            made = getattr(self, f"_{piece}")(index)
            gid, path = made
            if piece == MUSIC:
                self.board.music_id = gid
            else:
                self.board.scenes[index].items[piece] = gid
            self.done(index, piece, gid, path)

    # -- progress ----------------------------------------------------------------------------

    def label(self, piece: str, index: int | None) -> str:
        return f"Scene {index + 1} of {len(self.board.scenes)} · {piece}" if index is not None else piece.capitalize()

    def say(self, piece: str, index: int | None) -> None:
        self.progress(Progress(done=self.finished, total=self.total, unit="pieces", message=self.label(piece, index)))

    def forward(self, piece: str, index: int | None):
        """A piece's own progress (steps, sentences, frames) told as part of the storyboard's."""
        label = self.label(piece, index)

        def report(p: Progress) -> None:
            if p.unit == "waiting":
                self.progress(p)
                return
            detail = p.message or (f"{p.done}/{p.total} {p.unit}" if p.total else "")
            self.progress(Progress(done=self.finished, total=self.total, unit="pieces", preview=p.preview,
                                   eta_s=p.eta_s, message=f"{label}: {detail}" if detail else label))
        return report

    def done(self, index: int | None, piece: str, generation_id: int, path: Path) -> None:
        storyboard_saving.save(self.store, self.board)
        made = MadePiece(index, piece, generation_id, Path(path), self.board.id)
        self.outcome.made.append(made)
        self.finished += 1
        self.progress(Progress(done=self.finished, total=self.total, unit="pieces",
                               message=f"{self.label(piece, index)} done", pieces=(made,)))

    # -- the pieces --------------------------------------------------------------------------

    def _sub_job(self, kind: JobKind, request, model: str) -> Job:
        return Job(kind, request, model, self.job.origin, self.job.options, title=self.job.title,
                   cancel=self.job.cancel)

    def _image(self, index: int):
        board, scene = self.board, self.board.scenes[index]
        request = ImageRequest(prompt=scene.image_prompt, negative=board.negative, steps=board.steps,
                               guidance=board.guidance, width=board.width, height=board.height,
                               seed=scene.seeds[IMAGE])
        made = run_image_job(self._sub_job(JobKind.IMAGE, request, board.models.image), self.cache, self.store,
                             self.forward(IMAGE, index))
        return made.items[0].generation_id, made.items[0].path

    def _narration(self, index: int):
        scene = self.board.scenes[index]
        request = SpeechRequest(scene.narration, seed=scene.seeds[NARRATION])
        made = run_audio_job(self._sub_job(JobKind.AUDIO, request, self.board.models.voice), self.cache, self.store,
                             self.forward(NARRATION, index))
        return made.generation_id, made.path

    def _clip(self, index: int):
        from desktop.core.image.image_files import open_image

        board, scene = self.board, self.board.scenes[index]
        image_id = scene.item(IMAGE)
        image_path = storyboard_saving.piece_files(self.store, board)[image_id]
        request = VideoRequest(prompt=scene.image_prompt, negative=board.negative, frames=board.clip_frames,
                               fps=board.fps, width=board.width, height=board.height, steps=board.clip_steps,
                               guidance=board.clip_guidance, seed=scene.seeds[CLIP],
                               init_image=open_image(image_path).convert("RGB"),
                               motion_adapter=board.models.motion_adapter,
                               sources=(lineage.Source(lineage.ANIMATE, image_id, str(image_path)),))
        made = run_video_job(self._sub_job(JobKind.VIDEO, request, board.models.video), self.cache, self.store,
                             self.forward(CLIP, index))
        return made.generation_id, made.path

    def _music(self, _index: None):
        board = self.board
        request = MusicRequest(board.music_prompt, duration_s=self._story_seconds(), seed=board.seed)
        made = run_audio_job(self._sub_job(JobKind.AUDIO, request, board.models.music), self.cache, self.store,
                             self.forward(MUSIC, None))
        return made.generation_id, made.path

    def _story_seconds(self) -> float:
        """How long the final video will be (the music bed is made that long, within MusicGen's limit)."""
        files = storyboard_saving.piece_files(self.store, self.board)
        narrations = [soundtrack.read_sound(files[s.item(NARRATION)]) for s in self.board.scenes]
        cut = story_cut.plan(narrations, self.board.fps)
        return round(min(MAX_MUSIC_SECONDS, max(1.0, cut.seconds)), 1)


def _existing_final(board: Storyboard, files: dict[int, Path]) -> VideoOutcome:
    """Nothing was missing: the final video already made, as an outcome."""
    from desktop.core.video.video_files import poster_name, probe

    path = files[board.final_id]
    facts = probe(path)
    fps = max(1, round(facts.fps)) if facts.fps > 0 else board.fps
    return VideoOutcome(board.final_id, path, path.parent / Path(poster_name(str(path))).name, facts.frames, fps,
                        facts.width, facts.height, board.seed, 0.0)
