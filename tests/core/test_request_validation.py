"""The requests' validate() (called by the CLI, the panels and the jobs) refuses what no
model can run, naming the field: non-finite numbers, seeds a model would wrap or cannot
take, sizes out of range, text that is not UTF-8."""

import math

import pytest

from desktop.core.audio.audio_request import MusicRequest, SpeechRequest
from desktop.core.errors import UserFacingError
from desktop.core.image.image_request import ImageRequest
from desktop.core.request_checks import LLAMA_SEED_MAX, TORCH_SEED_MAX
from desktop.core.text.text_request import COMPLETION, ChatMessage, Sampling, TextRequest

NOT_FINITE = [math.nan, math.inf, -math.inf]
# Every float a request takes: (field name in the message, a request with that value).
FLOAT_FIELDS = {
    "Guidance": lambda v: ImageRequest("x", guidance=v),
    "Strength": lambda v: ImageRequest("x", strength=v),
    "Temperature": lambda v: TextRequest(COMPLETION, prompt="x", sampling=Sampling(temperature=v)),
    "Top-p": lambda v: TextRequest(COMPLETION, prompt="x", sampling=Sampling(top_p=v)),
    "Min-p": lambda v: TextRequest(COMPLETION, prompt="x", sampling=Sampling(min_p=v)),
    "Repeat penalty": lambda v: TextRequest(COMPLETION, prompt="x", sampling=Sampling(repeat_penalty=v)),
    "Length scale": lambda v: SpeechRequest("x", length_scale=v),
    "Noise scale": lambda v: SpeechRequest("x", noise_scale=v),
    "Noise width": lambda v: SpeechRequest("x", noise_w=v),
    "Duration": lambda v: MusicRequest("x", duration_s=v),
    "Guidance ": lambda v: MusicRequest("x", guidance=v),
    "Temperature ": lambda v: MusicRequest("x", temperature=v),
}


@pytest.mark.parametrize("value", NOT_FINITE, ids=str)
@pytest.mark.parametrize("field", list(FLOAT_FIELDS))
def test_nan_and_infinite_numbers_are_refused_naming_the_field(field, value):
    with pytest.raises(UserFacingError, match=f"^{field.strip()} must be a finite number"):
        FLOAT_FIELDS[field](value).validate()


@pytest.mark.parametrize("field", list(FLOAT_FIELDS))
def test_the_defaults_pass(field):
    make = FLOAT_FIELDS[field]
    request = make(0.5 if field in ("Strength", "Top-p", "Min-p", "Noise scale", "Noise width") else 1.0)
    request.validate()


@pytest.mark.parametrize("make, name", [
    (lambda v: ImageRequest("x", guidance=v), "Guidance"),
    (lambda v: TextRequest(COMPLETION, prompt="x", sampling=Sampling(temperature=v)), "Temperature"),
    (lambda v: TextRequest(COMPLETION, prompt="x", sampling=Sampling(top_p=v)), "Top-p"),
])
def test_numbers_out_of_range_name_the_range(make, name):
    with pytest.raises(UserFacingError, match=f"{name} must be between 0 and .* \\(got -1\\)"):
        make(-1.0).validate()


def test_a_zero_repeat_penalty_is_refused():
    with pytest.raises(UserFacingError, match="Repeat penalty must be above 0"):
        Sampling(repeat_penalty=0.0).validate()


@pytest.mark.parametrize("side, message", [
    (-1, "Width must be positive: between 64 and 2048 pixels, a multiple of 8 (got -1)"),
    (0, "Width must be positive: between 64 and 2048"),
    (60, "Width must be between 64 and 2048 pixels, a multiple of 8 (got 60)"),
    (100, "Width must be a multiple of 8 (got 100); try 96 or 104"),
    (2044, "Width must be a multiple of 8 (got 2044); try 2040 or 2048"),
    (4096, "between 64 and 2048"),
])
def test_sizes_name_their_range_and_multiple(side, message):
    with pytest.raises(UserFacingError) as raised:
        ImageRequest("x", width=side).validate()
    assert message in str(raised.value) and "try -" not in str(raised.value)


