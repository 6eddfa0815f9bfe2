"""Making clips from clips, recorded into the library as new items linked to their sources:

- extend_request: a new clip that starts from the last frame of a clip (its image prompt), with
  the clip's own settings unless overridden; it runs as an ordinary video job (JobKind.VIDEO),
  and its row is linked to the clip it extends ("extend").
- JoinRequest / run_join: clips of the same size and frame rate concatenated into a new file,
  re-encoded (one clip's frames in memory at a time), linked to each source ("join"). No model
  is loaded; it runs as JobKind.VIDEO too, so it queues, cancels and commits like a generation."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

from desktop.core import lineage, lineage_metadata
from desktop.core.engine import ProgressCallback
from desktop.core.errors import UserFacingError
from desktop.core.jobs import Job, Progress
from desktop.core.video.video_files import last_frame, poster_name, poster_png, probe, read_frames, read_metadata
from desktop.core.video.video_metadata import VideoTags
from desktop.core.video.video_request import FILE_FORMATS, VideoRequest
from desktop.pipeline import lineage_links
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.pipeline.video_job import VideoOutcome, cancellable, versions
from desktop.store.asset_files import partial_file, planned_file, planned_from
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.pending_commits import FinishedWork

# Settings a clip's metadata may give the extension (anything else comes from `overrides`).
_CARRIED = {"frames": int, "fps": int, "width": int, "height": int, "steps": int, "guidance": float,
            "scheduler": str, "strength": float, "negative": str, "file_format": str}


def extend_request(clip: str | Path, source_generation_id: int | None = None, **overrides) -> VideoRequest:
    """A request for the clip that continues `clip`: its last frame as the image prompt, and the
    prompt and settings read from the clip's metadata (the overrides win)."""
    clip = Path(clip)
    image = last_frame(clip)
    settings = (read_metadata(clip) or None)
    carried = settings.settings if settings is not None else {}
    values = {name: carried[name] for name, kind in _CARRIED.items()
              if isinstance(carried.get(name), kind) and not isinstance(carried.get(name), bool)}
    if isinstance(carried.get("prompt"), str):
        values["prompt"] = carried["prompt"]
    values.setdefault("width", image.width)
    values.setdefault("height", image.height)
    values.update(overrides)
    values.setdefault("prompt", "")
    return VideoRequest(init_image=image, extends=str(clip.resolve()), extends_generation_id=source_generation_id,
                        **values)


@dataclass
class JoinRequest:
    clips: list[str]
    file_format: str = "mp4"
    source_generation_ids: list[int | None] = field(default_factory=list)
    sources: tuple = ()         # lineage.Source: what it is made from (a hand-off, an image prompt)

    def validate(self) -> list:
        """The clips' facts; UserFacingError unless there are two or more readable clips of one
        size and frame rate."""
        if len(self.clips) < 2:
            raise UserFacingError("Choose at least two clips to join.")
        if self.file_format not in FILE_FORMATS:
            raise UserFacingError(f"Clips are saved as {', '.join(FILE_FORMATS)} (got {self.file_format!r}).")
        facts = [probe(path) for path in self.clips]
        first = facts[0]
        for path, fact in zip(self.clips[1:], facts[1:]):
            if (fact.width, fact.height) != (first.width, first.height):
                raise UserFacingError(f"{Path(path).name} is {fact.width}×{fact.height} and {Path(self.clips[0]).name} "
                                      f"{first.width}×{first.height}: only clips of the same size can be joined.")
            if round(fact.fps, 2) != round(first.fps, 2):
                raise UserFacingError(f"{Path(path).name} plays at {fact.fps:g} fps and {Path(self.clips[0]).name} at "
                                      f"{first.fps:g}: only clips of the same frame rate can be joined.")
        return facts


def run_join(job: Job, store: StoreAccess, progress: ProgressCallback) -> VideoOutcome:
    request: JoinRequest = job.request
    facts = request.validate()
    started = time.perf_counter()
    first = read_metadata(request.clips[0])
    prompt = first.settings.get("prompt", "") if first is not None else ""
    prompt = prompt if isinstance(prompt, str) else ""
    total = sum(f.frames for f in facts)
    fps = max(1, round(facts[0].fps))
    names = [Path(p).name for p in request.clips]
    params = {"clips": names, "frames": total, "fps": fps, "width": facts[0].width, "height": facts[0].height,
              "file_format": request.file_format}
    new = NewGeneration(modality="video", kind="join", prompt=prompt, params=params)
    ids = list(request.source_generation_ids) + [None] * (len(request.clips) - len(request.source_generation_ids))
    sources = lineage_links.with_legacy(request.sources, *(
        lineage.Source(lineage.JOIN, source_id, str(Path(path).resolve())) for path, source_id in zip(request.clips, ids)))
    root, owner = store.call(lambda lib: (lib.layout.root, lib.lease.token))
    hashes = lineage_links.file_hashes(sources, root)
    generation_id, described = call_patiently(
        store, lambda lib: lineage_links.start_linked(lib, new, sources, hashes), progress)
    suffix, mime = FILE_FORMATS[request.file_format]
    relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-joined{suffix}"
    tags = VideoTags(prompt, "", 0, params, lineage_metadata.with_lineage(
        {"kind": "join", "generation_id": generation_id, "versions": versions()}, described))
    poster_frame = []

    def frames():
        done = 0
        for path in request.clips:  # one clip in memory at a time
            for frame in read_frames(path):
                if not poster_frame:
                    poster_frame.append(frame)
                done += 1
                progress(Progress(done=done, total=total, unit="frames", message=f"Joining {Path(path).name}"))
                yield frame

    def make():
        from desktop.core.video.video_files import encode_video

        clip = partial_file(root, relative, owner)
        try:
            count = encode_video(cancellable(frames(), job.cancel), fps, request.file_format, tags, clip)
        except BaseException:
            clip.unlink(missing_ok=True)
            raise
        return count, clip, poster_png(poster_frame[0], tags)

    count, clip, poster = run_recorded(store, generation_id, make)
    width, height = facts[0].width - facts[0].width % 2, facts[0].height - facts[0].height % 2
    assets = [AssetMeta(planned_from(root, relative, clip), mime, width, height, count / fps),
              AssetMeta(planned_file(root, poster_name(relative), poster), "image/png",
                        width, height)]
    seconds = time.perf_counter() - started
    commit_finished(store, FinishedWork(generation_id, stats={"seconds": round(seconds, 3), "frames": count,
                                                              "fps": fps, "clips": len(request.clips)},
                                        assets=assets), [clip, poster], progress)
    return VideoOutcome(generation_id, assets[0].file.path, assets[1].file.path, count, fps, width, height, None,
                        seconds)
