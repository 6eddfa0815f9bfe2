"""Prompt writing with the built-in model: an image or video prompt expanded with detail and
style words (Fooocus-style), a prompt written from any text, a storyboard from a premise.

The built-in Gemma 3 270M is a *base* model: it has no chat template and follows no
instructions, but it continues a pattern well. So each task is a few-shot opening that the
model continues, cut by stop strings, and what comes back is cleaned before anyone sees it
(one line, bounded, no leftover labels or quotes); empty or garbled output is refused with a
UserFacingError rather than shown as a suggestion. The model is reached only through a
`complete(prompt, max_tokens, seed, stop) -> str` callable, so this module needs no llama.cpp
and is tested on canned outputs as well as on the real model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from desktop.core.errors import UserFacingError
from desktop.core.text import prompt_examples as examples

Complete = Callable[[str, int, int, Sequence[str]], str]

IMAGE, VIDEO, MUSIC = "image", "video", "music"
MAX_SCENES = 12
SEED_MASK = 2**31 - 1  # llama.cpp seeds are uint32; retries add to the seed, so stay below that

# Budgets: the expansion of a one-line prompt must come back in under a second on a 2-core CPU
# (~55 tokens/s): the examples add ~30 tokens, so 48 leaves room without letting a ramble run.
ENHANCE_TOKENS = 48
FROM_TEXT_TOKENS = 56
SCENE_TOKENS = 80               # per scene asked for (title, image prompt and narration)
MAX_PHRASES = 9                 # an expansion's added phrases (the typed prompt not counted)
MAX_PHRASE_WORDS = 14
MAX_PROMPT_CHARS = 400          # what the person typed, as the model sees it
MAX_SOURCE_CHARS = 600          # the start of a long text (a chat reply): the context is small
MAX_PREMISE_CHARS = 300
MAX_TITLE_CHARS = 60
MAX_NARRATION_CHARS = 240
SCENE_ROUNDS = 3                # asks for the scenes still missing before filling in

NOTHING_USABLE = ("The built-in model wrote nothing usable for this {what}. Try again (another seed), "
                  "or write it yourself.")

# Any label of the few-shot formats: where the model starts a new example, its text ends.
_LABEL = re.compile(r"\b(?:Short|Detailed|Text|Image prompt|Music prompt|Premise|Scenes|Title|Image|Narration)\s*:",
                    re.IGNORECASE)
_MARKUP = re.compile(r"<[^<>\s]{2,}>")          # <start_of_image>, <eos>, <unused12>
_QUOTES = "\"'`“”‘’«»"
_DANGLING = {"a", "an", "the", "of", "and", "or", "with", "in", "on", "at", "to", "by", "for", "from", "as"}


@dataclass(frozen=True)
class Scene:
    title: str
    image_prompt: str
    narration: str
    written: bool = True  # False: the model gave no usable scene here; filled from the premise to edit


# -- tasks ---------------------------------------------------------------------------------------

def enhance(complete: Complete, prompt: str, kind: str = IMAGE, seed: int = 0) -> str:
    """The typed prompt, word for word, followed by detail and style words the model adds (for a
    video also motion and camera words). Same prompt and seed: same expansion."""
    if kind not in (IMAGE, VIDEO):
        raise UserFacingError(f"Prompts are enhanced for an image or a video (got {kind!r}).")
    typed = _bounded(_one_line(prompt), MAX_PROMPT_CHARS).rstrip(" ,.;")
    if not typed:
        raise UserFacingError("Type a prompt first: the model expands what you wrote.")
    pairs = examples.VIDEO_EXPANSIONS if kind == VIDEO else examples.IMAGE_EXPANSIONS
    opening = _few_shot(examples.EXPANSION_HEADER[kind], "Short", "Detailed", pairs) + \
        f"Short: {typed}\nDetailed: {typed},"
    text = complete(opening, ENHANCE_TOKENS, _seed(seed), ["\n", "Short:", "Detailed:"])
    added = clean_phrases(text, known=[typed])
    if not added:
        raise UserFacingError(NOTHING_USABLE.format(what="prompt"))
    return ", ".join([typed, *added])


def prompt_from_text(complete: Complete, text: str, target: str = IMAGE, seed: int = 0) -> str:
    """An image prompt (or a music prompt: genre, instruments, mood, tempo) written from any text,
    such as a chat reply. A long text is represented by its start."""
    if target not in (IMAGE, MUSIC):
        raise UserFacingError(f"Prompts are written for an image or music (got {target!r}).")
    source = excerpt(text, MAX_SOURCE_CHARS)
    if not source:
        raise UserFacingError("There is no text to write a prompt from.")
    label = "Music prompt" if target == MUSIC else "Image prompt"
    pairs = examples.MUSIC_FROM_TEXT if target == MUSIC else examples.IMAGE_FROM_TEXT
    opening = _few_shot(examples.FROM_TEXT_HEADER[target], "Text", label, pairs) + f"Text: {source}\n{label}:"
    written = complete(opening, FROM_TEXT_TOKENS, _seed(seed), ["\n", "Text:", f"{label}:"])
    phrases = clean_phrases(written)
    if not phrases:
        raise UserFacingError(NOTHING_USABLE.format(what="text"))
    return ", ".join(phrases)


def write_scenes(complete: Complete, premise: str, n: int, seed: int = 0) -> list[Scene]:
    """`n` scenes for a premise, each a title, an image prompt and one line of narration. Scenes
    the model leaves out or garbles are asked for again (a few rounds, each continuing after the
    usable ones); any still missing are filled from the premise and marked `written=False`."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SCENES:
        raise UserFacingError(f"A storyboard has 1 to {MAX_SCENES} scenes (got {n!r}).")
    premise = _bounded(_one_line(premise), MAX_PREMISE_CHARS)
    if not premise:
        raise UserFacingError("Write a premise first: what the story is about.")
    scenes: list[Scene] = []
    for round_ in range(SCENE_ROUNDS):
        missing = n - len(scenes)
        if missing <= 0:
            break
        start = len(scenes) + 1
        opening = (examples.SCENES_HEADER + "".join(_story(p, ss) for p, ss in examples.STORIES) +
                   f"Premise: {premise}\nScenes: {n}\n" + "".join(_scene_text(i + 1, s) for i, s in enumerate(scenes))
                   + f"{start}. Title:")
        stops = ["\nPremise:", f"\n{n + 1}."]  # blank lines are tolerated: the model puts some between scenes
        text = complete(opening, SCENE_TOKENS * missing, _seed(seed + round_), stops)
        for scene in parse_scenes(f"{start}. Title:{text}"):
            if len(scenes) < n and not any(_same(scene, s) for s in scenes):
                scenes.append(scene)
    if not scenes:
        raise UserFacingError(NOTHING_USABLE.format(what="premise"))
    while len(scenes) < n:
        scenes.append(Scene(f"Scene {len(scenes) + 1}", premise, "", written=False))
    return scenes


