"""Turn what a person types into a safe FTS5 query (no syntax errors from quotes or
operators), and keep the list of known words that makes typing-as-you-search fast.

The last word is a prefix while typing. FTS5 answers a prefix from its prefix index only
for the first 1-3 characters; a longer prefix ("lightho") makes it merge the whole doclist
of every matching word, which grows with the library. So a longer prefix is expanded into
the known words it starts (a B-tree range in `search_terms`) and searched as "word OR
word", which FTS5 walks lazily newest-first and stops after a page."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

_TERM = re.compile(r"\w+", re.UNICODE)
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)   # unicode61 splits on underscores too
PREFIX_INDEXED = 3   # prefix='1 2 3' in migration 1
MAX_EXPANSION = 32   # more known words than this: let FTS5 merge the prefix itself


def fold(word: str) -> str:
    """What the unicode61 tokenizer (remove_diacritics 2) stores for a word."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms_of(*texts: str) -> set[str]:
    return {fold(token) for text in texts if text for token in _TOKEN.findall(text)}


def remember_terms(conn, *texts: str) -> None:
    terms = terms_of(*texts)
    if terms:
        conn.executemany("INSERT OR IGNORE INTO search_terms (term) VALUES (?)", [(t,) for t in terms])


def sync_terms(conn) -> None:
    """Add every word the full-text index holds (after bulk loads, or to correct any word
    the Python tokenizer split differently from SQLite's)."""
    conn.execute("INSERT OR IGNORE INTO search_terms (term) SELECT term FROM generations_fts_vocab")


def known_terms(conn, prefix: str) -> list[str] | None:
    """Known words starting with prefix, or None when there are too many to list."""
    rows = conn.execute("SELECT term FROM search_terms WHERE term >= ? AND term < ? LIMIT ?",
                        (prefix, prefix + "\U0010ffff", MAX_EXPANSION + 1)).fetchall()
    return None if len(rows) > MAX_EXPANSION else [r[0] for r in rows]


def match_query(text: str, expand: Callable[[str], list[str] | None] | None = None) -> str | None:
    """Every word must match, the last one as a prefix so results update while typing."""
    terms = _TERM.findall(text)
    if not terms:
        return None
    quoted = [f'"{t}"' for t in terms]
    last = fold(terms[-1])
    words = expand(last) if expand is not None and len(last) > PREFIX_INDEXED and '"' not in last else None
    if words is None:
        quoted[-1] += "*"
    elif words:
        quoted[-1] = "(" + " OR ".join(f'"{w}"' for w in words) + ")"
    else:
        quoted[-1] += "*"  # no known word: FTS5 finds nothing quickly anyway
    return " AND ".join(quoted)
