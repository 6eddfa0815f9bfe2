"""Prompt writing with the built-in base model: the few-shot openings, the cleaning of what comes
back (on canned model outputs), and real runs on the built-in Gemma 3 270M through the app's
completer (reproducible for a seed whatever ran before)."""

import threading

import pytest

from desktop.core.errors import UserFacingError
from desktop.core.text import prompt_writing as pw
from desktop.core.text.prompt_writing import Scene


class Canned:
    """A `complete` that answers from a list and records what it was asked."""

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def __call__(self, prompt, max_tokens, seed, stop):
        self.calls.append({"prompt": prompt, "max_tokens": max_tokens, "seed": seed, "stop": list(stop)})
        return self.answers.pop(0) if self.answers else ""


# -- enhance -----------------------------------------------------------------------------------------

def test_enhance_keeps_the_typed_words_first_and_adds_the_models_phrases():
    complete = Canned(" soft morning light, fluffy ginger fur, highly detailed")
    assert pw.enhance(complete, "  a cat\n on a windowsill. ", "image", seed=5) == \
        "a cat on a windowsill, soft morning light, fluffy ginger fur, highly detailed"
    call = complete.calls[0]
    assert call["prompt"].endswith("Short: a cat on a windowsill\nDetailed: a cat on a windowsill,")
    assert call["prompt"].count("\nDetailed: ") >= 4, "3-5 worked examples before the asked prompt"
    assert "\n" in call["stop"] and call["seed"] == 5 and call["max_tokens"] == pw.ENHANCE_TOKENS


def test_a_video_expansion_is_asked_with_motion_and_camera_examples():
    complete = Canned(" tail swaying, slow push-in")
    assert pw.enhance(complete, "a cat", "video", seed=1) == "a cat, tail swaying, slow push-in"
    opening = complete.calls[0]["prompt"]
    assert "video generator" in opening and "push-in" in opening and "tracking shot" in opening
    image_opening = Canned(" x y")
    pw.enhance(image_opening, "a cat", "image", seed=1)
    assert "tracking shot" not in image_opening.calls[0]["prompt"]


def test_enhance_cleans_labels_markup_quotes_repeats_and_a_cut_off_phrase():
    raw = ' "golden hour" , <start_of_image>misty hills, a red fox, Misty hills, fox, soft light on the'
    assert pw.enhance(Canned(raw), "a red fox", seed=0) == "a red fox, golden hour, misty hills"
    raw = " warm light, 35mm lens Short: a dog Detailed: a dog, park"
    assert pw.enhance(Canned(raw), "a cat", seed=0) == "a cat, warm light, 35mm lens"


def test_enhance_keeps_at_most_a_bounded_number_of_phrases():
    raw = ", ".join(f"detail number {i}" for i in range(30))
    added = pw.enhance(Canned(raw), "a house", seed=0).split(", ")[1:]
    assert added == [f"detail number {i}" for i in range(pw.MAX_PHRASES)]


@pytest.mark.parametrize("garbage", ["", "   ", "!!!, ???, ...", "a cat, on a windowsill", "the the the the",
                                     "<eos><eos>", "Short: a dog"])
def test_empty_or_garbage_output_is_refused_not_shown(garbage):
    with pytest.raises(UserFacingError, match="nothing usable"):
        pw.enhance(Canned(garbage), "a cat on a windowsill", seed=0)


def test_enhance_refuses_an_empty_prompt_an_unknown_kind_and_a_bad_seed():
    with pytest.raises(UserFacingError, match="Type a prompt"):
        pw.enhance(Canned("x"), " \n ", seed=0)
    with pytest.raises(UserFacingError, match="image or a video"):
        pw.enhance(Canned("x"), "a cat", "music", seed=0)
    with pytest.raises(UserFacingError, match="whole number"):
        pw.enhance(Canned("x"), "a cat", seed=1.5)


def test_a_huge_seed_is_folded_into_what_llama_cpp_takes():
    complete = Canned(" red")
    pw.enhance(complete, "a cat", seed=2**63 - 1)
    assert 0 <= complete.calls[0]["seed"] <= pw.SEED_MASK