# -- parsing and cleaning ------------------------------------------------------------------------

def parse_scenes(text: str) -> list[Scene]:
    """Scenes from the numbered format ("1. Title: …", "Image: …", "Narration: …"); tolerant of
    a missing "Title:" label, extra spaces, "1)" numbering and lines the model adds. A scene is
    usable when it has an image prompt and a narration; the others are left out."""
    field = re.compile(r"(?i)^(title|image(?: prompt)?|picture|narration|narrator|voice)\s*:\s*(.*)$")
    blocks: list[dict] = []
    for raw in _MARKUP.sub("", text).splitlines():
        line = raw.strip()
        numbered = re.match(r"^(\d{1,2})\s*[.):]\s*(.*)$", line)
        if numbered:
            blocks.append({"number": numbered.group(1)})
            line = numbered.group(2) if field.match(numbered.group(2)) else f"Title: {numbered.group(2)}"
        found = field.match(line)
        if blocks and found:
            name = found.group(1).lower().split()[0]
            blocks[-1].setdefault({"picture": "image", "narrator": "narration", "voice": "narration"}.get(name, name),
                                  found.group(2))
    scenes = []
    for block in blocks:
        image = ", ".join(clean_phrases(block.get("image", "")))
        narration = clean_sentence(block.get("narration", ""), MAX_NARRATION_CHARS)
        if image and narration:
            title = clean_sentence(block.get("title", ""), MAX_TITLE_CHARS).rstrip(".") or f"Scene {block['number']}"
            scenes.append(Scene(title, image, narration))
    return scenes


