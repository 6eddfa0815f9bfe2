"""A storyboard's final video, recorded as a library item like any clip: each scene's clip
(looped) or still (held) for as long as its narration plus a pause, the narrations in turn
over it, the music bed under them (desktop/core/video/story_cut.py), as MP4 with an AAC track.
Its row is linked to every piece (the pictures as "scene", the narration and music as
"soundtrack"), and its file carries those sources. No model is loaded; a cancel while encoding
leaves no file and a 'cancelled' row."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from desktop.core import lineage, lineage_metadata
from desktop.core.errors import UserFacingError
from desktop.core.jobs import Progress
from desktop.core.video import soundtrack, story_cut
from desktop.core.video.video_files import encode_video, iter_frames, poster_name, poster_png
from desktop.core.video.video_metadata import VideoTags
from desktop.core.video.video_request import FILE_FORMATS
from desktop.pipeline import lineage_links
from desktop.pipeline.recording import call_patiently, commit_finished, run_recorded
from desktop.pipeline.store_access import StoreAccess
from desktop.pipeline.storyboard import CLIP, IMAGE, NARRATION, Storyboard
from desktop.pipeline.video_job import VideoOutcome, cancellable, versions
from desktop.store.asset_files import partial_file, planned_file, planned_from
from desktop.store.generations import AssetMeta, NewGeneration
from desktop.store.pending_commits import FinishedWork

FILE_FORMAT = "mp4"


def final_sources(board: Storyboard, files: dict[int, Path]) -> tuple:
    """Every piece the final video is made of, as lineage sources."""
    sources = []
    for scene in board.scenes:
        for piece, relation in ((IMAGE, lineage.SCENE), (CLIP, lineage.SCENE), (NARRATION, lineage.SOUNDTRACK)):
            item = scene.item(piece)
            if item is not None:
                sources.append(lineage.Source(relation, item, str(files.get(item, ""))))
    if board.music_id is not None:
        sources.append(lineage.Source(lineage.SOUNDTRACK, board.music_id, str(files.get(board.music_id, ""))))
    return tuple(sources)


def make_final_video(board: Storyboard, files: dict[int, Path], store: StoreAccess, cancel,
                     progress) -> VideoOutcome:
    """Assemble and record the final video from the pieces in `files` ({item id: path})."""
    started = time.perf_counter()
    missing = board.missing()
    if missing:
        raise UserFacingError(f"The final video needs every piece first; missing: {', '.join(missing)}.")
    narrations = [soundtrack.read_sound(files[scene.item(NARRATION)]) for scene in board.scenes]
    music = soundtrack.read_sound(files[board.music_id]) if board.music_id is not None else None
    cut = story_cut.plan(narrations, board.fps)
    sound = story_cut.mix(narrations, cut, music)
    size = (board.width - board.width % 2, board.height - board.height % 2)
    pictures = [_picture(scene, files) for scene in board.scenes]
    params = {"scenes": len(board.scenes), "titles": [s.title for s in board.scenes], "fps": board.fps,
              "frames": sum(cut.frames), "width": size[0], "height": size[1], "seconds": round(cut.seconds, 3),
              "clips": board.has_clips, "music": board.music_prompt if music is not None else None,
              "storyboard_id": board.id, "file_format": FILE_FORMAT}
    params = {k: v for k, v in params.items() if v is not None}
    script = "\n".join(f"{s.title}: {s.narration}" for s in board.scenes)
    new = NewGeneration(modality="video", kind="storyboard", prompt=board.premise, params={**params, "script": script},
                        seed=board.seed)
    sources = final_sources(board, files)
    root, owner = store.call(lambda lib: (lib.layout.root, lib.lease.token))
    generation_id, described = call_patiently(
        store, lambda lib: lineage_links.start_linked(lib, new, sources, {}), progress)
    suffix, mime = FILE_FORMATS[FILE_FORMAT]
    relative = f"assets/{dt.date.today():%Y/%m/%d}/{generation_id:08d}-story{suffix}"
    details = {"kind": "storyboard", "generation_id": generation_id, "versions": versions(), "script": script}
    tags = VideoTags(board.premise, "", board.seed, params, lineage_metadata.with_lineage(details, described))
    total, poster_frame = sum(cut.frames), []

    def reported(frames):
        for done, frame in enumerate(frames):
            if not poster_frame:
                poster_frame.append(frame)
            if done % 16 == 0:
                progress(Progress(done=done, total=total, unit="frames", message="Putting the final video together"))
            yield frame

    def make():
        clip = partial_file(root, relative, owner)
        try:
            count = encode_video(cancellable(reported(story_cut.frames(pictures, cut, size)), cancel), board.fps,
                                 FILE_FORMAT, tags, clip, sound)
        except BaseException:
            clip.unlink(missing_ok=True)
            raise
        return count, clip, poster_png(poster_frame[0], tags)

    count, clip, poster = run_recorded(store, generation_id, make)
    assets = [AssetMeta(planned_from(root, relative, clip), mime, size[0], size[1], count / board.fps),
              AssetMeta(planned_file(root, poster_name(relative), poster), "image/png", size[0], size[1])]
    seconds = time.perf_counter() - started
    commit_finished(store, FinishedWork(generation_id, stats={"seconds": round(seconds, 3), "frames": count,
                                                              "fps": board.fps}, assets=assets), [clip, poster],
                    progress)
    return VideoOutcome(generation_id, assets[0].file.path, assets[1].file.path, count, board.fps, size[0], size[1],
                        board.seed, seconds)


def _picture(scene, files: dict[int, Path]):
    """(read, is_clip) for the scene's clip when it has one, else its still."""
    from desktop.core.image.image_files import open_image

    clip = scene.item(CLIP)
    if clip is not None and clip in files:
        path = files[clip]
        return (lambda: iter_frames(path)), True
    still = open_image(files[scene.item(IMAGE)]).convert("RGB")
    return (lambda: [still]), False