# -- prompt from text ----------------------------------------------------------------------------

def test_a_prompt_from_a_long_markdown_reply_uses_its_start_as_one_plain_line():
    reply = ("## Autumn\n\nHere is **a poem** about [leaves](https://example.com/x):\n\n"
             "```python\nprint('not this')\n```\n" + "The maple burns in red and gold. " * 60)
    complete = Canned(" maple tree in red and gold, autumn leaves, soft light")
    assert pw.prompt_from_text(complete, reply, "image", seed=3) == \
        "maple tree in red and gold, autumn leaves, soft light"
    asked = complete.calls[0]["prompt"].rsplit("Text: ", 1)[1]
    source, label = asked.split("\n")[0], asked.split("\n")[1]
    assert label == "Image prompt:"
    assert source.startswith("Autumn Here is a poem about leaves: The maple burns")
    assert "print" not in source and "https" not in source and "**" not in source
    assert len(source) <= pw.MAX_SOURCE_CHARS and source.endswith(".")


def test_a_music_prompt_is_asked_for_genre_instruments_mood_and_tempo():
    complete = Canned(" gentle folk, acoustic guitar, nostalgic, slow tempo, 70 bpm")
    assert pw.prompt_from_text(complete, "A quiet harbour at dawn.", "music", seed=0).endswith("70 bpm")
    opening = complete.calls[0]["prompt"]
    assert opening.endswith("Text: A quiet harbour at dawn.\nMusic prompt:") and "bpm" in opening
    with pytest.raises(UserFacingError, match="no text"):
        pw.prompt_from_text(Canned("x"), "```\ncode only\n```", "image", seed=0)
    with pytest.raises(UserFacingError, match="nothing usable"):
        pw.prompt_from_text(Canned(" ,,, "), "Some text.", "music", seed=0)


# -- scenes ----------------------------------------------------------------------------------------

MESSY = """ The bottle
Image: old keeper on the shore holding a bottle, stormy, "painterly"

Narration: One grey morning, Tom found a bottle.
2) Image prompt: a faded letter, candlelight
Narration: Inside was a letter.
3. Title: Broken
Image: a desk by a window
4 . Title: The answer
some line the model added
Picture: keeper writing at a desk, sunset
Narrator: That evening, Tom wrote back. Title: junk
"""


def test_scenes_parse_from_a_messy_numbered_format():
    scenes = pw.parse_scenes("1. Title:" + MESSY)
    assert scenes == [
        Scene("The bottle", "old keeper on the shore holding a bottle, stormy, painterly",
              "One grey morning, Tom found a bottle."),
        Scene("Scene 2", "a faded letter, candlelight", "Inside was a letter."),  # no title: numbered
        Scene("The answer", "keeper writing at a desk, sunset", "That evening, Tom wrote back."),
    ]  # scene 3 has no narration: not usable


def test_missing_scenes_are_asked_for_again_after_the_usable_ones():
    first = " The bottle\nImage: a bottle on rocks\nNarration: Tom found a bottle.\n2. Title: Letter\nImage: a letter"
    second = " Letter\nImage: a faded letter\nNarration: It was old.\n3. Title: Reply\nImage: a desk\nNarration: He wrote."
    complete = Canned(first, second)
    scenes = pw.write_scenes(complete, "a keeper finds a bottle", 3, seed=10)
    assert [s.title for s in scenes] == ["The bottle", "Letter", "Reply"] and all(s.written for s in scenes)
    again = complete.calls[1]
    assert again["prompt"].endswith("Premise: a keeper finds a bottle\nScenes: 3\n1. Title: The bottle\n"
                                    "Image: a bottle on rocks\nNarration: Tom found a bottle.\n2. Title:")
    assert again["seed"] != complete.calls[0]["seed"] and "\n4." in again["stop"]
    assert complete.calls[0]["max_tokens"] == 3 * pw.SCENE_TOKENS and again["max_tokens"] == 2 * pw.SCENE_TOKENS


