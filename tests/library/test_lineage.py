"""Lineage recorded by every job through the real pipeline on tiny models: each request's
sources become rows in the transaction that starts the generation (a file matched to its
library item by path — through a symlink, a relative path, the trash — or by its bytes), the
reverse links ("used in") are read back for the Library, and the files themselves carry the
sources (ids, relations, content hashes) and the typed prompt."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from desktop.core import lineage  # noqa: E402
from desktop.core.audio.audio_files import read_tags  # noqa: E402
from desktop.core.audio.audio_request import MusicRequest, SpeechRequest  # noqa: E402
from desktop.core.image.image_metadata import read_lineage  # noqa: E402
from desktop.core.image.image_request import ImageRequest  # noqa: E402
from desktop.core.image.upscale_engine import UpscaleRequest  # noqa: E402
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio  # noqa: E402
from desktop.core.lineage import Source  # noqa: E402
from desktop.core.model_cache import ModelCache  # noqa: E402
from desktop.core.video.video_files import read_metadata  # noqa: E402
from desktop.core.video.video_request import VideoRequest  # noqa: E402
from desktop.pipeline import lineage_links  # noqa: E402
from desktop.pipeline.runners import RUNNERS  # noqa: E402
from desktop.pipeline.store_access import DirectStore  # noqa: E402
from desktop.pipeline.video_edits import JoinRequest, extend_request  # noqa: E402
from desktop.store import trash  # noqa: E402
from desktop.store.generations import NewGeneration  # noqa: E402
from desktop.store.library import Library  # noqa: E402
from tiny_models import write_tiny_esrgan, write_tiny_sd  # noqa: E402

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))
from tiny_video_models import write_tiny_motion_adapter  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lineage-models")
    write_tiny_sd(folder / "sd")
    write_tiny_motion_adapter(folder / "motion")
    write_tiny_esrgan(folder / "x4.safetensors")
    return folder


@pytest.fixture(scope="module")
def cache():
    cache = ModelCache(2**34)
    yield cache
    cache.clear()


@pytest.fixture
def library(tmp_path):
    library = Library(tmp_path / "lib")
    yield library
    library.close()


def run(kind, request, model, cache, library):
    job = Job(kind, request, str(model), JobOrigin(Studio.IMAGE), EngineOptions(n_threads=2, precision="fp32"))
    return RUNNERS[kind](job, cache, DirectStore(library), lambda p: None)


def image(models, cache, library, **kw):
    values = dict(prompt="a lighthouse at dusk", steps=2, width=64, height=64, seed=3, guidance=2.0)
    values.update(kw)
    return run(JobKind.IMAGE, ImageRequest(**values), models / "sd", cache, library).items[0]


def clip(models, cache, library, **kw):
    values = dict(prompt="waves rolling", frames=4, fps=8, width=64, height=64, steps=2, guidance=3.0, seed=7,
                  motion_adapter=str(models / "motion"))
    values.update(kw)
    return run(JobKind.VIDEO, VideoRequest(**values), models / "sd", cache, library)


def a_reply(library, text="A lighthouse keeper writes to the sea.") -> int:
    """A finished chat reply (no file): the source a hand-off makes pictures and speech from."""
    generation_id = library.generations.start(NewGeneration("text", "chat", "Write a story", {}))
    library.generations.finish(generation_id, output_text=text)
    return generation_id


def links(library, generation_id):
    return [(s["relation"], s["source_generation_id"]) for s in library.generations.sources(generation_id)]


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_an_image_made_from_a_reply_and_an_image_prompt_links_both_and_its_file_says_so(models, cache, library):
    reply = a_reply(library)
    first = image(models, cache, library)
    prompt_image = Image.open(first.path).convert("RGB")
    second = image(models, cache, library, prompt="a lighthouse at dusk, oil painting, warm light",
                   typed_prompt="a lighthouse", init_image=prompt_image, strength=0.5,
                   sources=(Source(lineage.PROMPT_FROM, reply), Source(lineage.IMAGE_PROMPT, path=str(first.path))))
    assert links(library, second.generation_id) == [("prompt from", reply), ("image prompt", first.generation_id)]
    row = library.generations.get(second.generation_id)
    assert row.params["typed_prompt"] == "a lighthouse" and row.kind == "img2img"

    sources, typed = read_lineage(second.path)  # read back from the PNG itself
    assert typed == "a lighthouse"
    assert sources == [
        {"relation": "prompt from", "generation_id": reply, "sha256": None, "file": ""},
        {"relation": "image prompt", "generation_id": first.generation_id, "sha256": sha256(first.path),
         "file": first.path.name}]
    # An image made from nothing says nothing about sources.
    assert read_lineage(first.path) == ([], "")
    assert "typed_prompt" not in library.generations.get(first.generation_id).params


def test_every_image_of_a_batch_is_linked_and_jpeg_carries_it_in_xmp(models, cache, library):
    reply = a_reply(library)
    request = ImageRequest("a red boat", steps=2, width=64, height=64, seed=1, batch=2, file_format="JPEG",
                           typed_prompt="boat", sources=(Source(lineage.PROMPT_FROM, reply),))
    outcome = run(JobKind.IMAGE, request, models / "sd", cache, library)
    assert [links(library, item.generation_id) for item in outcome.items] == [[("prompt from", reply)]] * 2
    assert all(read_lineage(item.path) == ([{"relation": "prompt from", "generation_id": reply, "sha256": None,
                                              "file": ""}], "boat") for item in outcome.items)


def test_a_file_is_matched_to_its_item_through_symlinks_relative_paths_the_trash_and_copies(
        models, cache, library, tmp_path):
    made = image(models, cache, library)
    root = library.layout.root
    relative = os.path.relpath(made.path, root)
    link = tmp_path / "elsewhere.png"
    link.symlink_to(made.path)
    copy = tmp_path / "copy.png"
    copy.write_bytes(made.path.read_bytes())
    outside = tmp_path / "photo.png"
    Image.new("RGB", (8, 8), "green").save(outside)

    def match(path):
        return lineage_links.item_of_file(library, path)

    assert match(made.path) == match(relative) == match(link) == made.generation_id
    assert match(root / "assets" / ".." / relative) == made.generation_id
    assert match(copy) is None and match(outside) is None  # not library files: their bytes decide below

    sources = (Source(lineage.IMAGE_PROMPT, path=str(link)), Source(lineage.UPSCALE, path=str(copy)),
               Source(lineage.FRAME, path=str(outside)), Source(lineage.IMAGE_PROMPT, 999_999, str(outside)))
    hashes = lineage_links.file_hashes(sources, root)
    assert set(hashes) == {str(copy), str(outside)}  # a library file's hash is in the library already
    resolved = lineage_links.resolve(library, sources, hashes)
    assert [(r.relation, r.generation_id, r.sha256) for r in resolved] == [
        ("image prompt", made.generation_id, sha256(made.path)),
        ("upscale", made.generation_id, sha256(made.path)),       # a copy of an asset is that asset's item
        ("frame", None, sha256(outside)),                         # a file outside stays a file, with its hash
        ("image prompt", None, sha256(outside))]                  # a stale id is not linked: the file is
    assert resolved[2].path == str(outside)

    # In the trash, its file moved: the path there still names the item.
    trash.move_to_trash(library, [made.generation_id])
    assert match(trash.trash_path(root, relative)) == made.generation_id


def test_a_repeated_source_is_linked_once_and_an_upscale_keeps_its_row(models, cache, library):
    made = image(models, cache, library)
    request = UpscaleRequest(str(made.path), factor=4, tile=32, source_generation_id=None,
                             sources=(Source(lineage.UPSCALE, made.generation_id),))
    outcome = run(JobKind.UPSCALE, request, models / "x4.safetensors", cache, library)
    upscaled = outcome.items[0]
    assert library.generations.sources(upscaled.generation_id) == [
        {"source_generation_id": made.generation_id, "source_path": str(made.path), "relation": "upscale"}]
    sources, _typed = read_lineage(upscaled.path)
    assert sources == [{"relation": "upscale", "generation_id": made.generation_id, "sha256": sha256(made.path),
                        "file": made.path.name}]


def test_clips_extended_and_joined_link_their_sources_and_carry_them_in_the_mp4(models, cache, library):
    still = image(models, cache, library)
    animated = clip(models, cache, library, prompt="waves rolling under a lighthouse, cinematic",
                    typed_prompt="waves", init_image=Image.open(still.path).convert("RGB"), strength=0.8,
                    sources=(Source(lineage.ANIMATE, still.generation_id, str(still.path)),))
    assert links(library, animated.generation_id) == [("animate", still.generation_id)]
    assert library.generations.get(animated.generation_id).params["typed_prompt"] == "waves"
    found = read_metadata(animated.path)  # read back from the MP4 itself
    assert found.typed_prompt == "waves" and found.settings["prompt"].startswith("waves rolling under")
    assert found.sources == [{"relation": "animate", "generation_id": still.generation_id,
                              "sha256": sha256(still.path), "file": still.path.name}]
    assert read_lineage(animated.poster_path) == (found.sources, "waves")  # the poster PNG too

    # Extending names its clip once, though a hand-off also lists it among the sources.
    follow = extend_request(animated.path, animated.generation_id, motion_adapter=str(models / "motion"), seed=2,
                            sources=(Source(lineage.EXTEND, animated.generation_id),))
    extended = run(JobKind.VIDEO, follow, models / "sd", cache, library)
    assert library.generations.sources(extended.generation_id) == [
        {"source_generation_id": animated.generation_id, "source_path": str(animated.path), "relation": "extend"}]

    joined = run(JobKind.VIDEO, JoinRequest([str(animated.path), str(extended.path)], "mp4"), "", cache, library)
    # No ids given: each clip's path names its item.
    assert links(library, joined.generation_id) == [("join", animated.generation_id),
                                                    ("join", extended.generation_id)]
    assert [s["sha256"] for s in read_metadata(joined.path).sources] == [sha256(animated.path), sha256(extended.path)]

    # Reverse links: what the still and the first clip were used in.
    still_graph = library.items.details(still.generation_id).lineage
    assert [(u.relation, u.generation_id, u.modality) for u in still_graph.used_in] == [
        ("animate", animated.generation_id, "video")]
    clip_graph = library.items.details(animated.generation_id).lineage
    assert [(u.relation, u.generation_id) for u in clip_graph.used_in] == [
        ("extend", extended.generation_id), ("join", joined.generation_id)]
    assert [(m.relation, m.generation_id, m.modality) for m in clip_graph.made_from] == [
        ("animate", still.generation_id, "image")]


def test_speech_and_music_link_their_sources_and_carry_them_in_their_tags(cache, library, tiny_vits, tiny_musicgen):
    reply = a_reply(library, "the sea is calm")
    speech = run(JobKind.AUDIO, SpeechRequest("the sea is calm", seed=1, sources=(Source(lineage.READ_ALOUD, reply),)),
                 tiny_vits, cache, library)
    assert links(library, speech.generation_id) == [("read aloud", reply)]
    assert read_tags(speech.path)["sources"] == [{"relation": "read aloud", "generation_id": reply, "sha256": None,
                                                 "file": ""}]
    music = run(JobKind.AUDIO, MusicRequest("calm piano rain soft", duration_s=0.5, seed=2, file_format="flac",
                                            typed_prompt="calm", sources=(Source(lineage.PROMPT_FROM, reply),)),
                tiny_musicgen, cache, library)
    assert links(library, music.generation_id) == [("prompt from", reply)]
    tags = read_tags(music.path)
    assert tags["typed_prompt"] == "calm" and tags["sources"][0]["generation_id"] == reply
    assert library.generations.get(music.generation_id).params["typed_prompt"] == "calm"
    # The reply was used in both; unfinished uses are not listed.
    failed = library.generations.start(NewGeneration("audio", "speech", "x", {}))
    library.generations.link_source(failed, "read aloud", reply)
    library.generations.fail(failed, "no voice")
    used = library.items.details(reply).lineage.used_in
    assert [(u.relation, u.generation_id) for u in used] == [("read aloud", speech.generation_id),
                                                             ("prompt from", music.generation_id)]


def test_links_start_with_the_row_in_one_transaction(library):
    """A link that cannot be written leaves no running row behind either."""
    reply = a_reply(library)
    new = NewGeneration("image", "txt2img", "a cat", {})
    before = library.conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0]

    class Broken:
        def __init__(self, lib):
            self.lib, self.conn, self.layout = lib, lib.conn, lib.layout
            self.generations = self

        def start(self, new):
            return self.lib.generations.start(new)

        def link_source(self, *args):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        lineage_links.start_linked(Broken(library), new, (Source(lineage.PROMPT_FROM, reply),))
    assert library.conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0] == before
    generation_id, described = lineage_links.start_linked(library, new, (Source(lineage.PROMPT_FROM, reply),))
    assert links(library, generation_id) == [("prompt from", reply)] and described[0]["generation_id"] == reply
