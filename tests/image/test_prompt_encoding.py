"""Prompt embeddings on tiny random-weight SD and SDXL pipelines: the same numbers as
diffusers' own encode_prompt for what diffusers can read, A1111's emphasis arithmetic for
weights, and words past CLIP's 77 tokens that change the picture."""

import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from desktop.core.errors import UserFacingError  # noqa: E402
from desktop.core.image.diffusion_engine import DiffusionEngine  # noqa: E402
from desktop.core.image.image_request import ImageRequest  # noqa: E402
from desktop.core.prompt_chunks import MAX_CHUNKS  # noqa: E402
from desktop.core.prompt_encoder import encode_prompts  # noqa: E402
from tiny_models import tiny_sd_pipeline, tiny_sdxl_pipeline, write_tiny_sd  # noqa: E402

# The tiny tokenizer has no merges: a letter or mark is a token (a word's last one carries "</w>").
PROMPT_75 = "a red cube on a table, " * 4 + "a red mat"   # 17 tokens a table, 4 times, and 7


@pytest.fixture(scope="module")
def sd():
    return tiny_sd_pipeline()


@pytest.fixture(scope="module")
def sdxl():
    return tiny_sdxl_pipeline()


@pytest.fixture(scope="module")
def sd_folder(tmp_path_factory):
    return write_tiny_sd(tmp_path_factory.mktemp("models") / "tiny-sd")


def ours(pipe, prompt, negative="", guided=True):
    with torch.inference_mode():
        return encode_prompts(pipe, prompt, negative, guided)


def tokens(pipe, text):
    return len(pipe.tokenizer(text, add_special_tokens=False).input_ids)


def test_the_tiny_prompt_is_75_tokens(sd):
    assert tokens(sd, PROMPT_75) == 75


@pytest.mark.parametrize("prompt, negative", [("a red cube on a table", "blurry"), ("a red cube", ""),
                                              (PROMPT_75, "blurry, dark"), ("", "")])
def test_an_unweighted_prompt_gives_diffusers_own_sd_embeddings(sd, prompt, negative):
    made = ours(sd, prompt, negative).arguments
    with torch.inference_mode():
        positive, negative_embeds = sd.encode_prompt(prompt, "cpu", 1, True, negative or None)
    assert torch.equal(made["prompt_embeds"], positive)
    assert torch.equal(made["negative_prompt_embeds"], negative_embeds)


def test_an_attention_mask_is_used_where_the_text_encoder_asks_for_one():
    pipe = tiny_sd_pipeline()
    pipe.text_encoder.config.use_attention_mask = True
    made = ours(pipe, "a red cube", "blurry").arguments
    with torch.inference_mode():
        positive, negative = pipe.encode_prompt("a red cube", "cpu", 1, True, "blurry")
        unmasked = tiny_sd_pipeline().encode_prompt("a red cube", "cpu", 1, True, "blurry")[0]
    assert torch.equal(made["prompt_embeds"], positive) and torch.equal(made["negative_prompt_embeds"], negative)
    assert not torch.equal(positive, unmasked)  # the mask changes something, so the test can fail


@pytest.mark.parametrize("negative, zeros", [("", True), ("blurry", True), ("", False)])
def test_an_unweighted_prompt_gives_diffusers_own_sdxl_embeddings(sdxl, negative, zeros):
    sdxl.register_to_config(force_zeros_for_empty_prompt=zeros)
    made = ours(sdxl, "a red cube on a table", negative).arguments
    with torch.inference_mode():
        expected = sdxl.encode_prompt("a red cube on a table", device="cpu", num_images_per_prompt=1,
                                      do_classifier_free_guidance=True, negative_prompt=negative or None)
    names = ("prompt_embeds", "negative_prompt_embeds", "pooled_prompt_embeds", "negative_pooled_prompt_embeds")
    for name, tensor in zip(names, expected):
        assert torch.equal(made[name], tensor), name
    assert made["prompt_embeds"].shape == (1, 77, 64)
    assert bool(made["negative_prompt_embeds"].abs().sum() == 0) == (zeros and not negative)
    sdxl.register_to_config(force_zeros_for_empty_prompt=True)


def test_without_guidance_no_negative_is_encoded(sd, sdxl):
    assert set(ours(sd, "a cube", "blurry", guided=False).arguments) == {"prompt_embeds"}
    assert set(ours(sdxl, "a cube", "blurry", guided=False).arguments) == {"prompt_embeds", "pooled_prompt_embeds"}


