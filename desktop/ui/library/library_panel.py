"""The Library: everything made, in every modality, in one grid, with the user's
collections and the trash beside it. Search as you type and filter; look at an item large
or compare two; favourite, rate, tag, collect, delete (with undo); send an item back to
its panel; drag items out as files; save and import galleries. Pages, thumbnails, images
and every database call run off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QItemSelection, QItemSelectionModel, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QLabel, QLineEdit, QListView,
                               QMenu, QPushButton, QSplitter, QTextBrowser, QToolButton, QVBoxLayout, QWidget)

from desktop.store.changes import CHOICES, ITEMS
from desktop.viewmodels.library_model import ITEM_ROLE, LibraryModel
from desktop.viewmodels.thumbnails import THUMB_SIDE
from desktop.ui.library.collection_list import CollectionList
from desktop.ui.library.gallery_transfer import GalleryTransfer
from desktop.ui.library.grid_hover import GridHover
from desktop.ui.library.item_details import details_html
from desktop.ui.library.item_finder import ItemFinder
from desktop.ui.library.library_filters import LibraryFilters
from desktop.ui.library.library_actions import LibraryActions
from desktop.ui.library.library_menu import RATING_LABELS, show_item_menu
from desktop.ui.library.missing_file import missing_relative


class LibraryPanel(LibraryActions, QWidget):
    reuse_requested = Signal(object)          # a Generation: its settings back to its panel
    image_prompt_requested = Signal(str)      # an image file for img2img
    hand_off = Signal(object)                 # a HandOff from the menu: the item to another studio

    def __init__(self, services, theme, parent=None):
        super().__init__(parent)
        self.services, self.theme = services, theme
        self.model = LibraryModel(services.store, services.background, services.layout.root, self)
        self.transfer = GalleryTransfer(services, self)
        self.finder = ItemFinder(self)  # follows the details' "Made from" / "Used in" links
        self.details = None  # the current item's ItemDetails
        self.undo_stack: list[list[int]] = []
        self._viewers = []
        self._reselect: tuple[list[int], int | None] = ([], None)
        self._build()
        self._connect()
        self.apply_filters()

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.filters = LibraryFilters()
        self.count = QLabel()
        self.gallery_button = QToolButton(text="Gallery ▾", popupMode=QToolButton.InstantPopup)
        # The style's own arrow is drawn over the text's last letters: the ▾ in the text says it.
        self.gallery_button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        menu = QMenu(self.gallery_button)
        menu.addAction("Save selection as gallery…", lambda: self.transfer.ask_export(ids=self.selected_ids()))
        menu.addAction("Save this collection as gallery…", self._export_collection)
        menu.addSeparator()
        menu.addAction("Import gallery (.zip)…", lambda: self.transfer.ask_import(folder=False))
        menu.addAction("Import gallery folder…", lambda: self.transfer.ask_import(folder=True))
        self.gallery_button.setMenu(menu)
        top = QHBoxLayout()
        top.addWidget(self.filters, 1)
        top.addWidget(self.count)
        top.addWidget(self.gallery_button)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.undo_button = QPushButton("Undo delete")
        self.undo_button.setToolTip("Ctrl+Z")
        self.undo_button.setEnabled(False)
        self.undo_button.setVisible(False)  # shown once there is something to undo
        self.status.setVisible(False)
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.undo_button)

        self.collections = CollectionList()
        self.new_collection = QPushButton("New collection…")
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addWidget(self.collections, 1)
        left_column.addWidget(self.new_collection)

        self.grid = QListView()
        self.grid.setModel(self.model)
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setUniformItemSizes(True)  # no per-item size queries while scrolling
        self.grid.setLayoutMode(QListView.Batched)  # long pages are laid out in slices, between paints
        self.grid.setBatchSize(100)
        self.grid.setIconSize(QSize(THUMB_SIDE, THUMB_SIDE))
        self.grid.setGridSize(QSize(THUMB_SIDE + 24, THUMB_SIDE + 40))
        self.grid.setSelectionMode(QListView.ExtendedSelection)
        self.grid.setMovement(QListView.Static)
        self.grid.setWordWrap(True)
        self.grid.setDragEnabled(True)
        self.grid.setDragDropMode(QAbstractItemView.DragOnly)
        self.grid.setContextMenuPolicy(Qt.CustomContextMenu)
        self.grid_hover = GridHover(self.grid, self.model)

        self.info = QTextBrowser()
        self.info.setOpenLinks(False)
        self.info.anchorClicked.connect(self.finder.follow)
        self.favorite_button = QPushButton("☆ Favourite", checkable=True)
        self.rating = QComboBox()
        self.rating.addItems(RATING_LABELS)
        self.tag_input = QLineEdit()
        self.tag_input.setPlaceholderText("Add a tag and press Enter")
        self.open_button = QPushButton("Open")
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Select two items to see them side by side")
        self.reuse_button = QPushButton("Use these settings")
        self.image_prompt_button = QPushButton("Use as image prompt")
        self.copy_prompt = QPushButton("Copy prompt")
        self.copy_seed = QPushButton("Copy seed")
        self.open_folder = QPushButton("Show file")
        self.delete_button = QPushButton("Delete")
        self.restore_button = QPushButton("Restore")
        self.empty_trash_button = QPushButton("Empty trash…")
        side = QWidget()
        side_column = QVBoxLayout(side)
        side_column.setContentsMargins(0, 0, 0, 0)
        side_column.addWidget(self.info, 1)
        for row in ((self.favorite_button, self.rating), (self.tag_input,),
                    (self.open_button, self.compare_button), (self.reuse_button, self.image_prompt_button),
                    (self.copy_prompt, self.copy_seed, self.open_folder),
                    (self.delete_button, self.restore_button, self.empty_trash_button)):
            line = QHBoxLayout()
            for widget in row:
                line.addWidget(widget)
            side_column.addLayout(line)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.grid)
        splitter.addWidget(side)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 700, 330])
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addLayout(top)
        column.addLayout(status_row)
        column.addWidget(splitter, 1)
        self._show_details(None)

    def _connect(self) -> None:
        self.filters.changed.connect(self.apply_filters)
        self.collections.chosen.connect(self.apply_filters)
        self.collections.create_requested.connect(self.create_collection)
        self.collections.rename_requested.connect(self.rename_collection)
        self.collections.delete_requested.connect(self.delete_collection)
        self.collections.items_dropped.connect(lambda cid, ids: self.add_to_collection(cid, ids))
        self.new_collection.clicked.connect(self.collections.ask_new)
        self.model.loaded.connect(self._on_loaded)
        self.grid.selectionModel().selectionChanged.connect(lambda *_: self._on_selection())
        self.grid.selectionModel().currentChanged.connect(lambda *_: self._on_selection())
        self.grid.doubleClicked.connect(lambda _index: self.open_viewer())
        self.grid.customContextMenuRequested.connect(self._context_menu)
        self.favorite_button.clicked.connect(self.set_favorite)
        self.rating.activated.connect(self.set_rating)
        self.tag_input.returnPressed.connect(lambda: (self.add_tag(self.tag_input.text()), self.tag_input.clear()))
        self.open_button.clicked.connect(self.open_viewer)
        self.compare_button.clicked.connect(self.compare_selected)
        self.reuse_button.clicked.connect(self._reuse)
        self.image_prompt_button.clicked.connect(self._use_as_image_prompt)
        self.copy_prompt.clicked.connect(lambda: self._copy("prompt"))
        self.copy_seed.clicked.connect(lambda: self._copy("seed"))
        self.open_folder.clicked.connect(self._open_folder)
        self.delete_button.clicked.connect(self.delete_selected)
        self.restore_button.clicked.connect(self.restore_selected)
        self.empty_trash_button.clicked.connect(lambda: self.delete_forever(None))
        self.undo_button.clicked.connect(self.undo_delete)
        for keys, action in ((QKeySequence.Delete, self.delete_selected), (Qt.Key_Return, self.open_viewer),
                             (Qt.Key_Space, self.open_viewer)):
            QShortcut(QKeySequence(keys), self.grid, action, context=Qt.WidgetShortcut)
        QShortcut(QKeySequence.Undo, self, self.undo_delete, context=Qt.WidgetWithChildrenShortcut)
        self.transfer.finished.connect(self.show_status)
        self.transfer.failed.connect(lambda message: self.show_status(message, error=True))
        QCoreApplication.instance().aboutToQuit.connect(self.transfer.shutdown)
        self.services.store.changed.connect(self._on_library_changed)

    # -- filters and reloading -------------------------------------------------------------

    def query(self):
        return self.filters.query(self.collections.collection_id(), self.collections.in_trash())

    def apply_filters(self) -> None:
        in_trash = self.collections.in_trash()
        self.restore_button.setVisible(in_trash)
        self.empty_trash_button.setVisible(in_trash)
        self.delete_button.setText("Delete for good…" if in_trash else "Delete")
        self._remember_selection()
        self.model.set_query(self.query())

    def reload(self, choices: bool = False, grid: bool = True) -> None:
        """After a change: the grid, the details, and the filter and collection choices when
        they may differ."""
        if choices:
            self.services.store.submit(
                lambda lib: (lib.items.model_names(), lib.items.tag_names(), lib.items.collections()),
                self._set_choices)
        if grid:
            self._remember_selection()
            self.model.refresh()
        self._on_selection()

    def _remember_selection(self) -> None:
        """Kept across reloads (a reload still loading has already emptied the grid)."""
        ids, current_id = self.selected_ids(), self._current_id()
        if ids or current_id is not None:
            self._reselect = (ids, current_id)

    def _current_id(self) -> int | None:
        current = self.grid.currentIndex()
        return current.data(ITEM_ROLE).id if current.isValid() else None

    def _on_loaded(self) -> None:
        self._update_count()
        ids, current_id = self._reselect
        self._reselect = ([], None)
        if not ids and current_id is None:
            return
        # A change (rating, tag…) reloads the grid: the same items stay selected.
        wanted = set(ids)
        selection = QItemSelection()
        for row in range(self.model.rowCount()):
            item_id = self.model.item(row).id
            if item_id in wanted:
                selection.select(self.model.index(row), self.model.index(row))
            if item_id == current_id:
                self.grid.selectionModel().setCurrentIndex(self.model.index(row), QItemSelectionModel.NoUpdate)
        self.grid.selectionModel().select(selection, QItemSelectionModel.ClearAndSelect)

    def _set_choices(self, choices) -> None:
        models, tags, collections = choices
        self.filters.set_choices(models, tags)
        self.collections.set_collections(collections)

    def _update_count(self) -> None:
        more = "+" if self.model.canFetchMore() else ""
        self.count.setText(f"{self.model.rowCount()}{more} items")

    def _on_library_changed(self, what) -> None:
        """Any view's or job's change (this panel's own actions already updated what it shows);
        hidden, the panel reloads when it is shown again."""
        if what.source is self or not self.isVisible():
            return
        if ITEMS in what:
            self.reload(choices=True)
        elif CHOICES in what:
            self.reload(choices=True, grid=False)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.reload(choices=True)

    def show_status(self, message: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #d9534f" if error else "")
        self.status.setText(message)
        self.status.setVisible(bool(message))

    # -- the selection -------------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.grid.selectionModel().selectedIndexes())
        return [self.model.item(row).id for row in rows]

    def _on_selection(self) -> None:
        ids = self.selected_ids()
        current = self.grid.currentIndex()
        item_id = ids[0] if len(ids) == 1 else (current.data(ITEM_ROLE).id if current.isValid() and ids else None)
        self.compare_button.setEnabled(len(ids) == 2)
        if item_id is None:
            self._show_details(None)
            return
        self.services.store.submit(lambda lib: lib.items.details(item_id), self._show_details)

    def _show_details(self, details) -> None:
        self.details = details
        has = details is not None
        in_trash = self.collections.in_trash()
        for widget in (self.favorite_button, self.rating, self.tag_input, self.open_button, self.copy_prompt,
                       self.copy_seed, self.open_folder, self.delete_button, self.restore_button):
            widget.setEnabled(has)
        for widget in (self.reuse_button, self.image_prompt_button):
            widget.setEnabled(has and not in_trash)
        count = len(self.selected_ids())
        if not has:
            self.info.setHtml("<p style='color:gray'>Select an item to see how it was made. Double-click "
                              "to look at it large; drag items onto a collection, a panel or another app.</p>")
            return
        g = details.generation
        self.image_prompt_button.setEnabled(has and not in_trash and self._image_asset() is not None)
        self.favorite_button.setChecked(bool(g.favorite))
        self.favorite_button.setText("★ Favourite" if g.favorite else "☆ Favourite")
        self.rating.setCurrentIndex(g.rating or 0)
        header = f"<p><b>{count} items selected</b>; shown: the current one.</p>" if count > 1 else ""
        self.info.setHtml(header + details_html(details, links=True))

    def _image_asset(self):
        if self.details is None:
            return None
        g = self.details.generation
        assets = g.assets[1:] if g.modality == "video" else g.assets  # a clip's poster, not a GIF clip itself
        return next((a for a in assets if a["mime"].startswith("image/")), None)

    def _context_menu(self, position) -> None:
        if self.selected_ids():
            show_item_menu(self, self.grid.viewport().mapToGlobal(position))

    # -- looking at items ------------------------------------------------------------------------

    def open_viewer(self) -> None:
        from desktop.ui.library.item_viewer import ItemViewer

        if self.details is None:
            return
        viewer = ItemViewer(self.services.background, self.model.absolute, self._step_viewer, self.theme.dark, self)
        viewer.setAttribute(Qt.WA_DeleteOnClose)
        viewer.pane.frame_prompt.connect(self.image_prompt_requested)
        viewer.destroyed.connect(lambda: self._viewers.remove(viewer) if viewer in self._viewers else None)
        self._viewers.append(viewer)
        viewer.show_item(self.details)
        viewer.show()

    def _step_viewer(self, direction: int) -> None:
        """←/→ in the viewer move the grid's current item, and the viewer follows it."""
        row = self.grid.currentIndex().row() + direction
        if 0 <= row < self.model.rowCount():
            self.grid.setCurrentIndex(self.model.index(row))
            item_id = self.model.item(row).id
            viewers = list(self._viewers)
            self.services.store.submit(lambda lib: lib.items.details(item_id),
                                       lambda details: [v.show_item(details) for v in viewers if details])

    def compare_selected(self) -> None:
        from desktop.ui.library.item_viewer import CompareViewer

        ids = self.selected_ids()
        if len(ids) != 2:
            self.show_status("Select exactly two items to compare them.", error=True)
            return
        viewer = CompareViewer(self.services.background, self.model.absolute, self.theme.dark, self)
        viewer.setAttribute(Qt.WA_DeleteOnClose)
        self.compare_viewer = viewer
        self.services.store.submit(lambda lib: [lib.items.details(i) for i in ids],
                                   lambda both: (viewer.show_items(*both), viewer.show()))

    # -- reuse ---------------------------------------------------------------------------------

    def _reuse(self) -> None:
        if self.details is not None:
            self.reuse_requested.emit(self.details.generation)

    def _use_as_image_prompt(self) -> None:
        asset = self._image_asset()
        if asset is not None:
            self.image_prompt_requested.emit(self.model.absolute(asset["path"]))

    def _copy(self, what: str) -> None:
        if self.details is not None:
            g = self.details.generation
            QGuiApplication.clipboard().setText(g.prompt if what == "prompt" else str(g.seed or ""))
            self.show_status("Prompt copied." if what == "prompt" else f"Seed {g.seed} copied.")

    def _open_folder(self) -> None:
        if self.details is None or not self.details.generation.assets:
            lost = missing_relative(self.details)
            self.show_status(f"{lost} is missing: right-click the item and choose “Locate file…”." if lost
                             else "This item has no file: its text is in the Library.", error=bool(lost))
            return
        current = self.grid.currentIndex().data(ITEM_ROLE)
        relative = current.asset_path if current is not None and current.asset_path else \
            self.details.generation.assets[0]["path"]
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.model.absolute(relative)).parent)))

    def _export_collection(self) -> None:
        cid = self.collections.collection_id()
        if cid is None:
            self.show_status("Choose a collection on the left first (or select items and save the selection).",
                             error=True)
            return
        self.transfer.ask_export(collection=self.collections.collection_names()[cid])
