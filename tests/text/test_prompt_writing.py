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

MESSY = """ The bottle: One grey morning, "Tom found a bottle."

2) Inside was a letter, written long ago.
3. The answer:
a line the model added
4 . The reply: <start_of_image>That evening, Tom wrote back. Premise: junk
"""


def test_story_lines_parse_from_a_messy_numbered_format():
    assert pw.parse_story_lines("1." + MESSY) == [
        ("The bottle", "One grey morning, Tom found a bottle."),
        ("", "Inside was a letter, written long ago."),  # no title: the line is the narration
        ("The reply", "That evening, Tom wrote back."),
    ]  # scene 3 has no narration: not usable


class Storyteller(Canned):
    """Answers the story asks from `lines` in turn and each picture ask with an image prompt."""

    def __init__(self, *lines, picture=" a picture of it, soft light"):
        super().__init__(*lines)
        self.picture = picture

    def __call__(self, prompt, max_tokens, seed, stop):
        if prompt.endswith("Image prompt:"):
            self.calls.append({"prompt": prompt, "seed": seed, "picture": True})
            return self.picture
        return super().__call__(prompt, max_tokens, seed, stop)


def story_calls(complete):
    return [call for call in complete.calls if not call.get("picture")]


def test_missing_scenes_are_asked_for_again_after_the_usable_ones():
    complete = Storyteller(" The bottle: Tom found a bottle.\n2. Letter: It held a faded letter.\n3.",
                           " That evening Tom wrote back.")
    scenes = pw.write_scenes(complete, "a keeper finds a bottle.", 3, seed=10)
    assert scenes == [Scene("The bottle", "a picture of it, soft light", "Tom found a bottle."),
                      Scene("Letter", "a picture of it, soft light", "It held a faded letter."),
                      Scene("Scene 3", "a picture of it, soft light", "That evening Tom wrote back.")]
    first, again = story_calls(complete)
    assert first["prompt"].endswith("Premise: a keeper finds a bottle\nStory in 3 scenes:\n1.")
    assert again["prompt"].endswith("Story in 3 scenes:\n1. The bottle: Tom found a bottle.\n"
                                    "2. Letter: It held a faded letter.\n3.")
    assert again["seed"] != first["seed"] and "\n4." in again["stop"]
    assert first["max_tokens"] == 3 * pw.SCENE_TOKENS and again["max_tokens"] == pw.SCENE_TOKENS
    pictures = [call for call in complete.calls if call.get("picture")]
    assert len(pictures) == 3 and len({call["seed"] for call in pictures}) == 3, "each picture asked on its own"
    assert pictures[1]["prompt"].endswith("Scene: a keeper finds a bottle. Letter: It held a faded letter.\n"
                                          "Image prompt:")


def test_scenes_still_missing_after_the_retries_are_filled_honestly():
    one = " Start: They set off at dawn."
    complete = Storyteller(one, " Again: They set off at dawn!", "garbage")  # a repeat is no new scene
    scenes = pw.write_scenes(complete, "two friends climb a mountain", 3, seed=0)
    asked = story_calls(complete)
    assert len(asked) == 1 + pw.SCENE_RETRIES
    assert len({call["seed"] for call in asked}) == len(asked), "each ask with the next seed"
    assert scenes == [Scene("Start", "a picture of it, soft light", "They set off at dawn."),
                      Scene("Scene 2", "two friends climb a mountain", "", written=False),
                      Scene("Scene 3", "two friends climb a mountain", "", written=False)]


def test_a_scene_whose_picture_the_model_cannot_describe_gets_the_premise_marked_unwritten():
    complete = Storyteller(" Start: They set off at dawn.", picture=" ,,, ???")
    assert pw.write_scenes(complete, "two friends climb a mountain", 1, seed=0) == [
        Scene("Start", "two friends climb a mountain", "They set off at dawn.", written=False)]


def test_a_storyboard_with_no_usable_scene_is_refused():
    with pytest.raises(UserFacingError, match="nothing usable"):
        pw.write_scenes(Storyteller("???", "", "Title only:"), "a premise", 2, seed=0)
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
    from desktop.core.text.prompt_completer import N_CTX, EngineCompleter

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
    scenes = pw.write_scenes(complete, "a girl and her dog get lost in a big city", 4, seed=2)
    assert len(scenes) == 4
    written = [s for s in scenes if s.narration]
    assert len(written) >= 2, "the model wrote most of the story"
    for scene in written:
        assert scene.title and scene.image_prompt
        assert "\n" not in scene.image_prompt + scene.narration + scene.title
        assert len(scene.narration) <= pw.MAX_NARRATION_CHARS and len(scene.title) <= pw.MAX_TITLE_CHARS
    assert len({s.image_prompt for s in written}) == len(written), "each scene has its own picture"
