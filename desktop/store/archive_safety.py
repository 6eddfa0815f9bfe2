"""Checks for gallery archives, before and while anything is extracted, with a message a
person can act on.

Before: path traversal, absolute paths, links, encrypted members and compression methods
whose output cannot be bounded are refused; so are zip bombs, by limits that hold over
the whole archive (a per-member check is bypassed by many small members): a member-count
cap (read from the archive's end record, before the member list is parsed), a cap on the
total declared size that must also fit in the free space where it lands, and a cap on
the expansion of the whole archive.

While: members are streamed in chunks (never a whole member in memory), hashed as they
are copied, and the bytes actually read are counted against the declared size, so a
header that lies cannot expand any further than it admitted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import threading
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from desktop.core.errors import Cancelled, UserFacingError

MAX_TOTAL_BYTES = 20 * 1024**3        # what an archive may expand to in all
MAX_RATIO = 200                       # total uncompressed / the archive's size on disk
RATIO_FLOOR = 64 * 1024**2            # expanding to less than this is harmless at any ratio
MAX_MEMBERS = 200_000
SPACE_MARGIN = 64 * 1024**2           # what an import leaves free on the library's disk
CHUNK = 1 << 20
# Only methods whose decompressor Python bounds per read (bzip2 and lzma are not).
METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
              NotImplementedError, RuntimeError)


def open_archive(path: Path) -> zipfile.ZipFile:
    """The zip at `path`, refused before its member list is read if it lists too many."""
    count = _declared_member_count(path)
    if count > MAX_MEMBERS:
        raise _too_many(count)
    try:
        return zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise UserFacingError(f"{path.name} is a damaged zip archive ({exc}); it was not imported.") from None


def checked_members(archive: zipfile.ZipFile, free_bytes: int | None = None) -> list[zipfile.ZipInfo]:
    """The archive's members if every one is safe to extract under a target folder, and
    all of them together fit in `free_bytes` (the free space of that folder's disk)."""
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise _too_many(len(members))
    total = 0
    for member in members:
        name = member.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or (path.parts and ":" in path.parts[0]):
            raise UserFacingError(f"The archive contains an absolute path ({name}); it was not imported.")
        if ".." in path.parts:
            raise UserFacingError(f"The archive tries to write outside its folder ({name}); it was not imported.")
        if stat.S_ISLNK(member.external_attr >> 16):
            raise UserFacingError(f"The archive contains a link ({name}); links are never extracted, "
                                  "so it was not imported.")
        if member.flag_bits & 0x1:
            raise UserFacingError(f"{name} is encrypted in the archive; Atelier galleries never are, "
                                  "so it was not imported.")
        if member.compress_type not in METHODS:
            raise UserFacingError(f"{name} uses a compression method Atelier does not read "
                                  f"(method {member.compress_type}); re-save the gallery with Atelier.")
        total += member.file_size
    if total > MAX_TOTAL_BYTES:
        raise UserFacingError(f"The archive would expand to {_gb(total)}; it was not imported.")
    on_disk = _size_on_disk(archive, members)
    if total > RATIO_FLOOR and total / max(on_disk, 1) > MAX_RATIO:
        raise UserFacingError(f"The archive would expand {total // max(on_disk, 1):,}× (from {_gb(on_disk)} "
                              f"to {_gb(total)}; a zip bomb?); it was not imported.")
    if free_bytes is not None:
        ensure_space(total, free_bytes)
    return members


def ensure_space(needed: int, free_bytes: int) -> None:
    if needed + SPACE_MARGIN > free_bytes:
        raise UserFacingError(f"Importing this gallery needs up to {_gb(needed)}, but the library's disk has "
                              f"{_gb(free_bytes)} free; free some space first. Nothing was imported.")


def free_space(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def copy_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, out: BinaryIO,
                cancel: threading.Event | None = None) -> tuple[str, int]:
    """Stream one member into `out`; returns (sha256, size). Reads at most one chunk past
    the declared size, and refuses a member that is larger or smaller than declared."""
    digest, count = hashlib.sha256(), 0
    try:
        with archive.open(member) as source:
            while chunk := source.read(CHUNK):
                count += len(chunk)
                if count > member.file_size:
                    raise UserFacingError(f"{member.filename} holds more than the archive declares (a zip bomb?); "
                                          "the gallery was not imported further.")
                digest.update(chunk)
                out.write(chunk)
                if cancel is not None and cancel.is_set():
                    raise Cancelled()
    except ZIP_ERRORS as exc:
        raise UserFacingError(f"{member.filename} is damaged in the archive ({exc}); "
                              "the gallery was not imported further.") from None
    if count != member.file_size:
        raise UserFacingError(f"{member.filename} is shorter than the archive declares; the archive is damaged.")
    return digest.hexdigest(), count


def copy_file(source: Path, out: BinaryIO, cancel: threading.Event | None = None) -> tuple[str, int]:
    """The same for a file of a gallery folder: (sha256, size), streamed in chunks."""
    digest, count = hashlib.sha256(), 0
    with open(source, "rb") as handle:
        while chunk := handle.read(CHUNK):
            count += len(chunk)
            digest.update(chunk)
            out.write(chunk)
            if cancel is not None and cancel.is_set():
                raise Cancelled()
    return digest.hexdigest(), count


def _declared_member_count(path: Path) -> int:
    """The entry count in the end-of-central-directory record (0 when it cannot be read:
    opening the archive then says why)."""
    try:
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # noqa: SLF001 - the stdlib's own reader of that record
    except (OSError, AttributeError, zipfile.BadZipFile):
        return 0
    return int(end[zipfile._ECD_ENTRIES_TOTAL]) if end else 0  # noqa: SLF001


def _size_on_disk(archive: zipfile.ZipFile, members) -> int:
    """The archive's real size: the compressed sizes in its headers could lie."""
    try:
        return os.fstat(archive.fp.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        return sum(m.compress_size for m in members)


def _too_many(count: int) -> UserFacingError:
    return UserFacingError(f"This archive lists {count:,} files, more than a gallery ever holds; it was not imported.")


def _gb(size: int) -> str:
    return f"{size / 1024**3:.1f} GB" if size >= 1024**3 else f"{size / 1024**2:.0f} MB"
