"""“Add as soundtrack”: speech or music laid under a video, written as a new clip (the source
clip is never changed), recorded as a library item linked to both sources.

The picture is re-encoded rather than its packets copied: the source may be a GIF or WebP,
or a clip to loop, and Atelier's clips are seconds long. It runs as JobKind.VIDEO (runners.py
sends a SoundtrackRequest here) so it queues, cancels and commits like any generation; no
model is loaded."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from desktop.core import lineage, lineage_metadata
from desktop.core.engine import ProgressCallback
from desktop.core.errors import UserFacingError
from desktop.core.jobs import Job, Progress
from desktop.core.video import soundtrack
from desktop.core.video.video_files import iter_frames, poster_name, poster_png, probe, read_metadata
from desktop.core.video.video_metadata import VideoTags
from desktop.core.video.video_request import FILE_FORMATS
from desktop.pipeline import lineage_links
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.pipeline.video_job import VideoOutcome, cancellable, versions
from desktop.store.asset_files import partial_file, planned_file, planned_from
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.pending_commits import FinishedWork

SOUND_FORMATS = ("mp4", "webm")


@dataclass
class SoundtrackRequest:
    video: str                         # the clip (any format Atelier reads)
    audio: str                         # speech or music (any format FFmpeg decodes)
    fit: str = soundtrack.LOOP         # a clip shorter than the sound: loop it or hold its last frame
    file_format: str = "mp4"
    video_generation_id: int | None = None
    audio_generation_id: int | None = None
    sources: tuple = ()                # further sources (lineage.Source), beyond the two above

    def validate(self) -> None:
        if self.file_format not in SOUND_FORMATS:
            raise UserFacingError(f"A video with sound is saved as {' or '.join(SOUND_FORMATS)} "
                                  f"(got {self.file_format!r}).")
        if self.fit not in soundtrack.FITS:
            raise UserFacingError(f"A short clip is made to last by {' or '.join(soundtrack.FITS)} (got {self.fit!r}).")
        for what, path in (("video", self.video), ("sound", self.audio)):
            if not path or not Path(path).is_file():
                raise UserFacingError(f"The {what} file {Path(path).name or '(none)'} is not there any more: "
                                      "choose another.")

    def all_sources(self) -> tuple:
        return (lineage.Source(lineage.VIDEO, self.video_generation_id, str(Path(self.video).resolve())),
                lineage.Source(lineage.SOUNDTRACK, self.audio_generation_id, str(Path(self.audio).resolve())),
                *self.sources)


def run_soundtrack(job: Job, store: StoreAccess, progress: ProgressCallback) -> VideoOutcome:
    request: SoundtrackRequest = job.request
    request.validate()
    started = time.perf_counter()
    facts = probe(request.video)
    sound = soundtrack.read_sound(request.audio)
    fps = max(1, round(facts.fps)) if facts.fps > 0 else 8  # whole frames per second, as joins write them
    total = soundtrack.frames_to_cover(facts.frames, fps, sound)
    clip_settings = read_metadata(request.video)
    carried = dict(clip_settings.settings) if clip_settings is not None else {}
    prompt = carried.get("prompt") if isinstance(carried.get("prompt"), str) else ""
    params = {"video": Path(request.video).name, "audio": Path(request.audio).name, "fit": request.fit,
              "frames": total, "fps": fps, "width": facts.width, "height": facts.height,
              "audio_seconds": round(sound.seconds, 3), "file_format": request.file_format}
    new = NewGeneration(modality="video", kind="soundtrack", prompt=prompt, params=params)
    sources = request.all_sources()
    root, owner = store.call(lambda lib: (lib.layout.root, lib.lease.token))
    hashes = lineage_links.file_hashes(sources, root)  # here, not on the library's writer
    generation_id, described = call_patiently(store, lambda lib: lineage_links.start_linked(lib, new, sources, hashes),
                                              progress)
    suffix, mime = FILE_FORMATS[request.file_format]
    relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-soundtrack{suffix}"
    details = {"kind": "soundtrack", "generation_id": generation_id, "versions": versions()}
    tags = VideoTags(prompt, "", 0, {**params, "negative": carried.get("negative", "")},
                     lineage_metadata.with_lineage(details, described))
    poster_frame = []

    def frames():
        for done, frame in enumerate(soundtrack.fitted_frames(lambda: iter_frames(request.video), total, request.fit)):
            if not poster_frame:
                poster_frame.append(frame)
            if done % 8 == 0:
                progress(Progress(done=done, total=total, unit="frames", message="Laying the sound under the clip"))
            yield frame

    def make():
        from desktop.core.video.video_files import encode_video

        clip = partial_file(root, relative, owner)
        try:
            count = encode_video(cancellable(frames(), job.cancel), fps, request.file_format, tags, clip, sound)
        except BaseException:
            clip.unlink(missing_ok=True)
            raise
        return count, clip, poster_png(poster_frame[0], tags)

    count, clip, poster = run_recorded(store, generation_id, make)
    width, height = facts.width - facts.width % 2, facts.height - facts.height % 2
    assets = [AssetMeta(planned_from(root, relative, clip), mime, width, height, count / fps),
              AssetMeta(planned_file(root, poster_name(relative), poster), "image/png", width, height)]
    seconds = time.perf_counter() - started
    commit_finished(store, FinishedWork(generation_id, stats={"seconds": round(seconds, 3), "frames": count,
                                                              "fps": fps}, assets=assets), [clip, poster], progress)
    return VideoOutcome(generation_id, assets[0].file.path, assets[1].file.path, count, fps, width, height,
                        None, seconds)