def test_scenes_still_missing_after_the_rounds_are_filled_honestly():
    one = " Start\nImage: a hill\nNarration: They set off."
    complete = Canned(one, one, "garbage")  # a repeat of scene 1 is not a new scene
    scenes = pw.write_scenes(complete, "two friends climb a mountain", 3, seed=0)
    assert len(complete.calls) == pw.SCENE_ROUNDS
    assert scenes[0] == Scene("Start", "a hill", "They set off.")
    assert scenes[1:] == [Scene("Scene 2", "two friends climb a mountain", "", written=False),
                          Scene("Scene 3", "two friends climb a mountain", "", written=False)]


def test_a_storyboard_with_no_usable_scene_is_refused():
    with pytest.raises(UserFacingError, match="nothing usable"):
        pw.write_scenes(Canned("???", "", "Image: only"), "a premise", 2, seed=0)
    for bad in (0, pw.MAX_SCENES + 1, 2.0, True):
        with pytest.raises(UserFacingError, match="scenes"):
            pw.write_scenes(Canned(), "a premise", bad, seed=0)
    with pytest.raises(UserFacingError, match="premise"):
        pw.write_scenes(Canned(), "  ", 2, seed=0)


def test_sentences_are_bounded_at_a_sentence_or_word():
    text = "First sentence here. " + "word " * 100
    assert pw.clean_sentence(text, 60) == "First sentence here."
    assert pw.clean_sentence("'" + "long " * 50 + "'", 30) == "long long long long long long"
    assert pw.clean_sentence("Narration: ...", 30) == ""


# -- the real built-in model ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def complete(gemma_gguf):
    """prompt_writing's `complete` as the app's PromptWriter builds it, on the built-in model."""
    from desktop.core.text.llama_engine import LlamaTextEngine
    from desktop.viewmodels.prompt_writer import N_CTX, EngineCompleter

    engine = LlamaTextEngine(gemma_gguf, n_ctx=N_CTX, n_threads=2)
    yield EngineCompleter(engine, threading.Event())
    engine.close()


@pytest.mark.gemma
def test_the_built_in_model_expands_reproducibly_for_a_seed(complete):
    first = pw.enhance(complete, "a red fox in the snow", "image", seed=11)
    pw.enhance(complete, "a lighthouse", "video", seed=3)  # another prompt between: the cache differs
    pw.enhance(complete, "a red fox", "image", seed=11)
    assert pw.enhance(complete, "a red fox in the snow", "image", seed=11) == first
    assert first.startswith("a red fox in the snow, ") and len(first) > len("a red fox in the snow, ") + 5
    others = {pw.enhance(complete, "a red fox in the snow", "image", seed=s) for s in (12, 13)}
    assert others - {first}, "another seed gives another expansion"


@pytest.mark.gemma
def test_the_built_in_model_expands_a_video_prompt_keeping_the_typed_words(complete):
    typed = "Two robots playing chess"
    for seed in (1, 2):
        expanded = pw.enhance(complete, typed, "video", seed=seed)
        assert expanded.startswith(typed + ", ") and "\n" not in expanded
        assert len(expanded.split(", ")) <= 1 + pw.MAX_PHRASES


@pytest.mark.gemma
def test_the_built_in_model_writes_image_and_music_prompts_from_a_reply(complete):
    reply = ("Sure! Here is a short poem about autumn:\n\n**Autumn leaves** fall softly on the quiet lane,\n"
             "the maple burns in red and gold again.\nA child in boots goes splashing through the rain.")
    for target in ("image", "music"):
        prompt = pw.prompt_from_text(complete, reply, target, seed=1)
        assert prompt and "\n" not in prompt and ":" not in prompt and len(prompt) < 600


@pytest.mark.gemma
def test_the_built_in_model_writes_a_storyboard_of_n_scenes(complete):
    scenes = pw.write_scenes(complete, "a girl and her dog get lost in a big city", 3, seed=2)
    assert len(scenes) == 3
    written = [s for s in scenes if s.written]
    assert written, "the model wrote at least one usable scene"
    for scene in written:
        assert scene.title and scene.image_prompt and scene.narration
        assert "\n" not in scene.image_prompt + scene.narration + scene.title
        assert len(scene.narration) <= pw.MAX_NARRATION_CHARS and len(scene.title) <= pw.MAX_TITLE_CHARS
