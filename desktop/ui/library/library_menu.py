"""The Library's right-click menu: what can be done with the selected items (open, compare,
reuse, rate, tag, collect, save as a gallery, delete; restore in the Trash; locate the file
of an item that lost it)."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu

from desktop.ui.library.missing_file import ask_locate, missing_relative
from desktop.ui.widgets.hand_off_menu import add_hand_offs

RATING_LABELS = ["No rating", "★", "★★", "★★★", "★★★★", "★★★★★"]


def show_item_menu(panel, where) -> None:
    """The right-click menu over the selected items, at `where` (global coordinates)."""
    menu = QMenu(panel)
    in_trash = panel.collections.in_trash()
    menu.addAction("Open", panel.open_viewer)
    if len(panel.selected_ids()) == 2:
        menu.addAction("Compare side by side", panel.compare_selected)
    if missing_relative(panel.details) is not None:
        menu.addAction("Locate file…", lambda: ask_locate(panel))
    if in_trash:
        menu.addAction("Restore", panel.restore_selected)
        menu.addAction("Delete for good…", panel.delete_selected)
        menu.exec(where)
        return
    menu.addAction("Use these settings", panel._reuse)
    if panel.details is not None and len(panel.selected_ids()) == 1:
        g = panel.details.generation
        clip = g.assets[0]["path"] if g.assets else ""  # the item's own file (a clip before its poster)
        menu.addSeparator()
        add_hand_offs(menu, g.modality, panel.hand_off.emit, g.id, panel.model.absolute(clip) if clip else "",
                      g.output_text if g.modality == "text" else "")
    menu.addSeparator()
    menu.addAction("Favourite", lambda: panel.set_favorite(True))
    menu.addAction("Not a favourite", lambda: panel.set_favorite(False))
    rate = menu.addMenu("Rate")
    for stars, label in enumerate(RATING_LABELS):
        rate.addAction(label, lambda stars=stars: panel.set_rating(stars))
    menu.addAction("Add tag…", panel.ask_tag)
    if panel.details is not None and panel.details.tags:
        untag = menu.addMenu("Remove tag")
        for tag in panel.details.tags:
            untag.addAction(tag, lambda tag=tag: panel.remove_tag(tag))
    collect = menu.addMenu("Add to collection")
    for cid, name in panel.collections.collection_names().items():
        collect.addAction(name, lambda cid=cid: panel.add_to_collection(cid))
    collect.addAction("New collection…", panel.add_to_new_collection)
    if panel.collections.collection_id() is not None:
        menu.addAction("Remove from this collection", panel.remove_from_collection)
    menu.addSeparator()
    menu.addAction("Save as gallery…", lambda: panel.transfer.ask_export(ids=panel.selected_ids()))
    menu.addAction("Delete…", panel.delete_selected)
    menu.exec(where)
