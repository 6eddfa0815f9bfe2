"""`models remove ID|REPO`: delete what Atelier downloaded for a model — the files its
manifest lists, then the folders left empty (core/models/removal.py, as the window's Delete),
and its partial files — and nothing else. A model another app keeps is refused: Atelier only
hides those (in the Models window); the app that downloaded it deletes it. A command line
asks nothing: it says what it removed."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from desktop.core.models.download_errors import human_size


def remove_model(target: str, context) -> int:
    from desktop.core.models.downloads import read_manifests
    from desktop.core.models.partial_files import discard_partials, partial_folder
    from desktop.core.models.removal import remove_download

    repo = _repository(target, context)
    if repo is None:
        return 1
    manifest = next((m for m in read_manifests(context.models_folder) if m.repo.lower() == repo.lower()), None)
    partials_before = _partial_count(partial_folder(context.models_folder))
    discard_partials(context.models_folder, manifest.repo if manifest else repo)
    partials = partials_before - _partial_count(partial_folder(context.models_folder))
    if manifest is None:
        if partials:
            print(f"Removed the partial download of {repo} ({partials} file{'s' if partials > 1 else ''}).")
            return 0
        return _refuse(repo, context)
    sizes = {manifest.folder / f.path: f.size for f in manifest.files}
    removed = remove_download(manifest.folder, context.models_folder)  # the window's own removal
    for path in removed:
        print(f"removed {path} ({human_size(sizes.get(path, 0))})")
    if partials:
        print(f"removed {partials} partial file{'s' if partials > 1 else ''} of an unfinished download")
    freed = sum(sizes.get(path, 0) for path in removed)
    summary = f"Removed {manifest.repo}: {len(removed)} file{'s' if len(removed) != 1 else ''}, {human_size(freed)}."
    left = _files_left(manifest.folder)
    if left:
        summary += (f" {left} file{'s' if left > 1 else ''} that Atelier did not download stay in "
                    f"{manifest.folder}.")
    print(summary, file=sys.stderr)
    return 0


def _repository(target: str, context) -> str | None:
    if "/" in target:
        return target.split(":", 1)[0].strip("/")
    try:
        return context.catalog.by_id(target).source.repo
    except KeyError:
        print(f"No model “{target}” in the catalog (see models list); a repository is named publisher/name.",
              file=sys.stderr)
        return None


def _refuse(repo: str, context) -> int:
    """Nothing of Atelier's: say where the model is, if another app keeps it."""
    from desktop.core.models.local_copies import repository_of

    kept = [m for m in context.other_apps.models if repository_of(m) == repo.lower()]
    if kept:
        places = "; ".join(f"{m.path} ({m.source})" for m in kept)
        print(f"Atelier did not download {repo}, so it does not delete it: it is kept by another app at {places}. "
              "Hide it in the Models window, or delete it with the app that downloaded it.", file=sys.stderr)
    else:
        print(f"{repo} is not among the models Atelier downloaded (see models installed); nothing was removed.",
              file=sys.stderr)
    return 1


def _files_left(folder: Path) -> int:
    return sum(len(files) for _root, _dirs, files in os.walk(folder)) if folder.is_dir() else 0


def _partial_count(folder: Path) -> int:
    return sum(1 for _ in folder.glob("*.part")) if folder.is_dir() else 0
