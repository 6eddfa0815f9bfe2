"""Each panel's prompt history: the distinct prompts it was given, newest first,
searchable with the same full-text index as the Library."""

from __future__ import annotations

from desktop.store.fts import match_query


def recent_prompts(conn, modality: str, kinds: list[str], text: str = "", limit: int = 200) -> list[str]:
    where, args = ["g.modality = ?", "g.prompt != ''"], [modality]
    if kinds:
        where.append(f"g.kind IN ({','.join('?' * len(kinds))})")
        args += kinds
    query = match_query(text) if text.strip() else None
    if query is not None:
        where.append("g.id IN (SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?)")
        args.append(query)
    rows = conn.execute(f"SELECT g.prompt FROM generations g WHERE {' AND '.join(where)}"
                        " GROUP BY g.prompt ORDER BY MAX(g.id) DESC LIMIT ?", (*args, limit))
    return [r[0] for r in rows]
