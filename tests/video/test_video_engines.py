"""The video engines on tiny random-weight models built in the tests (no downloads): AnimateDiff
(tiny SD + tiny MotionAdapter, a folder or a single file) and Stable Video Diffusion. The frames
are noise; shapes, seeds, schedulers, progress, previews, cancel and the memory options are real."""

import threading

import numpy as np
import pytest

pytest.importorskip("diffusers")
from PIL import Image  # noqa: E402

from desktop.core.errors import Cancelled, ModelFileError, UserFacingError  # noqa: E402
from desktop.core.video.video_request import VideoRequest  # noqa: E402


def request(**kw):
    values = dict(prompt="a red cube turning", frames=8, fps=8, width=64, height=64, steps=2, guidance=5.0)
    values.update(kw)
    return VideoRequest(**values)


@pytest.fixture(scope="module")
def animatediff(video_models):
    from desktop.core.video.animatediff_engine import AnimateDiffEngine

    return AnimateDiffEngine(video_models / "sd", video_models / "motion", n_threads=2, precision="fp32")


def frames_equal(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))


def test_animatediff_same_seed_gives_the_plain_pipelines_frames(video_models, cpu_precision):
    import torch
    from diffusers import AnimateDiffPipeline, MotionAdapter

    from desktop.core.video.animatediff_engine import AnimateDiffEngine

    engine = AnimateDiffEngine(video_models / "sd", video_models / "motion", n_threads=2)
    assert engine.precision == cpu_precision
    made = engine.generate(request(negative="blurry"), lambda p: None, threading.Event(), seed=42)
    assert len(made.frames) == 8 and {f.size for f in made.frames} == {(64, 64)}
    plain = AnimateDiffPipeline.from_pretrained(video_models / "sd", dtype=engine.dtype,
                                                motion_adapter=MotionAdapter.from_pretrained(video_models / "motion",
                                                                                             dtype=engine.dtype))
    plain.set_progress_bar_config(disable=True)

    def plain_frames():
        return plain("a red cube turning", negative_prompt="blurry", num_frames=8, width=64, height=64,
                     num_inference_steps=2, guidance_scale=5.0, decode_chunk_size=engine.decode_chunk_size,
                     generator=torch.Generator("cpu").manual_seed(42)).frames[0]

    unchunked = plain_frames()
    plain.unet.enable_forward_chunking(chunk_size=1, dim=1)  # the engine's memory option on a CPU
    assert frames_equal(made.frames, plain_frames())
    # chunking the feed-forward layers changes only rounding (a few levels here and there in bf16)
    assert np.mean([np.abs(np.asarray(a, dtype=int) - np.asarray(b, dtype=int)).mean()
                    for a, b in zip(made.frames, unchunked)]) < 1.0
    # The second clip with the same prompt reuses the text encoder's output, and is the same.
    calls = []
    encode = engine.pipe.text_encoder.forward
    engine.pipe.text_encoder.forward = lambda *a, **k: calls.append(1) or encode(*a, **k)
    again = engine.generate(request(negative="blurry"), lambda p: None, threading.Event(), seed=42)
    assert calls == [] and frames_equal(made.frames, again.frames)


def test_svd_same_seed_gives_the_plain_pipelines_frames(video_models, cpu_precision):
    import torch
    from diffusers import StableVideoDiffusionPipeline

    from desktop.core.video.svd_engine import StableVideoEngine

    engine = StableVideoEngine(video_models / "svd", n_threads=2)
    assert engine.precision == cpu_precision
    still = Image.effect_noise((96, 80), 40).convert("RGB")
    updates = []
    made = engine.generate(request(prompt="", frames=6, init_image=still, guidance=2.5), updates.append,
                           threading.Event(), seed=7)
    assert len(made.frames) == 6 and {f.size for f in made.frames} == {(64, 64)}
    assert [u.done for u in updates] == [1, 2] and all(u.preview.mode == "RGB" for u in updates)
    plain = StableVideoDiffusionPipeline.from_pretrained(video_models / "svd", dtype=engine.dtype)
    plain.set_progress_bar_config(disable=True)
    plain.unet.enable_forward_chunking(chunk_size=1, dim=1)  # the engine's memory option on a CPU
    expected = plain(still.resize((64, 64)), width=64, height=64, num_frames=6, num_inference_steps=2,
                     min_guidance_scale=1.0, max_guidance_scale=2.5, fps=8, motion_bucket_id=127,
                     noise_aug_strength=0.02, decode_chunk_size=engine.decode_chunk_size,
                     generator=torch.Generator("cpu").manual_seed(7)).frames[0]
    assert frames_equal(made.frames, expected)


def test_progress_and_a_preview_strip_at_every_step(animatediff):
    updates = []
    animatediff.generate(request(steps=3), updates.append, threading.Event(), seed=1)
    assert [u.done for u in updates] == [1, 2, 3] and all(u.total == 3 for u in updates)
    # Four of the eight frames, side by side (each latent is 32² here: the tiny VAE halves).
    assert all(u.preview is not None and u.preview.size == (4 * 128, 128) for u in updates)
    assert updates[-1].eta_s == 0


