"""A1111's prompt syntax and chunking, read without torch or a tokenizer model: the cases of
A1111's own parse_prompt_attention docstring, escapes, BREAK, odd weights, 75-token chunks
with A1111's comma wrap, and the counter's numbers."""

import pytest

from desktop.core.prompt_chunks import (CHUNK_TOKENS, MAX_CHUNKS, TokenCount, chunk_prompt, count_tokens,
                                        estimate_tokens, framed)
from desktop.core.prompt_syntax import is_weighted, parse_prompt_attention


def pairs(text):
    return [[f.text, f.weight] if not f.is_break else ["BREAK", -1] for f in parse_prompt_attention(text)]


@pytest.mark.parametrize("text, expected", [  # A1111 modules/prompt_parser.py, parse_prompt_attention's doctest
    ("normal text", [["normal text", 1.0]]),
    ("an (important) word", [["an ", 1.0], ["important", 1.1], [" word", 1.0]]),
    ("(unbalanced", [["unbalanced", 1.1]]),
    (r"\(literal\]", [["(literal]", 1.0]]),
    ("(unnecessary)(parens)", [["unnecessaryparens", 1.1]]),
    ("a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).",
     [["a ", 1.0], ["house", 1.5730000000000004], [" ", 1.1], ["on", 1.0], [" a ", 1.1], ["hill", 0.55],
      [", sun, ", 1.1], ["sky", 1.4641000000000006], [".", 1.1]]),
])
def test_a1111s_own_examples(text, expected):
    assert pairs(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("[word]", [["word", 1 / 1.1]]),
    ("[[word]]", [["word", 1 / 1.1 / 1.1]]),
    ("((word))", [["word", 1.1 * 1.1]]),
    ("(word:1.3)", [["word", 1.3]]),
    ("(word : 1.3) rest", [["word ", 1.3], [" rest", 1.0]]),     # spaces around the number (A1111 1.7+)
    ("(word:-0.5)", [["word", -0.5]]),
    ("((word:1.2))", [["word", 1.2 * 1.1]]),
    ("[(word:1.5)]", [["word", 1.5 / 1.1]]),
    ("unopened) and ]", [["unopened) and ]", 1.0]]),            # a closing bracket alone is text
    ("x:1.3) y", [["x:1.3) y", 1.0]]),
    ("time: 12:30", [["time: 12:30", 1.0]]),                     # colons outside a group are text
])
def test_brackets_weights_and_plain_colons(text, expected):
    got = pairs(text)
    assert [t for t, _ in got] == [t for t, _ in expected]
    assert [w for _, w in got] == pytest.approx([w for _, w in expected])


@pytest.mark.parametrize("text, expected", [
    (r"a \(b\) c", [["a (b) c", 1.0]]),
    (r"\[b\]", [["[b]", 1.0]]),
    (r"back\\slash", [["back\\slash", 1.0]]),
    (r"(\(x\):1.2)", [["(x)", 1.2]]),                              # escaped brackets inside a weighted group
    (r"a \ b", [["a  b", 1.0]]),                                   # a lone backslash is dropped, as in A1111
])
def test_escaped_brackets_are_text(text, expected):
    assert pairs(text) == expected


def test_break_splits_and_is_not_weighted():
    assert pairs("a cat BREAK a dog") == [["a cat", 1.0], ["BREAK", -1], ["a dog", 1.0]]
    assert pairs("(a BREAK b)") == [["a", 1.1], ["BREAK", -1], ["b", 1.1]]
    assert pairs("BREAKFAST") == [["BREAKFAST", 1.0]]             # a word, not the keyword
    assert pairs("break") == [["break", 1.0]]


def test_numbers_that_are_no_weight_stay_text():
    assert pairs("(a:.)") == [["a:.", 1.1]]                        # A1111 would raise here
    assert pairs("(a:1.2.3)") == [["a:1.2.3", 1.1]]
    assert pairs("(a:" + "9" * 400 + ")")[0][1] == 1.1             # 1e400 is no finite weight


def test_empty_and_weighted():
    assert pairs("") == [["", 1.0]]
    assert not is_weighted(parse_prompt_attention("plain words, \\(escaped\\)"))
    assert is_weighted(parse_prompt_attention("a [b]"))


