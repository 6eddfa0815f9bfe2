"""A video job through the library, like an image job: the clip and its poster are on disk and
in the database before the job returns; a cancel leaves no file and a cancelled row; extending
and joining make new items linked to their sources; a model that cannot fit is refused with
the numbers before it loads."""

import dataclasses

import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from desktop.core.errors import Cancelled, UserFacingError  # noqa: E402
from desktop.core.jobs import EngineOptions, Job, JobKind, JobOrigin, Studio  # noqa: E402
from desktop.core.model_cache import ModelCache  # noqa: E402
from desktop.core.video.video_files import probe, read_metadata  # noqa: E402
from desktop.core.video.video_request import VideoRequest  # noqa: E402
from desktop.pipeline.runners import RUNNERS  # noqa: E402
from desktop.pipeline.store_access import DirectStore  # noqa: E402
from desktop.store.library import Library  # noqa: E402


@pytest.fixture
def library(tmp_path):
    library = Library(tmp_path / "lib")
    yield library
    library.close()


@pytest.fixture(scope="module")
def cache():
    return ModelCache(2**34)


def clip_request(video_models, **kw):
    values = dict(prompt="a red cube turning", negative="blurry", frames=6, fps=8, width=64, height=64, steps=2,
                  guidance=5.0, seed=11, motion_adapter=str(video_models / "motion"))
    values.update(kw)
    return VideoRequest(**values)


def run(job, cache, library, progress=lambda p: None):
    return RUNNERS[JobKind.VIDEO](job, cache, DirectStore(library), progress)


def video_job(model, request):
    return Job(JobKind.VIDEO, request, str(model), JobOrigin(Studio.VIDEO), EngineOptions(n_threads=2, precision="fp32"))


def test_a_clip_and_its_poster_are_committed_with_their_metadata(video_models, library, cache):
    outcome = run(video_job(video_models / "sd", clip_request(video_models)), cache, library)
    row = library.generations.get(outcome.generation_id)
    assert (row.status, row.modality, row.kind, row.seed) == ("done", "video", "txt2vid", 11)
    assert [a["mime"] for a in row.assets] == ["video/mp4", "image/png"]
    assert [library.layout.root / a["path"] for a in row.assets] == [outcome.path, outcome.poster_path]
    facts = probe(outcome.path)
    assert (facts.frames, facts.fps, facts.width, facts.height) == (6, 8.0, 64, 64)
    assert (outcome.frames, outcome.fps, outcome.duration_s) == (6, 8, 0.75)
    found = read_metadata(outcome.path)
    assert found.ai_generated
    assert (found.settings["prompt"], found.settings["seed"], found.settings["frames"]) == ("a red cube turning", 11, 6)
    assert found.settings["model_name"] == "sd" and found.settings["motion_adapter"] == "motion"
    assert found.details["generation_id"] == outcome.generation_id and found.details["precision"] == "fp32"
    assert "Negative prompt: blurry" in found.parameters and "Seed: 11" in found.parameters
    assert Image.open(outcome.poster_path).size == (64, 64)
    assert library.generations.search("cube")[0].id == outcome.generation_id


def test_cancel_leaves_no_file_and_a_cancelled_row(video_models, library, cache):
    job = video_job(video_models / "sd", clip_request(video_models, steps=5))

    def progress(p):
        if p.unit == "steps" and p.done == 2:
            job.cancel.set()

    with pytest.raises(Cancelled):
        run(job, cache, library, progress)
    rows = library.conn.execute("SELECT status FROM generations").fetchall()
    assert [r[0] for r in rows] == ["cancelled"]
    assert [p for p in library.layout.root.rglob("*") if p.is_file() and "assets" in p.parts] == []


def test_cancel_while_encoding_leaves_no_partial_file(video_models, library, cache):
    job = video_job(video_models / "sd", clip_request(video_models))

    def progress(p):
        if p.unit == "frames":  # the encoder starts: stop between two frames
            job.cancel.set()

    with pytest.raises(Cancelled):
        run(job, cache, library, progress)
    assert [r[0] for r in library.conn.execute("SELECT status FROM generations")] == ["cancelled"]
    assert [p for p in library.layout.root.rglob("*") if p.is_file() and "assets" in p.parts] == []


@pytest.mark.parametrize("fmt, mime", [("webm", "video/webm"), ("gif", "image/gif"), ("webp", "image/webp")])
def test_other_formats_through_the_library(video_models, library, cache, fmt, mime):
    outcome = run(video_job(video_models / "sd", clip_request(video_models, file_format=fmt, frames=4, guidance=1.0)),
                  cache, library)
    assert library.generations.get(outcome.generation_id).assets[0]["mime"] == mime
    assert outcome.path.suffix == f".{fmt}" and probe(outcome.path).frames == 4
    found = read_metadata(outcome.path)
    assert found.ai_generated and found.settings["seed"] == 11 and found.settings["fps"] == 8


