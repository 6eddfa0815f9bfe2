"""Following a lineage link of the details pane to its item: the item is selected in the grid
(which shows its details) and scrolled to. The grid loads pages as it scrolls, so an item the
grid's query shows but has not loaded yet is reached by loading pages up to it (at most
MAX_PAGES); an item the search, filters, collection or trash view hide — or one beyond those
pages — is shown in the details pane alone, and the status line says why it is not in the grid."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QObject, QUrl

from desktop.ui.library.item_details import item_link

MAX_PAGES = 50   # 10,000 items at 200 a page


class ItemFinder(QObject):
    def __init__(self, panel):
        super().__init__(panel)
        self.panel = panel
        self.target: int | None = None
        self.pages = 0
        panel.model.loaded.connect(self._on_loaded)

    def follow(self, url: QUrl) -> None:
        """An anchor of the details pane was clicked."""
        item_id = item_link(url.toString())
        if item_id is not None:
            self.show_item(item_id)

    def show_item(self, item_id: int) -> None:
        self.target, self.pages = None, 0
        if self._select(item_id):
            return
        query = self.panel.query()
        self.panel.services.store.submit(lambda lib: lib.items.contains(query, item_id),
                                         lambda shown: self._search(item_id, shown))

    def _search(self, item_id: int, shown: bool) -> None:
        if self._select(item_id):  # a page that arrived meanwhile had it
            return
        if shown and self.panel.model.canFetchMore():
            self.target = item_id
            self.panel.model.fetchMore()
        elif shown and self.panel.model.loading:
            self.target = item_id  # the page on its way may hold it
        else:
            self._show_alone(item_id, hidden=not shown)

    def _on_loaded(self) -> None:
        item_id = self.target
        if item_id is None or self._select(item_id):
            return
        self.pages += 1
        if self.pages < MAX_PAGES and self.panel.model.canFetchMore():
            self.panel.model.fetchMore()
        else:
            self._show_alone(item_id, hidden=False)

    def _select(self, item_id: int) -> bool:
        model, grid = self.panel.model, self.panel.grid
        for row in range(model.rowCount()):
            if model.item(row).id == item_id:
                self.target = None
                index = model.index(row)
                grid.selectionModel().setCurrentIndex(index, QItemSelectionModel.ClearAndSelect)
                grid.scrollTo(index)
                self.panel.show_status("")
                return True
        return False

    def _show_alone(self, item_id: int, hidden: bool) -> None:
        """Its details in the pane without it being in the grid: the grid's selection is cleared,
        so the pane and the selection do not disagree."""
        self.target = None
        panel = self.panel

        def show(details) -> None:
            if details is None:
                panel.show_status(f"Item #{item_id} is no longer in the library.", error=True)
                return
            panel.grid.selectionModel().clearSelection()
            panel._show_details(details)  # the panel's own way of showing an item
            panel.show_status(f"#{item_id} is not in the grid: the search, filters, collection or trash view hide "
                              "it. Its details are shown here." if hidden else
                              f"#{item_id} is far down the grid: its details are shown here.")

        panel.services.store.submit(lambda lib: lib.items.details(item_id), show)
