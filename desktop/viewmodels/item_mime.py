"""What a Library item carries when dragged: its files as URLs (for other applications
and for the panels' drop handlers), its prompt as text, and its id for the Library."""

from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QUrl

ITEMS_MIME = "application/x-atelier-items"  # JSON list of generation ids


def items_mime(ids: list[int], files: list[str], text: str) -> QMimeData:
    mime = QMimeData()
    mime.setData(ITEMS_MIME, json.dumps(ids).encode())
    if files:
        mime.setUrls([QUrl.fromLocalFile(f) for f in files])
    if text:
        mime.setText(text)
    return mime


def ids_from_mime(mime) -> list[int]:
    if not mime.hasFormat(ITEMS_MIME):
        return []
    try:
        return [int(i) for i in json.loads(bytes(mime.data(ITEMS_MIME)).decode())]
    except (ValueError, TypeError):
        return []
