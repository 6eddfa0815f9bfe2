"""Turn what a person types into a safe FTS5 query (no syntax errors from quotes or operators)."""

import re

_TERM = re.compile(r"\w+", re.UNICODE)


def match_query(text: str) -> str | None:
    """Every word must match, the last one as a prefix so results update while typing."""
    terms = _TERM.findall(text)
    if not terms:
        return None
    quoted = [f'"{t}"' for t in terms]
    quoted[-1] += "*"
    return " ".join(quoted)
