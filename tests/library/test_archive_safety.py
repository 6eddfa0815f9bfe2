"""Hostile gallery archives are refused before anything is written, and members are
streamed with their real size checked against what the archive declares."""

import io
import stat
import struct
import zipfile
import zlib

import pytest

from desktop.core.errors import UserFacingError
from desktop.store import archive_safety
from desktop.store.archive_safety import checked_members, copy_member, open_archive

MIB = 1024 * 1024


def archive(tmp_path, *entries, method=zipfile.ZIP_DEFLATED):
    path = tmp_path / "gallery.zip"
    with zipfile.ZipFile(path, "w", method) as z:
        for info, data in entries:
            z.writestr(info, data)
    return zipfile.ZipFile(path)


def test_an_ordinary_gallery_passes(tmp_path):
    z = archive(tmp_path, ("manifest.json", "{}"), ("images/1.png", b"\x89PNG" + b"x" * 100))
    assert [m.filename for m in checked_members(z, free_bytes=10**12)] == ["manifest.json", "images/1.png"]


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


def same_member_many_times(path, data: bytes, count: int) -> None:
    """A zip of `count` copies of `data`, compressed once (zipfile would deflate each copy)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = compressor.compress(data) + compressor.flush()
    crc, local, central = zlib.crc32(data), io.BytesIO(), io.BytesIO()
    for i in range(count):
        name = f"files/{i:05d}.png".encode()
        fields = (20, 0, 8, 0, 0, crc, len(raw), len(data), len(name), 0)
        central.write(struct.pack("<4s2H", b"PK\x01\x02", 20, 20) + struct.pack("<4H3I2H", *fields[1:])
                      + struct.pack("<3H2I", 0, 0, 0, 0, local.tell()) + name)
        local.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields) + name + raw)
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, central.tell(), local.tell(), 0)
    path.write_bytes(local.getvalue() + central.getvalue() + end)


def test_many_small_members_cannot_bypass_the_expansion_limit(tmp_path):
    # The measured bypass: 1,500 members of exactly 1 MiB (a 1.8 MB zip expanding to 1.58 GB).
    same_member_many_times(tmp_path / "bomb.zip", bytes(MIB), 1500)
    assert (tmp_path / "bomb.zip").stat().st_size < 3 * MIB
    z = open_archive(tmp_path / "bomb.zip")
    assert len(z.infolist()) == 1500 and z.read("files/01499.png") == bytes(MIB)  # a well-formed zip
    with pytest.raises(UserFacingError, match="zip bomb"):
        checked_members(z, free_bytes=10**12)


def test_one_large_member_is_refused_by_the_same_limit(tmp_path):
    with pytest.raises(UserFacingError, match="zip bomb"):
        checked_members(archive(tmp_path, ("images/huge.png", bytes(100 * MIB))))


def test_small_expansions_are_harmless_and_allowed(tmp_path):
    z = archive(tmp_path, ("manifest.json", b"{" + b" " * (8 * MIB) + b"}"))  # ratio ~1000, but only 8 MiB
    assert len(checked_members(z, free_bytes=10**12)) == 1


def test_total_size_is_capped_and_must_fit_the_free_space(tmp_path, monkeypatch):
    z = archive(tmp_path, *[(f"files/{i}.bin", bytes(1000)) for i in range(10)])
    with pytest.raises(UserFacingError, match=r"needs up to .* free some space"):
        checked_members(z, free_bytes=archive_safety.SPACE_MARGIN + 5000)
    monkeypatch.setattr(archive_safety, "MAX_TOTAL_BYTES", 9999)
    with pytest.raises(UserFacingError, match="would expand to"):
        checked_members(z, free_bytes=10**12)


def test_the_member_count_is_capped_before_the_member_list_is_read(tmp_path, monkeypatch):
    archive(tmp_path, *[(f"files/{i}.png", b"x") for i in range(11)]).close()
    monkeypatch.setattr(archive_safety, "MAX_MEMBERS", 10)
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", lambda self: pytest.fail("the list was read"))
    with pytest.raises(UserFacingError, match="lists 11 files"):
        open_archive(tmp_path / "gallery.zip")


def test_encrypted_members_and_unbounded_compression_methods_are_refused(tmp_path):
    archive(tmp_path, ("files/a.png", b"x")).close()
    data = bytearray((tmp_path / "gallery.zip").read_bytes())
    data[data.rindex(b"PK\x01\x02") + 8] |= 0x1  # the central directory's "encrypted" flag
    (tmp_path / "gallery.zip").write_bytes(bytes(data))
    with pytest.raises(UserFacingError, match="encrypted"):
        checked_members(zipfile.ZipFile(tmp_path / "gallery.zip"))
    with pytest.raises(UserFacingError, match="compression method"):
        checked_members(archive(tmp_path, ("files/a.png", b"x" * 100), method=zipfile.ZIP_BZIP2))


def lie_about_size(path, declared: int) -> None:
    """Rewrite the central directory so the only member claims `declared` bytes."""
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))


def test_a_lying_header_cannot_expand_past_what_it_declares(tmp_path):
    archive(tmp_path, ("files/bomb.png", bytes(200 * MIB))).close()
    lie_about_size(tmp_path / "gallery.zip", MIB)
    z = open_archive(tmp_path / "gallery.zip")
    member = checked_members(z, free_bytes=10**12)[0]
    assert member.file_size == MIB
    out = io.BytesIO()
    with pytest.raises(UserFacingError, match="archive"):
        copy_member(z, member, out)
    assert out.tell() <= MIB


def test_members_are_streamed_hashed_and_measured(tmp_path):
    import hashlib

    data = bytes(range(256)) * 20_000
    z = archive(tmp_path, ("files/a.bin", data))
    out = io.BytesIO()
    assert copy_member(z, z.getinfo("files/a.bin"), out) == (hashlib.sha256(data).hexdigest(), len(data))
    assert out.getvalue() == data


def test_a_damaged_zip_gets_a_message(tmp_path):
    path = tmp_path / "broken.zip"
    archive(tmp_path, ("files/a.bin", b"x" * 1000)).close()
    data = (tmp_path / "gallery.zip").read_bytes()
    path.write_bytes(data.replace(b"PK\x01\x02", b"XXXX"))  # the central directory's entry is unreadable
    with pytest.raises(UserFacingError, match="broken.zip"):
        open_archive(path)