def test_stable_video_diffusion_animates_an_image(video_models, library, cache):
    still = Image.new("RGB", (64, 64), "blue")
    outcome = run(video_job(video_models / "svd", VideoRequest("", init_image=still, frames=4, width=64, height=64,
                                                               steps=2, guidance=2.0, seed=5)), cache, library)
    row = library.generations.get(outcome.generation_id)
    assert (row.kind, row.params["family"], row.params["motion_bucket_id"]) == ("img2vid", "svd", 127)
    assert probe(outcome.path).frames == 4


def test_extend_from_the_last_frame_and_join(video_models, library, cache):
    from desktop.core.video.video_files import read_frames
    from desktop.pipeline.video_edits import JoinRequest, extend_request

    first = run(video_job(video_models / "sd", clip_request(video_models, frames=4)), cache, library)
    follow = extend_request(first.path, first.generation_id, motion_adapter=str(video_models / "motion"), seed=12)
    assert (follow.prompt, follow.frames, follow.negative, follow.init_image.size) == \
        ("a red cube turning", 4, "blurry", (64, 64))
    second = run(video_job(video_models / "sd", follow), cache, library)
    row = library.generations.get(second.generation_id)
    assert row.kind == "extend"
    assert library.generations.sources(second.generation_id) == [
        {"source_generation_id": first.generation_id, "source_path": str(first.path), "relation": "extend"}]

    join = Job(JobKind.VIDEO, JoinRequest([str(first.path), str(second.path)], "mp4",
                                          [first.generation_id, second.generation_id]), "", JobOrigin(Studio.VIDEO))
    joined = run(join, cache, library)
    assert probe(joined.path).frames == 8 and joined.frames == 8
    assert [s["relation"] for s in library.generations.sources(joined.generation_id)] == ["join", "join"]
    assert library.generations.get(joined.generation_id).status == "done"
    # The joined clip is the two clips' frames in order (re-encoded: close, not identical).
    import numpy as np
    originals = read_frames(first.path) + read_frames(second.path)
    again = read_frames(joined.path)
    assert max(np.abs(np.asarray(a, float) - np.asarray(b, float)).mean() for a, b in zip(originals, again)) < 8


def test_join_refuses_clips_of_different_sizes_or_rates(tmp_path):
    from desktop.core.video.video_files import save_atomically
    from desktop.core.video.video_metadata import VideoTags
    from desktop.pipeline.video_edits import JoinRequest

    tags = VideoTags("x", "m", 1)
    frames = [Image.new("RGB", (64, 64))] * 3
    a = save_atomically(frames, 8, "mp4", tags, tmp_path / "a.mp4")
    b = save_atomically([Image.new("RGB", (80, 64))] * 3, 8, "mp4", tags, tmp_path / "b.mp4")
    c = save_atomically(frames, 12, "mp4", tags, tmp_path / "c.mp4")
    with pytest.raises(UserFacingError, match="same size"):
        JoinRequest([str(a), str(b)]).validate()
    with pytest.raises(UserFacingError, match="same frame rate"):
        JoinRequest([str(a), str(c)]).validate()
    with pytest.raises(UserFacingError, match="at least two"):
        JoinRequest([str(a)]).validate()


def test_a_model_that_cannot_fit_is_refused_with_the_numbers_before_loading(video_models, library, monkeypatch):
    from desktop.core.models.fit import Machine, ModelTooBigError
    from desktop.pipeline import load_guard

    small = Machine(total_ram_bytes=2 * 1024**3, available_ram_bytes=300 * 1024**2, budget_bytes=1024**3)
    monkeypatch.setattr(load_guard, "current_machine", lambda: small)
    cache = ModelCache(2**34)
    job = video_job(video_models / "sd", clip_request(video_models, frames=16, width=512, height=512))
    with pytest.raises(ModelTooBigError, match=r"sd was not loaded: it needs about .* GB .* 16 frames at 512×512"):
        run(job, cache, library)
    assert cache.keys() == []
    assert library.conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0] == 0


def test_the_memory_estimate_grows_with_frames_and_shrinks_with_the_memory_options():
    from desktop.pipeline import video_memory

    small, long = VideoRequest("x", frames=8, width=256, height=256), VideoRequest("x", frames=16, width=512, height=512)
    def work(request, *args):
        return video_memory.working_bytes(request, *args) - video_memory.BASE_BYTES

    assert work(long, 4, True, "cpu") > 4 * work(small, 4, True, "cpu")
    assert video_memory.working_bytes(long, 4, False, "cpu") > video_memory.working_bytes(long, 4, True, "cpu")
    from desktop.core.models import fit

    roomy = dataclasses.replace(fit.this_machine(), available_ram_bytes=10**15, budget_bytes=10**15)
    lightning = dataclasses.replace(long, guidance=1.0)  # as bench/video_memory.py measures it
    fp32, bf16 = (video_memory.estimate(1_500_000_000, lightning, p, "cpu", roomy, load_copy=860_000_000).ram_bytes
                  for p in ("fp32", "bf16"))
    # measured (bench/video_memory.py): fp32 peak 7.88 GiB (8.46 GB), bf16 4.90 GiB (5.26 GB); the
    # estimate is never below, and bf16 fits 8 GB
    assert 8.46e9 < fp32 < 10e9 and 5.26e9 < bf16 < 8e9


