"""Hostile gallery archives are refused before anything is written."""

import stat
import zipfile

import pytest

from desktop.core.errors import UserFacingError
from desktop.store.archive_safety import checked_members


def archive(tmp_path, *entries):
    path = tmp_path / "gallery.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in entries:
            z.writestr(info, data)
    return zipfile.ZipFile(path)


def test_an_ordinary_gallery_passes(tmp_path):
    z = archive(tmp_path, ("manifest.json", "{}"), ("images/1.png", b"\x89PNG" + b"x" * 100))
    assert [m.filename for m in checked_members(z)] == ["manifest.json", "images/1.png"]


@pytest.mark.parametrize("name, message", [
    ("../evil.png", "outside its folder"), ("images/../../evil.png", "outside its folder"),
    ("/etc/passwd", "absolute path"), ("C:/Windows/evil.dll", "absolute path"),
    ("..\\evil.png", "outside its folder"),
])
def test_traversal_and_absolute_paths_are_refused(tmp_path, name, message):
    with pytest.raises(UserFacingError, match=message):
        checked_members(archive(tmp_path, (name, b"x")))


def test_links_are_refused(tmp_path):
    link = zipfile.ZipInfo("images/link.png")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(UserFacingError, match="link"):
        checked_members(archive(tmp_path, (link, "/etc/passwd")))


def test_zip_bombs_are_refused(tmp_path):
    with pytest.raises(UserFacingError, match="zip bomb"):
        checked_members(archive(tmp_path, ("images/huge.png", b"\0" * (50 * 1024 * 1024))))
