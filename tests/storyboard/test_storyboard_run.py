"""The storyboard's run on tiny models and the built-in voice: every piece an ordinary library
item in the storyboard's collection, the final MP4 as long as the narration with sound and
linked to every piece; a stop keeps what was done; one piece made again."""

import sqlite3
import threading

import pytest

from tests.storyboard.story_boards import tiny_board
from desktop.core.errors import Cancelled
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio
from desktop.core.model_cache import ModelCache
from desktop.core.video import soundtrack
from desktop.core.video.video_files import probe
from desktop.pipeline import storyboard_saving
from desktop.pipeline.runners import RUNNERS
from desktop.pipeline.store_access import DirectStore
from desktop.pipeline.storyboard import CLIP, IMAGE, NARRATION
from desktop.pipeline.storyboard_run import FINAL, StoryboardRequest
from desktop.store.library import Library


@pytest.fixture
def library(data_dir):
    lib = Library(data_dir)
    yield lib
    lib.close()


def run(library, request, progress=None, cancel=None):
    job = Job(JobKind.STORYBOARD, request, "", JobOrigin(Studio.STORY), EngineOptions(n_threads=2, precision="fp32"),
              cancel=cancel or threading.Event())
    return RUNNERS[JobKind.STORYBOARD](job, ModelCache(8 * 2**30), DirectStore(library), progress or (lambda p: None))


def query(library, sql, *args):
    conn = sqlite3.connect(library.layout.database)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def audio_streams(path) -> int:
    import av

    with av.open(str(path)) as container:
        return len(container.streams.audio)


def test_a_storyboard_makes_every_piece_and_a_narrated_video_linked_to_them(library, story_models, builtin_voice,
                                                                           tiny_musicgen):
    board = tiny_board(story_models, builtin_voice, scenes=2, clips=True, music=tiny_musicgen)
    seen = []
    outcome = run(library, StoryboardRequest(board), seen.append)

    saved = outcome.board
    made = {(p.scene, p.piece) for p in outcome.made}
    assert made == {(0, IMAGE), (1, IMAGE), (0, NARRATION), (1, NARRATION), (0, CLIP), (1, CLIP), (None, "music"),
                    (None, FINAL)}
    assert all(p.path.is_file() for p in outcome.made)
    # Each piece is an ordinary finished item of its modality, in the storyboard's collection.
    kinds = dict(query(library, "SELECT id, modality || '/' || kind FROM generations WHERE status='done'"))
    for scene in saved.scenes:
        assert kinds[scene.items[IMAGE]] == "image/txt2img"
        assert kinds[scene.items[CLIP]] == "video/img2vid"
        assert kinds[scene.items[NARRATION]] == "audio/speech"
    assert kinds[saved.music_id] == "audio/music" and kinds[saved.final_id] == "video/storyboard"
    in_collection = {r[0] for r in query(library, "SELECT generation_id FROM collection_items WHERE collection_id=?",
                                         saved.collection_id)}
    assert in_collection == set(saved.item_ids()) and len(in_collection) == 8
    assert query(library, "SELECT name FROM collections")[0][0] == "Story: A fox who learns to fly"
    # The final video is linked to every piece; each clip to the image it animates.
    links = set(query(library, "SELECT relation, source_generation_id FROM generation_sources WHERE generation_id=?",
                      saved.final_id))
    pictures = {("scene", s.items[IMAGE]) for s in saved.scenes} | {("scene", s.items[CLIP]) for s in saved.scenes}
    sounds = {("soundtrack", s.items[NARRATION]) for s in saved.scenes} | {("soundtrack", saved.music_id)}
    assert links == pictures | sounds
    for scene in saved.scenes:
        assert query(library, "SELECT relation, source_generation_id FROM generation_sources WHERE generation_id=?",
                     scene.items[CLIP]) == [("animate", scene.items[IMAGE])]
    # As long as the narration (plus a short pause per scene), with a sound track.
    files = storyboard_saving.piece_files(DirectStore(library), saved)
    spoken = sum(soundtrack.read_sound(files[s.items[NARRATION]]).seconds for s in saved.scenes)
    facts = probe(outcome.path)
    assert outcome.path.suffix == ".mp4" and audio_streams(outcome.path) == 1
    assert spoken + 2 * 0.6 - 0.2 <= facts.frames / facts.fps <= spoken + 2 * 0.6 + 0.2
    assert (facts.width, facts.height) == (64, 64)
    # Progress said which scene and piece, and how many were done.
    assert any(p.message.startswith("Scene 2 of 2 · image") for p in seen)
    assert [p.done for p in seen if p.pieces] == list(range(1, 9)) and all(p.total == 8 for p in seen if p.pieces)
    # Saved: reopened, it is the same storyboard with nothing missing.
    again = storyboard_saving.load(DirectStore(library), saved.id)
    assert again.missing() == [] and again.final_id == saved.final_id and again.scenes == saved.scenes