@pytest.mark.parametrize("model, adapter, message", [
    ("sd", "", "also needs a motion adapter"),
    ("motion", "", "is a motion adapter: give a Stable Diffusion 1.5 model"),
    ("nothing", "", "not a video model folder"),
])
def test_wrong_model_choices_get_clear_messages(video_models, library, cache, model, adapter, message):
    job = video_job(video_models / model, clip_request(video_models, motion_adapter=adapter))
    with pytest.raises(UserFacingError, match=message):
        run(job, cache, library)
    assert library.conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0] == 0


def test_ltx_video_is_recognised_and_refused_with_its_estimate_where_it_cannot_fit(tmp_path, library, monkeypatch):
    """The transformer family runs through the same job (its tiny version is too slow on a CPU
    for this suite: bench-free proof is that it is picked, validated and judged before loading)."""
    from desktop.core.models.fit import Machine, ModelTooBigError
    from desktop.pipeline import load_guard
    from desktop.pipeline.video_job import family_of
    from tiny_video_models import write_tiny_ltx

    folder = write_tiny_ltx(tmp_path / "ltx")
    assert family_of(folder) == "ltx"
    small = Machine(total_ram_bytes=1024**3, available_ram_bytes=100 * 1024**2, budget_bytes=512 * 1024**2)
    monkeypatch.setattr(load_guard, "current_machine", lambda: small)
    cache = ModelCache(2**34)
    with pytest.raises(UserFacingError, match="8k\\+1"):
        run(video_job(folder, VideoRequest("a cat", frames=16, width=512, height=320)), cache, library)
    with pytest.raises(ModelTooBigError, match="ltx was not loaded: it needs about .* GB"):
        run(video_job(folder, VideoRequest("a cat", frames=97, width=704, height=480)), cache, library)
    assert cache.keys() == [] and library.conn.execute("SELECT COUNT(*) FROM generations").fetchone()[0] == 0


@pytest.mark.parametrize("setting, expected", [("auto", "bf16"), ("fp32", "fp32")])
def test_auto_precision_on_a_cpu_without_bf16_takes_bf16_when_fp32_would_not_fit(video_models, library, monkeypatch,
                                                                                 setting, expected):
    """An 8 GB machine and AnimateDiff's real size (1.52 B parameters, counted as if the tiny model
    had them): fp32 needs about 8.9 GB, bf16 about 5.8. "auto" runs the clip in bf16 and says so;
    a person's explicit fp32 is kept — and refused, with the numbers and the advice."""
    from desktop.core import hardware
    from desktop.core.models.fit import Machine, ModelTooBigError
    from desktop.pipeline import load_guard, video_memory

    monkeypatch.setattr(hardware, "cpu_has_native_bf16", lambda cpuinfo=None: False)
    monkeypatch.setattr(load_guard, "current_machine", lambda: Machine(8 * 10**9, 7_500_000_000, 6 * 10**9))
    monkeypatch.setattr(video_memory, "clip_weights", lambda *a: (1_520_000_000, 860_000_000))
    job = Job(JobKind.VIDEO, clip_request(video_models, frames=2, guidance=1.0), str(video_models / "sd"),
              JobOrigin(Studio.VIDEO), EngineOptions(n_threads=2, precision=setting))
    if expected == "fp32":
        with pytest.raises(ModelTooBigError, match="choose bf16 in Settings"):
            run(job, ModelCache(2**34), library)
        return
    outcome = run(job, ModelCache(2**34), library)
    assert outcome.precision == "bf16"
    assert "Made in bf16: in fp32 this clip would not fit in memory." in outcome.notes


def test_animating_an_image_with_no_step_left_is_refused_with_what_to_change():
    """diffusers runs int(steps × strength) steps from the image; none crashed inside diffusers."""
    request = VideoRequest(prompt="waves", init_image=Image.new("RGB", (64, 64)), steps=1, strength=0.8,
                           width=64, height=64, frames=8)
    with pytest.raises(UserFacingError, match="1 step.* at strength 0.8 leave no step to animate"):
        request.validate("animatediff")
    dataclasses.replace(request, steps=2).validate("animatediff")