def test_image_seeds_up_to_what_torch_and_the_library_take():
    import torch

    ImageRequest("x", seed=TORCH_SEED_MAX).validate()
    torch.Generator("cpu").manual_seed(TORCH_SEED_MAX)  # really accepted
    for seed in (TORCH_SEED_MAX + 1, 2**64, -2):
        with pytest.raises(UserFacingError, match=f"Seed must be -1 \\(random\\) or between 0 and {TORCH_SEED_MAX}"):
            ImageRequest("x", seed=seed).validate()
    # A batch uses seed, seed+1, ...: the last one must fit too.
    with pytest.raises(UserFacingError, match=f"use a seed up to {TORCH_SEED_MAX - 3}"):
        ImageRequest("x", seed=TORCH_SEED_MAX - 1, batch=4).validate()
    ImageRequest("x", seed=TORCH_SEED_MAX - 3, batch=4).validate()


def test_a_seed_the_library_cannot_store_would_have_failed_after_the_work(tmp_path):
    """Why the image limit is 2**63 - 1 although torch takes up to 2**64 - 1."""
    import sqlite3

    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (seed INTEGER)")
    conn.execute("INSERT INTO t VALUES (?)", (TORCH_SEED_MAX,))
    with pytest.raises(OverflowError):
        conn.execute("INSERT INTO t VALUES (?)", (TORCH_SEED_MAX + 1,))


@pytest.mark.parametrize("seed", [LLAMA_SEED_MAX + 1, 2**32, 2**40, -5])
def test_text_seeds_beyond_uint32_or_llama_random_marker_are_refused(seed):
    with pytest.raises(UserFacingError, match=f"between 0 and {LLAMA_SEED_MAX} for this model \\(got {seed}\\)"):
        Sampling(seed=seed).validate()


def test_audio_seeds_are_checked_too():
    SpeechRequest("hello", seed=TORCH_SEED_MAX).validate()
    with pytest.raises(UserFacingError, match="Seed must be -1"):
        MusicRequest("calm", seed=TORCH_SEED_MAX + 1).validate()


UNDECODABLE = b"caf\xe9 \xff\xfe".decode("utf-8", "surrogateescape")  # Latin-1 bytes as POSIX argv gives them


@pytest.mark.parametrize("request_, field", [
    (ImageRequest(UNDECODABLE), "The prompt"),
    (ImageRequest("x", negative=UNDECODABLE), "The negative prompt"),
    (TextRequest(COMPLETION, prompt=UNDECODABLE), "The prompt"),
    (TextRequest(messages=[ChatMessage("user", UNDECODABLE)]), "The message"),
    (TextRequest(messages=[ChatMessage("system", UNDECODABLE), ChatMessage("user", "hi")]), "The system prompt"),
    (TextRequest(COMPLETION, prompt="x", sampling=Sampling(stop=[UNDECODABLE])), "A stop string"),
    (SpeechRequest(UNDECODABLE), "The text"),
    (MusicRequest(UNDECODABLE), "The prompt"),
], ids=lambda v: v if isinstance(v, str) else type(v).__name__)
def test_text_that_is_not_utf8_gets_a_message_naming_the_bytes(request_, field):
    with pytest.raises(UserFacingError) as raised:
        request_.validate()
    message = str(raised.value)
    assert message.startswith(f"{field} is not UTF-8 text (bytes e9 at character 4")
    message.encode("utf-8")  # the message itself can be printed anywhere


def test_an_unpaired_surrogate_is_named():
    with pytest.raises(UserFacingError, match="an unpaired surrogate at character 2"):
        ImageRequest("a\ud800b").validate()


@pytest.mark.parametrize("request_, message", [
    (ImageRequest(""), "Describe the image first."),
    (ImageRequest(" \n\t"), "Describe the image first."),
    (SpeechRequest("   "), "There is no text to speak: type or paste some first."),
    (MusicRequest(""), "Describe the music first"),
    (TextRequest(COMPLETION, prompt=""), "The prompt is empty: type something for the model to continue."),
    (TextRequest(messages=[]), "There is no message to answer: type one first."),
    (TextRequest(messages=[ChatMessage("system", "Be brief."), ChatMessage("user", " \n")]),
     "There is no message to answer: type one first."),
], ids=["image", "image-blank", "speech", "music", "completion", "chat", "chat-blank"])
def test_an_empty_prompt_is_refused_by_the_request_itself(request_, message):
    """Every check of a request lives in its validate(), which the CLI, the panels and the
    jobs all run: no caller keeps a copy of its own."""
    with pytest.raises(UserFacingError) as raised:
        request_.validate()
    assert str(raised.value).startswith(message)
