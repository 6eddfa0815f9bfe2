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
SCENE_TOKENS = 50               # per scene line asked for (a title and one line of narration)
SCENE_IMAGE_EXAMPLES = 5        # worked examples before each scene's image prompt
MAX_TITLE_WORDS = 6
MAX_PHRASES = 9                 # an expansion's added phrases (the typed prompt not counted)
MAX_PHRASE_WORDS = 14
MAX_PROMPT_CHARS = 400          # what the person typed, as the model sees it
MAX_SOURCE_CHARS = 600          # the start of a long text (a chat reply): the context is small
MAX_PREMISE_CHARS = 300
MAX_TITLE_CHARS = 60
MAX_NARRATION_CHARS = 240
MIN_NARRATION_WORDS = 3         # fewer is a fragment, not a line to read aloud
REPEAT_OVERLAP = 0.6            # scenes sharing this much of their words are one scene repeated
SCENE_RETRIES = 3               # asks in a row that add no scene before the missing ones are filled in

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
    opening = expansion_examples(kind) + f"Short: {typed}\nDetailed: {typed},"
    text = complete(opening, ENHANCE_TOKENS, _seed(seed), ["\n", "Short:", "Detailed:"])
    added = clean_phrases(text, known=[typed])
    if not added:
        raise UserFacingError(NOTHING_USABLE.format(what="prompt"))
    return ", ".join([typed, *added])


def expansion_examples(kind: str) -> str:
    """The worked examples every expansion of `kind` starts with (the same text each time, so
    the model's reading of them can be done ahead and kept)."""
    pairs = examples.VIDEO_EXPANSIONS if kind == VIDEO else examples.IMAGE_EXPANSIONS
    return _few_shot(examples.EXPANSION_HEADER[kind], "Short", "Detailed", pairs)


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
    """`n` scenes for a premise, each a title, an image prompt and one line of narration.

    First the story, as numbered "Title: narration" lines. The small model often stops early or
    repeats itself: the rest is asked for again, continuing after the usable lines with the next
    seed, until SCENE_RETRIES asks in a row add nothing (at most n + (n + 1) * SCENE_RETRIES asks).
    Then each line's image prompt, asked on its own. A scene still missing is filled from the
    premise with no narration, and a picture the model could not describe gets the premise;
    both are marked `written=False`, for the person to write."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SCENES:
        raise UserFacingError(f"A storyboard has 1 to {MAX_SCENES} scenes (got {n!r}).")
    premise = _bounded(_one_line(premise), MAX_PREMISE_CHARS).rstrip(" .")
    if not premise:
        raise UserFacingError("Write a premise first: what the story is about.")
    lines = _story_lines(complete, premise, n, seed)
    if not lines:
        raise UserFacingError(NOTHING_USABLE.format(what="premise"))
    scenes = []
    for number, (title, narration) in enumerate(lines, 1):
        opening = _few_shot(examples.SCENE_IMAGE_HEADER, "Scene", "Image prompt", [
            (f"{p}. {t}: {words}", image) for p, story in examples.STORIES for t, image, words in story
        ][:SCENE_IMAGE_EXAMPLES]) + f"Scene: {premise}. {title}: {narration}\nImage prompt:"
        image = ", ".join(clean_phrases(complete(opening, FROM_TEXT_TOKENS, _seed(seed + 1000 + number),
                                                 ["\n", "Scene:", "Image prompt:"])))
        scenes.append(Scene(title, image, narration) if image else Scene(title, premise, narration, written=False))
    while len(scenes) < n:
        scenes.append(Scene(f"Scene {len(scenes) + 1}", premise, "", written=False))
    return scenes


def _story_lines(complete: Complete, premise: str, n: int, seed: int) -> list[tuple[str, str]]:
    """Up to `n` (title, narration) pairs, none repeating another."""
    stories = "".join(f"Premise: {p}\nStory in {len(story)} scenes:\n" +
                      "".join(f"{i}. {title}: {words}\n" for i, (title, _image, words) in enumerate(story, 1)) + "\n"
                      for p, story in examples.STORIES)
    lines: list[tuple[str, str]] = []
    asks = failures = 0
    while len(lines) < n and failures < SCENE_RETRIES:
        start = len(lines) + 1
        opening = (examples.STORY_HEADER + stories + f"Premise: {premise}\nStory in {n} scenes:\n" +
                   "".join(f"{i}. {title}: {words}\n" for i, (title, words) in enumerate(lines, 1)) + f"{start}.")
        text = complete(opening, SCENE_TOKENS * (n - len(lines)), _seed(seed + asks),
                        ["\n\n", "\nPremise:", f"\n{n + 1}."])
        asks += 1
        added = 0
        for title, words in parse_story_lines(f"{start}.{text}"):
            if len(lines) < n and all(_overlap(words, old) < REPEAT_OVERLAP for _title, old in lines):
                lines.append((title or f"Scene {len(lines) + 1}", words))  # its place, not the model's count
                added += 1
        failures = 0 if added else failures + 1
    return lines


# -- parsing and cleaning ------------------------------------------------------------------------

def parse_story_lines(text: str) -> list[tuple[str, str]]:
    """(title, narration) pairs from numbered lines ("3. The answer: Tom wrote back."); tolerant
    of "3)" numbering, spaces, quotes, a missing title ("") and lines the model adds.
    A line with no narration (or a fragment of one or two words) is left out."""
    pairs = []
    for raw in _MARKUP.sub("", text).splitlines():
        numbered = re.match(r"^\s*(\d{1,2})\s*[.):]\s*(.*)$", raw)
        if not numbered:
            continue
        title, _colon, words = numbered.group(2).partition(":")
        if not _colon or len(title.split()) > MAX_TITLE_WORDS:
            title, words = "", numbered.group(2)  # no title: the whole line is the narration
        words = clean_sentence(words, MAX_NARRATION_CHARS)
        title = clean_sentence(title, MAX_TITLE_CHARS).rstrip(".")
        if len(words.split()) >= MIN_NARRATION_WORDS:
            pairs.append((title, words))
    return pairs


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
    if line.count('"') % 2 or line.count("“") != line.count("”"):  # a quote left open: drop them
        line = re.sub(r'["“”]', "", line)
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


def _overlap(a: str, b: str) -> float:
    """Shared words over all words (Jaccard) of two texts."""
    first, second = set(_key(a).split()), set(_key(b).split())
    return len(first & second) / len(first | second) if first | second else 1.0


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