def clean_phrases(text: str, known: Sequence[str] = ()) -> list[str]:
    """The comma-separated phrases of one line of model output: cut where a new label starts,
    without markup tokens and quotes; phrases that repeat one another or `known` text, have no
    letters, ramble, or were cut off mid-thought are dropped; at most MAX_PHRASES."""
    line = _until_label(_MARKUP.sub("", text).split("\n", 1)[0])
    seen = {_key(k) for k in known for k in [k, *k.split(",")]}
    known_words = set(" ".join(seen).split())
    phrases: list[str] = []
    for part in re.split(r"[,;|]", line):
        phrase = _one_line(re.sub(r"[()\[\]{}]", " ", part)).strip(_QUOTES + " .:-*•#")
        words = phrase.split()
        if not phrase or not any(c.isalpha() for c in phrase) or len(words) > MAX_PHRASE_WORDS:
            continue
        if _key(phrase) in seen or set(_key(phrase).split()) <= known_words or _stutters(words):
            continue
        seen.add(_key(phrase))
        phrases.append(phrase)
    if phrases and phrases[-1].split()[-1].lower() in _DANGLING:
        phrases.pop()  # "soft light on the": the budget ran out mid-phrase
    return phrases[:MAX_PHRASES]


def clean_sentence(text: str, limit: int) -> str:
    """One line of prose without labels, markup or wrapping quotes, at most `limit` characters
    (cut at a sentence, else a word, boundary)."""
    line = _until_label(_one_line(_MARKUP.sub("", text))).strip(_QUOTES + " ")
    if not any(c.isalpha() for c in line):
        return ""
    return _bounded(line, limit)


def excerpt(text: str, limit: int) -> str:
    """The start of a text as one line of plain words: markdown marks, code blocks and links'
    addresses dropped, cut at a sentence boundary within `limit` characters."""
    text = re.sub(r"```.*?(```|$)", " ", text, flags=re.DOTALL)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)      # [words](address) -> words
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"[*_#>`~|]+", " ", text)
    return _bounded(_one_line(text), limit)


# -- helpers -------------------------------------------------------------------------------------

def _few_shot(header: str, ask: str, answer: str, pairs: Sequence[tuple[str, str]]) -> str:
    return header + "\n\n" + "".join(f"{ask}: {a}\n{answer}: {b}\n\n" for a, b in pairs)


def _story(premise: str, scenes: Sequence[tuple[str, str, str]]) -> str:
    return f"Premise: {premise}\nScenes: {len(scenes)}\n" + "".join(
        _scene_text(i + 1, Scene(*s)) for i, s in enumerate(scenes)) + "\n"


def _scene_text(number: int, scene: Scene) -> str:
    return f"{number}. Title: {scene.title}\nImage: {scene.image_prompt}\nNarration: {scene.narration}\n"


def _same(a: Scene, b: Scene) -> bool:
    return _key(a.image_prompt) == _key(b.image_prompt) or _key(a.narration) == _key(b.narration)


def _seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UserFacingError(f"The seed must be a whole number (got {seed!r}).")
    return seed & SEED_MASK


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _until_label(line: str) -> str:
    found = _LABEL.search(line)
    return line[:found.start()] if found else line


def _bounded(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    sentence = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if sentence >= limit // 4:  # a whole sentence, unless that would drop most of the text
        return cut[:sentence + 1]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _stutters(words: Sequence[str]) -> bool:
    """The same word three times running, or a phrase that is mostly one word: a model loop."""
    lowered = [w.lower() for w in words]
    if any(lowered[i] == lowered[i + 1] == lowered[i + 2] for i in range(len(lowered) - 2)):
        return True
    return len(lowered) >= 4 and max(lowered.count(w) for w in lowered) > len(lowered) / 2