def test_weights_follow_a1111s_multiply_then_restore_the_mean(sd):
    plain = ours(sd, "a red cube", guided=False).arguments["prompt_embeds"]
    weighted = ours(sd, "a (red:1.5) [cube]", guided=False).arguments["prompt_embeds"]
    # "a " / "red" / " cube" tokenize as "a red cube" does; a</w> r e d</w> c u b e</w>
    weights = torch.ones(77)
    weights[2:5] = 1.5
    weights[5:9] = 1 / 1.1
    scaled = plain * weights[None, :, None]
    expected = scaled * (plain.mean() / scaled.mean())
    assert torch.allclose(weighted, expected, atol=1e-6)
    assert torch.allclose(weighted.mean(), plain.mean(), atol=1e-6)
    assert not torch.allclose(weighted, plain)
    assert not torch.equal(ours(sd, "a (red) cube", guided=False).arguments["prompt_embeds"], plain)


def test_escaped_brackets_are_read_as_the_characters_diffusers_reads(sd):
    escaped = ours(sd, r"a \(red\) cube", guided=False).arguments["prompt_embeds"]
    with torch.inference_mode():
        literal = sd.encode_prompt("a (red) cube", "cpu", 1, False)[0]
    assert torch.equal(escaped, literal)
    assert not torch.equal(ours(sd, "a (red) cube", guided=False).arguments["prompt_embeds"], literal)


def test_a_long_prompt_is_encoded_in_chunks_with_the_negative_repeated_to_match(sd):
    long_prompt = PROMPT_75 + ", and a green ball"
    made = ours(sd, long_prompt, "blurry").arguments
    assert made["prompt_embeds"].shape == made["negative_prompt_embeds"].shape == (1, 154, 32)
    first = ours(sd, PROMPT_75, "blurry").arguments
    assert torch.equal(made["prompt_embeds"][:, :77], first["prompt_embeds"])      # chunk 1: the first 75 tokens
    assert not torch.equal(made["prompt_embeds"][:, 77:], first["prompt_embeds"])
    negative = made["negative_prompt_embeds"]
    assert torch.equal(negative[:, :77], first["negative_prompt_embeds"]) and torch.equal(negative[:, 77:], negative[:, :77])


def test_a_sequence_repeated_changes_nothing_the_unet_computes(sd):
    """Why the shorter of prompt and negative is repeated: attention over [K; K] is attention over K."""
    negative = ours(sd, "blurry", guided=False).arguments["prompt_embeds"]
    latents = torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        once = sd.unet(latents, 10, encoder_hidden_states=negative).sample
        twice = sd.unet(latents, 10, encoder_hidden_states=negative.repeat(1, 2, 1)).sample
        padded = sd.unet(latents, 10, encoder_hidden_states=torch.cat(
            [negative, ours(sd, "", guided=False).arguments["prompt_embeds"]], dim=1)).sample
    assert torch.allclose(once, twice, atol=1e-5)
    assert not torch.allclose(once, padded, atol=1e-5)  # padding with an empty chunk would change it


def test_chunk_counts_with_no_small_common_multiple_are_padded_with_the_empty_prompt(sd):
    four = " BREAK ".join([PROMPT_75] * 4)
    three = " BREAK ".join([PROMPT_75] * 3)
    made = ours(sd, four, three).arguments
    assert made["prompt_embeds"].shape == made["negative_prompt_embeds"].shape == (1, 4 * 77, 32)
    empty = ours(sd, "", guided=False).arguments["prompt_embeds"]
    assert torch.equal(made["negative_prompt_embeds"][:, 3 * 77:], empty)


def test_sdxl_long_prompts_join_both_encoders_and_pool_the_first_chunk(sdxl):
    made = ours(sdxl, PROMPT_75 + " BREAK (a green ball:1.2)", "blurry").arguments
    assert made["prompt_embeds"].shape == made["negative_prompt_embeds"].shape == (1, 154, 64)
    first = ours(sdxl, PROMPT_75, "blurry").arguments
    assert torch.equal(made["pooled_prompt_embeds"], first["pooled_prompt_embeds"])
    assert torch.equal(made["prompt_embeds"][:, :77], first["prompt_embeds"])
    assert torch.equal(made["negative_pooled_prompt_embeds"], first["negative_pooled_prompt_embeds"])


def test_past_the_chunk_limit_a_note_says_what_was_read(sd):
    huge = ", ".join([PROMPT_75] * (MAX_CHUNKS + 2))
    made = ours(sd, huge, huge)
    assert made.arguments["prompt_embeds"].shape[1] == MAX_CHUNKS * 77
    assert [n.split(" is ")[0] for n in made.notes] == ["The prompt", "The negative prompt"]


def test_emphasis_nested_past_a_float_is_refused_with_advice(sd):
    with pytest.raises(UserFacingError, match=r"\(word:1.5\)"):
        ours(sd, "(" * 8000 + "cube", guided=False)


def request(prompt, **kw):
    return ImageRequest(prompt=prompt, steps=2, width=64, height=64, guidance=5.0, **kw)


