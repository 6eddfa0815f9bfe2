"""Checks for gallery archives before anything is extracted: refuse path traversal,
absolute paths, links, and zip bombs, with a message a person can act on."""

from __future__ import annotations

import stat
import zipfile
from pathlib import PurePosixPath

from desktop.core.errors import UserFacingError

MAX_TOTAL_BYTES = 20 * 1024**3      # what an archive may expand to in all
MAX_RATIO = 200                     # uncompressed / compressed, per member
MAX_MEMBERS = 200_000


def checked_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's members if every one is safe to extract under a target folder."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise UserFacingError(f"This archive lists {len(members):,} files, more than a gallery ever holds; "
                              "it was not imported.")
    total = 0
    for member in members:
        name = member.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or (path.parts and ":" in path.parts[0]):
            raise UserFacingError(f"The archive contains an absolute path ({name}); it was not imported.")
        if ".." in path.parts:
            raise UserFacingError(f"The archive tries to write outside its folder ({name}); it was not imported.")
        mode = member.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UserFacingError(f"The archive contains a link ({name}); links are never extracted, "
                                  "so it was not imported.")
        total += member.file_size
        compressed = max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and member.file_size / compressed > MAX_RATIO:
            raise UserFacingError(f"{name} would expand {member.file_size // compressed}× (a zip bomb?); "
                                  "the archive was not imported.")
    if total > MAX_TOTAL_BYTES:
        raise UserFacingError(f"The archive would expand to {total / 1024**3:.0f} GB; it was not imported.")
    return members