def test_a_stop_keeps_the_finished_pieces_and_says_what_is_missing(library, story_models, builtin_voice):
    board = tiny_board(story_models, builtin_voice, scenes=3)
    cancel = threading.Event()

    def stop_after_two_images(progress):
        if sum(1 for p in getattr(stop_after_two_images, "made", []) if p.piece == IMAGE) >= 2:
            cancel.set()
        stop_after_two_images.made = [*getattr(stop_after_two_images, "made", []), *progress.pieces]

    with pytest.raises(Cancelled) as stopped:
        run(library, StoryboardRequest(board), stop_after_two_images, cancel)
    kept = stopped.value.kept
    assert [(p.scene, p.piece) for p in kept.made] == [(0, IMAGE), (1, IMAGE)]
    assert kept.missing == ["scene 1 narration", "scene 2 narration", "scene 3 image", "scene 3 narration", FINAL]
    assert all(p.path.is_file() for p in kept.made)
    assert query(library, "SELECT status, COUNT(*) FROM generations GROUP BY status") == [("cancelled", 1), ("done", 2)]
    # The storyboard was saved with them: the next run makes only what is missing.
    reopened = storyboard_saving.load(DirectStore(library), kept.board.id)
    assert reopened.missing() == ["scene 1 narration", "scene 2 narration", "scene 3 image", "scene 3 narration"]
    outcome = run(library, StoryboardRequest(reopened))
    assert [(p.scene, p.piece) for p in outcome.made] == [(2, IMAGE), (0, NARRATION), (1, NARRATION), (2, NARRATION),
                                                          (None, FINAL)]
    assert outcome.board.scenes[0].items[IMAGE] == kept.made[0].generation_id


def test_one_piece_made_again_with_new_text_and_the_final_video_with_it(library, story_models, builtin_voice):
    first = run(library, StoryboardRequest(tiny_board(story_models, builtin_voice, scenes=2))).board
    board = storyboard_saving.load(DirectStore(library), first.id)
    board.edit_scene(1, narration="Then she flew over the whole valley, laughing.")
    assert board.missing() == ["scene 2 narration"]
    outcome = run(library, StoryboardRequest(board))
    assert [(p.scene, p.piece) for p in outcome.made] == [(1, NARRATION), (None, FINAL)]
    new = outcome.board
    assert new.scenes[0].items == first.scenes[0].items and new.scenes[1].items[IMAGE] == first.scenes[1].items[IMAGE]
    assert new.scenes[1].items[NARRATION] != first.scenes[1].items[NARRATION]
    spoken = query(library, "SELECT prompt FROM generations WHERE id=?", new.scenes[1].items[NARRATION])[0][0]
    assert spoken == "Then she flew over the whole valley, laughing."
    # Regenerate an image as it is: the next seed, a new item; the old one leaves the collection, not the library.
    again = run(library, StoryboardRequest(new, regenerate=(0, IMAGE)))
    assert [(p.scene, p.piece) for p in again.made] == [(0, IMAGE), (None, FINAL)]
    old_image, new_image = new.scenes[0].items[IMAGE], again.board.scenes[0].items[IMAGE]
    assert query(library, "SELECT seed FROM generations WHERE id=?", new_image)[0][0] == \
        query(library, "SELECT seed FROM generations WHERE id=?", old_image)[0][0] + 1
    members = {r[0] for r in query(library, "SELECT generation_id FROM collection_items WHERE collection_id=?",
                                   again.board.collection_id)}
    assert members == set(again.board.item_ids()) and old_image not in members and first.final_id not in members
    assert query(library, "SELECT status FROM generations WHERE id=?", old_image) == [("done",)]
