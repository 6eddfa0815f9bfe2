"""Removing a model Atelier downloaded — only the files its download manifest lists, then the
manifest and the folders left empty. Anything else in the folder (a person's own file, another
tool's) stays, and models other apps keep are never deleted here: the window only hides them."""

from __future__ import annotations

from pathlib import Path

from desktop.core.errors import UserFacingError
from desktop.core.models.download_manifest import MANIFEST_NAME, read_manifest


def remove_download(folder: Path, models_folder: Path) -> list[Path]:
    """Delete Atelier's download in `folder` (a publisher/name folder under `models_folder`);
    returns the files removed. Refuses a folder without Atelier's manifest."""
    folder, root = Path(folder), Path(models_folder)
    manifest = read_manifest(folder)
    if manifest is None or root.resolve() not in folder.resolve().parents:
        raise UserFacingError(f"{folder} was not downloaded by Atelier, so it is not deleted; hide it instead.")
    removed = []
    for path in manifest.paths():
        if path.is_file() and not path.is_symlink() and folder.resolve() in path.resolve().parents:
            path.unlink()
            removed.append(path)
    (folder / MANIFEST_NAME).unlink(missing_ok=True)
    for directory in sorted({p.parent for p in manifest.paths()} | {folder, folder.parent}, key=lambda p: -len(p.parts)):
        if directory != root and root in directory.parents:
            try:
                directory.rmdir()  # only when empty
            except OSError:
                pass
    return removed


def downloaded_folder(path: Path, models_folder: Path) -> Path | None:
    """The publisher/name folder of Atelier's download that holds `path` (a file or the folder
    itself), if Atelier downloaded it."""
    path, root = Path(path), Path(models_folder)
    for candidate in (path, *path.parents):
        if candidate == root or root not in candidate.parents:
            break
        if (candidate / MANIFEST_NAME).is_file():
            return candidate
    return None