def word_ids(texts):
    """A stand-in tokenizer: one token per word, ',' its own token (id 0)."""
    vocabulary = {}
    out = []
    for text in texts:
        words = text.replace(",", " , ").split()
        out.append([0 if w == "," else vocabulary.setdefault(w, len(vocabulary) + 1) for w in words])
    return out


def test_chunks_of_75_and_a1111s_count():
    prompt = " ".join(f"w{i}" for i in range(80))
    chunked = chunk_prompt(prompt, word_ids)
    assert [len(c.tokens) for c in chunked.chunks] == [75, 5]
    assert chunked.token_count == 80 and not chunked.weighted
    assert count_tokens(prompt, word_ids) == TokenCount(80, 2)
    assert count_tokens(" ".join(["w"] * 75), word_ids) == TokenCount(75, 1)
    assert count_tokens(" ".join(["w"] * 76), word_ids) == TokenCount(76, 2)
    assert count_tokens("", word_ids) == TokenCount(0, 1)


def test_weights_follow_their_tokens_across_chunks():
    prompt = " ".join(["w"] * 74) + " (heavy heavier:1.5) [light]"
    chunked = chunk_prompt(prompt, word_ids)
    assert chunked.weighted
    assert chunked.chunks[0].weights[-1] == 1.5 and chunked.chunks[1].weights == [1.5, pytest.approx(1 / 1.1)]


def test_break_starts_a_new_chunk_and_counts_the_padding_as_a1111_does():
    chunked = chunk_prompt("a cat BREAK a dog", word_ids)
    assert [len(c.tokens) for c in chunked.chunks] == [2, 2]
    assert chunked.token_count == CHUNK_TOKENS + 2   # A1111 shows 77/150
    assert chunk_prompt("BREAK a", word_ids).chunks[0].tokens == []


def test_a_phrase_after_a_near_comma_moves_to_the_next_chunk():
    """A1111's default word wrap: the chunk is full within 20 tokens of a comma."""
    prompt = " ".join(["w"] * 70) + ", " + " ".join(["x"] * 10)
    chunked = chunk_prompt(prompt, word_ids, comma_token=0)
    assert [len(c.tokens) for c in chunked.chunks] == [71, 10]   # 70 words and the comma; then the phrase
    assert chunked.token_count == CHUNK_TOKENS + 10
    far = " ".join(["w"] * 30) + ", " + " ".join(["x"] * 60)     # the comma is 45 tokens back: no wrap
    assert [len(c.tokens) for c in chunk_prompt(far, word_ids, comma_token=0).chunks] == [75, 16]
    assert [len(c.tokens) for c in chunk_prompt(prompt, word_ids).chunks] == [75, 6]  # no comma token known


def test_a_chunk_is_framed_to_77_with_the_models_padding():
    chunk = chunk_prompt("a (b:2)", word_ids).chunks[0]
    ids, weights = framed(chunk, start=100, end=101, pad=0)
    assert len(ids) == len(weights) == 77
    assert ids[:4] == [100, 1, 2, 101] and set(ids[4:]) == {0}
    assert weights[:4] == [1.0, 1.0, 2.0, 1.0] and set(weights[4:]) == {1.0}


def test_the_estimate_counts_words_not_syntax():
    assert estimate_tokens("a red cat") == TokenCount(3, 1, exact=False)
    assert estimate_tokens("((a red cat:1.3))").tokens == 3
    assert estimate_tokens("cat, dog. 2024").tokens == 8              # digits are single tokens in CLIP
    assert estimate_tokens("supercalifragilistic").tokens > 1
    assert estimate_tokens(" ".join(["word"] * 100)).chunks == 2


def test_labels_say_tokens_chunks_and_the_limit():
    assert TokenCount(83, 2).label() == "83 tokens · 2 chunks" and TokenCount(83, 2).capacity == 150
    assert TokenCount(1, 1, exact=False).label() == "≈ 1 tokens · 1 chunk"
    over = TokenCount(MAX_CHUNKS * CHUNK_TOKENS + 1, MAX_CHUNKS + 1)
    assert over.over_limit and over.label().endswith(f"only the first {MAX_CHUNKS * CHUNK_TOKENS} are read")
