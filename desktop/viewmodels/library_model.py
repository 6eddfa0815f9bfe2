"""The Library grid's model: items of every modality, fetched a page at a time through
the store writer as the view scrolls (keyset pages), with thumbnails from the cache."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from desktop.viewmodels.item_mime import ITEMS_MIME, items_mime
from desktop.viewmodels.thumbnails import THUMB_SIDE, ThumbnailCache, placeholder
from desktop.viewmodels.video_thumbnails import HoverFrames
from desktop.store.item_status import FAILED, FINISHED, MISSING, STOPPED
from desktop.store.library_items import LibraryItem, LibraryQuery

ITEM_ROLE = Qt.UserRole + 1
PAGE_SIZE = 200
MODALITY_COLORS = {"text": QColor(70, 110, 160), "image": QColor(90, 90, 90), "audio": QColor(120, 80, 140),
                   "video": QColor(150, 90, 60)}
# An item that did not finish (or lost its file) says so on its tile: a badge before its
# caption and a tile painted with what is left of it (the partial reply, or the reason).
BADGES = {STOPPED: "⏹ Stopped", FAILED: "⚠ Failed", MISSING: "⚠ File missing"}
STATE_COLORS = {STOPPED: QColor(150, 120, 40), FAILED: QColor(160, 60, 60), MISSING: QColor(160, 60, 60)}


class LibraryModel(QAbstractListModel):
    loaded = Signal()

    def __init__(self, store, background, data_dir, parent=None):
        super().__init__(parent)
        self._store = store
        self._data_dir = str(data_dir)
        self.thumbnails = ThumbnailCache(background, parent=self)
        self.thumbnails.ready.connect(self._thumbnail_ready)
        self.hover_frames = HoverFrames(background, THUMB_SIDE, parent=self)
        self.hover_frames.ready.connect(self._thumbnail_ready)
        self.hover_frames.tick.connect(self._thumbnail_ready)
        self._items: list[LibraryItem] = []
        self._rows_by_key: dict[str, int] = {}
        self._cursor = None
        self._exhausted = False
        self._loading = False
        self._query = LibraryQuery()
        self._generation = 0
        self._placeholders = {}

    # -- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        """Only memory lookups here: no disk, no decoding."""
        if not index.isValid() or index.row() >= len(self._items):
            return None
        item = self._items[index.row()]
        state = item.state
        if role == Qt.DisplayRole:
            prompt = " ".join(item.prompt.split())
            mark = "★ " if item.favorite else ""  # curation shows on the tile itself
            badge = f"{BADGES[state]} · " if state != FINISHED else ""
            return badge + mark + ((prompt[:40] + "…") if len(prompt) > 40 else prompt)
        if role == Qt.ToolTipRole:
            stars = f" · {'★' * item.rating}" if item.rating else ""
            tip = f"{item.modality} · {item.model_name}{stars}\n{item.prompt[:300]}"
            return tip if state == FINISHED else f"{BADGES[state]}: {item.reason[:300]}\n{tip}"
        if role == Qt.DecorationRole:
            pixmap = None
            if state != FINISHED and not item.asset_path:
                pixmap = self.thumbnails.get_text_tile(f"text:{item.id}", self._what_is_left(item),
                                                       STATE_COLORS[state])
            elif item.asset_path and item.modality == "video":  # before images: a GIF/WebP clip is image/*
                clip = self.absolute(item.asset_path)
                pixmap = self.hover_frames.current(clip) or self.thumbnails.get_video(clip)
            elif item.asset_path and (item.mime or "").startswith("image/"):
                pixmap = self.thumbnails.get(self.absolute(item.asset_path))
            elif item.asset_path and (item.mime or "").startswith("audio/"):
                pixmap = self.thumbnails.get_waveform_tile(self.absolute(item.asset_path), MODALITY_COLORS["audio"])
            elif item.modality == "text":
                pixmap = self.thumbnails.get_text_tile(f"text:{item.id}", item.snippet or item.prompt,
                                                       MODALITY_COLORS["text"])
            return pixmap if pixmap is not None else self._placeholder(item.modality)
        if role == ITEM_ROLE:
            return item
        return None

    def flags(self, index: QModelIndex):
        flags = super().flags(index)
        return flags | Qt.ItemIsDragEnabled if index.isValid() else flags

    def mimeTypes(self) -> list[str]:
        return [ITEMS_MIME, "text/uri-list", "text/plain"]

    def mimeData(self, indexes) -> QMimeData:
        """Files as URLs (other apps, the panels), prompts as text, ids for collections."""
        items = [self._items[i.row()] for i in indexes if i.isValid()]
        files = [self.absolute(i.asset_path) for i in items if i.asset_path]
        return items_mime([i.id for i in items], files, "\n\n".join(i.prompt for i in items))

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        ticket, query, cursor = self._generation, self._query, self._cursor
        self._store.submit(lambda lib: lib.items.page(query, cursor, PAGE_SIZE),
                           lambda page: self._append(ticket, page))

    # -- what the panel calls -----------------------------------------------------------

    def set_query(self, query: LibraryQuery) -> None:
        """Start over with new filters; stale pages still in flight are dropped."""
        self._generation += 1
        self.beginResetModel()
        self._items, self._rows_by_key = [], {}
        self._query, self._cursor, self._exhausted, self._loading = query, None, False, False
        self.endResetModel()
        self.fetchMore()

    def refresh(self) -> None:
        self.set_query(self._query)

    @property
    def loading(self) -> bool:
        return self._loading

    def absolute(self, relative: str) -> str:
        return f"{self._data_dir}/{relative}"

    def hover(self, row: int) -> None:
        """The mouse is over `row` (-1: over nothing): a video item there cycles a few frames."""
        item = self._items[row] if 0 <= row < len(self._items) else None
        video = item is not None and item.modality == "video" and item.asset_path
        self.hover_frames.hover(self.absolute(item.asset_path) if video else "")

    def item(self, row: int) -> LibraryItem:
        return self._items[row]

    def patch(self, ids: set[int], **fields) -> None:
        """Change shown items in place (a new rating, a favourite): no reload, no scroll jump."""
        for row, item in enumerate(self._items):
            if item.id in ids:
                self._items[row] = replace(item, **fields)
                self.dataChanged.emit(self.index(row), self.index(row))

    # -- arrivals ---------------------------------------------------------------------------

    def _append(self, ticket: int, page) -> None:
        if ticket != self._generation:
            return
        self._loading = False
        if page.items:
            first = len(self._items)
            self.beginInsertRows(QModelIndex(), first, first + len(page.items) - 1)
            for offset, item in enumerate(page.items):
                key = self.absolute(item.asset_path) if item.asset_path else f"text:{item.id}"
                self._rows_by_key[key] = first + offset
            self._items.extend(page.items)
            self.endInsertRows()
        self._cursor = page.cursor
        self._exhausted = page.cursor is None
        self.loaded.emit()

    def _thumbnail_ready(self, key: str) -> None:
        row = self._rows_by_key.get(key)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.DecorationRole])

    @staticmethod
    def _what_is_left(item: LibraryItem) -> str:
        """A stopped reply's partial text, else the badge and the reason."""
        if item.state == STOPPED and item.snippet:
            return item.snippet
        return f"{BADGES[item.state]}: {item.reason}"

    def _placeholder(self, modality: str):
        if modality not in self._placeholders:
            self._placeholders[modality] = placeholder(modality, MODALITY_COLORS.get(modality, QColor(100, 100, 100)))
        return self._placeholders[modality]