def test_words_after_token_77_change_the_image(sd_folder):
    """diffusers alone cuts them off; the engine reads them."""
    from diffusers import StableDiffusionPipeline

    engine = DiffusionEngine(sd_folder, n_threads=2, precision="fp32")
    long_prompt = PROMPT_75 + ", and a green ball"

    def made(prompt):
        return np.asarray(engine.generate(request(prompt), lambda p: None, threading.Event(), seed=3).image)

    plain = StableDiffusionPipeline.from_pretrained(sd_folder, dtype=torch.float32)
    plain.set_progress_bar_config(disable=True)

    def plain_made(prompt):
        return np.asarray(plain(prompt, num_inference_steps=2, guidance_scale=5.0, width=64, height=64,
                                generator=torch.Generator("cpu").manual_seed(3)).images[0])

    assert np.array_equal(plain_made(long_prompt), plain_made(PROMPT_75))
    assert np.array_equal(made(PROMPT_75), plain_made(PROMPT_75))
    assert not np.array_equal(made(long_prompt), made(PROMPT_75))
    assert not np.array_equal(made("a (red:1.4) cube"), made("a red cube"))


def test_img2img_and_a_batch_use_the_long_prompt_encoded_once(sd_folder, monkeypatch):
    from PIL import Image

    from desktop.core.image import diffusion_engine

    engine = DiffusionEngine(sd_folder, n_threads=2, precision="fp32")
    calls = []
    original = diffusion_engine.encode_prompts
    monkeypatch.setattr(diffusion_engine, "encode_prompts", lambda *a: calls.append(a[1]) or original(*a))
    long_prompt = PROMPT_75 + ", (a green ball:1.3) BREAK on grass"
    init = Image.new("RGB", (64, 64), (200, 30, 30))
    for seed in (1, 2):
        made = engine.generate(request(long_prompt, init_image=init, strength=0.5, negative="blurry"),
                               lambda p: None, threading.Event(), seed=seed)
        assert made.image.size == (64, 64) and made.notes == []
    assert calls == [long_prompt]
    engine.generate(request("another prompt"), lambda p: None, threading.Event(), seed=1)
    assert calls == [long_prompt, "another prompt"]


def test_sdxl_and_inpainting_pipelines_take_long_weighted_prompts(tmp_path):
    from PIL import Image

    from tiny_models import write_tiny_sdxl

    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 48))
    init = Image.new("RGB", (64, 64), (200, 30, 30))
    long_prompt = PROMPT_75 + ", (a green ball:1.3)"
    kinds = {"txt2img": {}, "img2img": {"init_image": init, "strength": 0.6},
             "inpaint": {"init_image": init, "mask": mask, "strength": 1.0}}
    sdxl = DiffusionEngine(write_tiny_sdxl(tmp_path / "sdxl"), n_threads=2, precision="fp32")
    # An inpainting UNet (9 input channels) only inpaints.
    inpainting = DiffusionEngine(write_tiny_sd(tmp_path / "inpaint", inpainting=True), n_threads=2, precision="fp32")
    for engine, kind in [(sdxl, k) for k in kinds] + [(inpainting, "inpaint")]:
        made = [np.asarray(engine.generate(request(prompt, negative="blurry", **kinds[kind]), lambda p: None,
                                           threading.Event(), seed=4).image) for prompt in (long_prompt, PROMPT_75)]
        assert made[0].shape == (64, 64, 3) and not np.array_equal(*made), (engine.is_sdxl, kind)


def test_an_lcm_pipeline_takes_the_prompt_and_no_negative(tmp_path):
    """LatentConsistencyModelPipeline has no negative prompt (its guidance is an embedding)."""
    from diffusers import LatentConsistencyModelPipeline, LCMScheduler, UNet2DConditionModel

    sd = tiny_sd_pipeline()
    unet = UNet2DConditionModel(**{**sd.unet.config, "time_cond_proj_dim": 32})
    LatentConsistencyModelPipeline(vae=sd.vae, text_encoder=sd.text_encoder, tokenizer=sd.tokenizer, unet=unet,
                                   scheduler=LCMScheduler.from_config(sd.scheduler.config), safety_checker=None,
                                   feature_extractor=None, requires_safety_checker=False).save_pretrained(tmp_path / "lcm")
    engine = DiffusionEngine(tmp_path / "lcm", n_threads=2, precision="fp32")
    assert type(engine.base).__name__ == "LatentConsistencyModelPipeline"
    made = engine.generate(request(PROMPT_75 + ", (a green ball:1.3)", negative="blurry"), lambda p: None,
                           threading.Event(), seed=4)
    assert made.image.size == (64, 64)
    assert set(engine._encoded[1].arguments) == {"prompt_embeds"}
