"""The Video studio's AnimateDiff reads prompts as the Image studio does: words past CLIP's 77
tokens and A1111's emphasis change the clip (tiny random-weight SD 1.5 base and adapter)."""

import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from desktop.core.video.animatediff_engine import AnimateDiffEngine  # noqa: E402
from desktop.core.video.video_request import VideoRequest  # noqa: E402
from tiny_models import write_tiny_sd  # noqa: E402

PROMPT_75 = "a red cube on a table, " * 4 + "a red mat"  # 75 tokens in the tiny vocabulary


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from diffusers import MotionAdapter

    folder = tmp_path_factory.mktemp("video")
    write_tiny_sd(folder / "sd")
    torch.manual_seed(0)
    MotionAdapter(block_out_channels=(32, 64), motion_layers_per_block=1, motion_norm_num_groups=16,
                  motion_num_attention_heads=4, motion_max_seq_length=32).save_pretrained(folder / "motion")
    return AnimateDiffEngine(folder / "sd", folder / "motion", n_threads=2, precision="fp32")


def frames(engine, prompt, negative="blurry"):
    request = VideoRequest(prompt=prompt, negative=negative, frames=8, fps=8, width=64, height=64, steps=2,
                           guidance=5.0)
    made = engine.generate(request, lambda p: None, threading.Event(), seed=7)
    return np.stack([np.asarray(f) for f in made.frames]), made.notes


def test_a_long_and_a_weighted_prompt_change_the_clip(engine):
    short, notes = frames(engine, PROMPT_75)
    long, _ = frames(engine, PROMPT_75 + ", and a green ball")
    weighted, _ = frames(engine, PROMPT_75.replace("a red mat", "a (red:1.5) mat"))
    assert notes == []
    assert not np.array_equal(short, long) and not np.array_equal(short, weighted)
    assert np.array_equal(short, frames(engine, PROMPT_75)[0])
    key = (PROMPT_75 + ", and a green ball", "blurry", True)
    assert engine._prompts[key].arguments["prompt_embeds"].shape == (1, 154, 32)