def test_cancel_lands_within_one_step(animatediff):
    cancel, seen = threading.Event(), []

    def progress(p):
        seen.append(p.done)
        if p.done == 2:
            cancel.set()

    with pytest.raises(Cancelled):
        animatediff.generate(request(steps=6), progress, cancel, seed=1)
    assert seen == [1, 2]


def test_an_image_prompt_animates_the_image_with_the_loaded_components(animatediff):
    updates = []
    made = animatediff.generate(request(init_image=Image.new("RGB", (80, 80), "red"), strength=0.5, steps=6),
                                updates.append, threading.Event(), seed=9)
    assert len(made.frames) == 8 and made.frames[0].size == (64, 64)
    assert len(updates) == 3  # strength 0.5 of 6 steps
    assert animatediff.video_to_video().unet is animatediff.pipe.unet


def test_a_single_file_lightning_adapter_gets_its_scheduler(video_models):
    from desktop.core.video.animatediff_engine import AnimateDiffEngine

    engine = AnimateDiffEngine(video_models / "sd", video_models / "animatediff_lightning_2step_diffusers.safetensors",
                               n_threads=2, precision="fp32")
    assert engine.lightning
    scheduler = engine.scheduler_for("")
    assert type(scheduler).__name__ == "EulerDiscreteScheduler"
    assert (scheduler.config.timestep_spacing, scheduler.config.beta_schedule) == ("trailing", "linear")
    made = engine.generate(request(guidance=1.0), lambda p: None, threading.Event(), seed=3)
    assert len(made.frames) == 8 and made.notes == []
    noted = engine.generate(request(guidance=5.0, frames=4), lambda p: None, threading.Event(), seed=3)
    assert "distilled for guidance 1.0" in noted.notes[0]
    assert type(engine.scheduler_for("DDIM")).__name__ == "DDIMScheduler"
    with pytest.raises(UserFacingError, match="Unknown scheduler"):
        engine.scheduler_for("Magic")


def test_memory_options_decode_a_frame_at_a_time_and_chunk_the_feed_forward(video_models):
    from desktop.core.video.animatediff_engine import AnimateDiffEngine
    from desktop.core.video.video_engine import CPU_DECODE_CHUNK

    saving = AnimateDiffEngine(video_models / "sd", video_models / "motion", n_threads=2, precision="fp32")
    plain = AnimateDiffEngine(video_models / "sd", video_models / "motion", n_threads=2, precision="fp32",
                              memory_saving=False)
    assert saving.decode_chunk_size == CPU_DECODE_CHUNK and plain.decode_chunk_size is None
    batches = []
    decode = saving.pipe.vae.decode
    saving.pipe.vae.decode = lambda z, *a, **k: batches.append(z.shape[0]) or decode(z, *a, **k)
    saving.generate(request(frames=6), lambda p: None, threading.Event(), seed=2)
    assert batches == [CPU_DECODE_CHUNK] * (6 // CPU_DECODE_CHUNK)
    # and the UNet's feed-forward layers run in chunks (a token at a time) only with the options
    chunks = [{getattr(m, "_chunk_size", None) for m in e.pipe.unet.modules() if hasattr(m, "_chunk_size")}
              for e in (saving, plain)]
    assert chunks == [{1}, {None}]


def test_pickles_and_wrong_models_are_refused(tmp_path, video_models):
    from desktop.core.video.animatediff_engine import AnimateDiffEngine
    from desktop.core.video.svd_engine import StableVideoEngine

    pickle = tmp_path / "mm_sd_v15_v2.ckpt"
    pickle.write_bytes(b"\x80\x04pickle")
    with pytest.raises(ModelFileError, match="pickle-based motion adapter .* never does"):
        AnimateDiffEngine(video_models / "sd", pickle, n_threads=2, precision="fp32")
    folder = tmp_path / "bin-only-adapter"
    folder.mkdir()
    (folder / "config.json").write_text((video_models / "motion" / "config.json").read_text())
    (folder / "diffusion_pytorch_model.bin").write_bytes(b"\x80\x04pickle")
    with pytest.raises(ModelFileError, match="only has pickle-based weights"):
        AnimateDiffEngine(video_models / "sd", folder, n_threads=2, precision="fp32")
    not_motion = tmp_path / "lora.safetensors"
    from safetensors.torch import save_file
    import torch
    save_file({"lora_unet_down.weight": torch.zeros(2, 2)}, str(not_motion))
    with pytest.raises(ModelFileError, match="holds no motion modules"):
        AnimateDiffEngine(video_models / "sd", not_motion, n_threads=2, precision="fp32")
    with pytest.raises(ModelFileError, match="not a Stable Video Diffusion"):
        StableVideoEngine(video_models / "sd", n_threads=2, precision="fp32")
    with pytest.raises(ModelFileError, match="AnimateDiff animates a Stable"):
        AnimateDiffEngine(video_models / "svd", video_models / "motion", n_threads=2, precision="fp32")
