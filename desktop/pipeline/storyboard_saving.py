"""Storyboards in the library: saved (with their collection kept in step) and read back with
only the pieces still there. Every call is one `store.call`, so it runs on the library's
single writer in the window and directly in the command line."""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import UserFacingError
from desktop.pipeline.storyboard import PIECES, Storyboard
from desktop.pipeline.store_access import StoreAccess
from desktop.store.storyboards import StoryboardRepository, finished_files

COLLECTION_TITLE_CHARS = 48


def save(store: StoreAccess, board: Storyboard) -> int:
    """Write the storyboard (a new one gets its row and its own collection) and make its
    collection hold exactly its current items: pieces it no longer uses (remade ones, the old
    final video) leave the collection but stay in the library. Sets and returns `board.id`."""

    def write(lib) -> int:
        repository = StoryboardRepository(lib.conn)
        before = repository.get(board.id) if board.id is not None else None
        if board.collection_id is None or not _collection_exists(lib, board.collection_id):
            board.collection_id = lib.items.create_collection(_free_name(lib, board.premise))
        board.id = repository.save(board.id, board.premise, board.collection_id, board.plan())
        current = board.item_ids()
        if before is not None:
            old = Storyboard.from_plan(before.premise, before.plan).item_ids()
            lib.items.remove_from_collection(board.collection_id, [i for i in old if i not in current])
        lib.items.add_to_collection(board.collection_id, current)
        return board.id

    return store.call(write)


def load(store: StoreAccess, storyboard_id: int) -> Storyboard:
    """The saved storyboard, without the pieces that were deleted, failed or lost their file
    since (they are made again at the next run)."""

    def read(lib):
        saved = StoryboardRepository(lib.conn).get(storyboard_id)
        if saved is None:
            raise UserFacingError(f"Storyboard {storyboard_id} is not in this library any more.")
        board = Storyboard.from_plan(saved.premise, saved.plan, saved.id, saved.collection_id)
        forget_vanished(board, set(_present(lib, board)))
        return board

    return store.call(read)


def recent(store: StoreAccess) -> list[tuple[int, str, float]]:
    """(id, premise, updated_at) of the saved storyboards, the last changed first."""
    return store.call(lambda lib: StoryboardRepository(lib.conn).recent())


def piece_files(store: StoreAccess, board: Storyboard) -> dict[int, Path]:
    """{item id: absolute path} of the storyboard's items that are there to use."""

    return store.call(lambda lib: _present(lib, board))


def _present(lib, board: Storyboard) -> dict[int, Path]:
    root = lib.layout.root
    return {gid: root / rel for gid, rel in finished_files(lib.conn, board.item_ids()).items()
            if (root / rel).is_file()}


def forget_vanished(board: Storyboard, present: set[int]) -> None:
    """Drop the ids whose item is not in `present` (finished, not in the trash, file there)."""
    for scene in board.scenes:
        for piece in PIECES:
            if scene.item(piece) is not None and scene.item(piece) not in present:
                scene.items.pop(piece)
                board.final_id = None
    if board.music_id is not None and board.music_id not in present:
        board.music_id, board.final_id = None, None
    if board.final_id is not None and board.final_id not in present:
        board.final_id = None


def _collection_exists(lib, collection_id: int) -> bool:
    return any(cid == collection_id for cid, _name, _count in lib.items.collections())


def _free_name(lib, premise: str) -> str:
    """"Story: <premise>", numbered when a collection of that name exists (names are unique)."""
    words = " ".join(premise.split())
    short = words if len(words) <= COLLECTION_TITLE_CHARS else words[:COLLECTION_TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    taken = {name.lower() for _cid, name, _count in lib.items.collections()}
    name, number = f"Story: {short}", 2
    while name.lower() in taken:
        name, number = f"Story: {short} ({number})", number + 1
    return name
