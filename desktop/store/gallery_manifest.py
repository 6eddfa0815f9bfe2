"""Reading a gallery's manifest.json item by item. Memory stays bounded by one item however
large the manifest is, every value is checked against the shape below before anything
uses it, and anything else — not JSON, not UTF-8, wrong types, deep nesting, missing
keys — raises ManifestError, which names the file and says what to do.

The shape (written by desktop/store/gallery_export.py):

    {"format": "atelier-gallery", "version": 1, "title": str, "items": [item, ...]}
    item: {"modality": str, "kind": str, "prompt": str, "negative": str, "output_text": str,
           "params": object, "model_name": str, "model_sha256": str, "seed": int | null,
           "created_at": number | null, "favorite": bool, "rating": 1..5 | null,
           "tags": [str], "collections": [str],
           "assets": [{"file": str, "sha256": str, "mime": str, "width": int | null,
                       "height": int | null, "duration_s": number | null}],
           "id": int, "sources": [link], "used_in": [link]}   (links: desktop/store/gallery_lineage.py)

Only "format" and "items", and each asset's "file" and "sha256", are required; other
keys may be missing (or null) and unknown keys are ignored (a video item's "poster", the
page's copy of its poster's file, among them: `poster_index` finds the poster in "assets").
NaN and Infinity, which older exports wrote, are read as null.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Iterator

from desktop.core.errors import UserFacingError
from desktop.store.gallery_lineage import MAX_ID, GalleryLink, parse_links

FORMAT, VERSION = "atelier-gallery", 1
MAX_MANIFEST_BYTES = 2 * 1024**3   # streamed, so only time grows with it
MAX_VALUE_CHARS = 1024**2           # one item (or top-level value) at a time: bounds memory (~50 MB worst case)
MAX_ITEMS = 1_000_000
MAX_DEPTH = 32                     # nesting inside an item's settings
CHUNK = 1 << 20
INT64 = 2**63
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class ManifestError(UserFacingError):
    """The manifest is not one Atelier wrote (or it was damaged)."""


@dataclass(frozen=True)
class GalleryAsset:
    file: str
    sha256: str
    mime: str
    width: int | None
    height: int | None
    duration_s: float | None


@dataclass(frozen=True)
class GalleryItem:
    index: int
    modality: str
    kind: str
    prompt: str
    negative: str
    output_text: str
    params: dict
    model_name: str
    model_sha256: str
    seed: int | None
    created_at: float | None
    favorite: bool
    rating: int | None
    tags: tuple[str, ...]
    collections: tuple[str, ...]
    assets: tuple[GalleryAsset, ...]
    gallery_id: int | None = None            # "id": what the gallery's links call this item
    sources: tuple[GalleryLink, ...] = ()
    used_in: tuple[GalleryLink, ...] = ()


@dataclass(frozen=True)
class Summary:
    title: str
    version: int
    count: int


class ManifestReader:
    """`open_stream()` gives the manifest's bytes from the start (it is read twice: once to
    check everything, once to import); `label` names it in messages."""

    def __init__(self, open_stream: Callable[[], BinaryIO], label: str):
        self.open_stream = open_stream
        self.label = label

    def scan(self, check: Callable[[GalleryItem], None] = lambda item: None) -> Summary:
        """Read and check the whole manifest; `check(item)` may refuse an item too."""
        header: dict[str, Any] = {}
        count = 0
        for kind, key, value in self._walk():
            if kind == "item":
                check(_item(value, key, self._error))
                count += 1
            else:
                header[key] = value
        if "items" not in header:
            raise self._error('it has no "items" list')
        if header.get("format") != FORMAT:
            raise self._error(f'its "format" is not "{FORMAT}"')
        version = header.get("version", VERSION)
        if type(version) is not int or version < 1:
            raise self._error('its "version" is not a whole number')
        if version > VERSION:
            raise ManifestError(f"{self.label} was written by a newer Atelier (gallery version {version}); "
                                "update Atelier to import it.")
        title = header.get("title")
        return Summary(title if isinstance(title, str) else "", version, count)

    def items(self) -> Iterator[GalleryItem]:
        for kind, key, value in self._walk():
            if kind == "item":
                yield _item(value, key, self._error)

    def _error(self, reason: str) -> ManifestError:
        return ManifestError(f"{self.label} is not an Atelier gallery manifest ({reason}). Import a gallery "
                             "that Atelier saved (a .zip, or the folder holding its manifest.json).")

    def _walk(self) -> Iterator[tuple[str, Any, Any]]:
        """("key", name, value) for each top-level key except "items", whose entries come as
        ("item", index, value), one at a time."""
        with self.open_stream() as binary:
            text = _Text(binary, self._error)
            if text.next_char() != "{":
                raise self._error("it is not a JSON object")
            seen: set[str] = set()
            if text.next_char(peek=True) == "}":
                text.next_char()
            else:
                while True:
                    key = text.value()
                    if not isinstance(key, str):
                        raise self._error("it is not valid JSON (a key is not a string)")
                    if key in seen:
                        raise self._error(f'"{key[:40]}" appears twice')
                    seen.add(key)
                    text.expect(":")
                    if key == "items":
                        yield from self._items(text)
                        yield "key", key, True  # the list was there (its items came one by one)
                    else:
                        yield "key", key, text.value()
                    separator = text.next_char()
                    if separator == "}":
                        break
                    if separator != ",":
                        raise self._error("it is not valid JSON (expected , or } at the top level)")
            if text.next_char() != "":
                raise self._error("there is more after its end")

    def _items(self, text: "_Text") -> Iterator[tuple[str, Any, Any]]:
        if text.next_char() != "[":
            raise self._error('its "items" is not a list')
        if text.next_char(peek=True) == "]":
            text.next_char()
            return
        index = 0
        while True:
            if index >= MAX_ITEMS:
                raise self._error(f"it lists more than {MAX_ITEMS:,} items")
            yield "item", index, text.value()
            index += 1
            separator = text.next_char()
            if separator == "]":
                return
            if separator != ",":
                raise self._error(f"it is not valid JSON (expected , or ] after item {index})")


class _Text:
    """A window onto the manifest's text, refilled in chunks; consumed text is dropped."""

    def __init__(self, binary: BinaryIO, error: Callable[[str], ManifestError]):
        self.binary, self.error = binary, error
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.json = json.JSONDecoder(parse_constant=lambda name: None)  # NaN, Infinity -> null
        self.buffer, self.pos, self.dropped, self.read_bytes, self.eof = "", 0, 0, 0, False

    def fill(self) -> None:
        if self.eof:
            return
        try:
            chunk = self.binary.read(CHUNK)
        except Exception as exc:  # noqa: BLE001 - a damaged archive member: any reader error
            raise self.error(f"it could not be read: {exc}") from None
        self.read_bytes += len(chunk)
        if self.read_bytes > MAX_MANIFEST_BYTES:
            raise self.error(f"it is larger than {MAX_MANIFEST_BYTES // 1024**3} GB")
        try:
            decoded = self.decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise self.error("it is not UTF-8 text") from None
        self.eof = not chunk
        self.dropped += self.pos
        self.buffer = self.buffer[self.pos:] + decoded
        self.pos = 0

    def next_char(self, peek: bool = False) -> str:
        """The next character that is not whitespace ("" at the end)."""
        while True:
            self.pos = _WHITESPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer) or self.eof:
                break
            self.fill()
        if self.pos == len(self.buffer):
            return ""
        char = self.buffer[self.pos]
        if not peek:
            self.pos += 1
        return char

    def expect(self, char: str) -> None:
        if self.next_char() != char:
            raise self.error(f"it is not valid JSON (expected {char})")

    def value(self) -> Any:
        self.next_char(peek=True)
        while True:
            try:
                value, end = self.json.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise self.error(f"it is not valid JSON: {exc.msg} at character {self.dropped + exc.pos}") from None
                if len(self.buffer) - self.pos > MAX_VALUE_CHARS:
                    raise self.error(f"an entry is larger than {MAX_VALUE_CHARS // 1024**2} MB, or the JSON is "
                                     f"broken near character {self.dropped + self.pos}")
                self.fill()
                continue
            except RecursionError:
                raise self.error("it is nested too deeply") from None
            except ValueError as exc:  # e.g. an integer longer than Python converts
                raise self.error(f"it is not valid JSON: {exc}") from None
            if end == len(self.buffer) and not self.eof:
                self.fill()  # a number at the end of the window may go on in the next chunk
                continue
            self.pos = end
            return value


def poster_index(modality: str, mimes: list[str]) -> int | None:
    """Which of an item's files is its poster: for a clip, the first image after the clip
    (a video job's second asset); a GIF or WebP clip is an image itself, so never the first."""
    if modality != "video":
        return None
    return next((number for number, mime in enumerate(mimes) if number and mime.startswith("image/")), None)


def _item(value: Any, index: int, error: Callable[[str], ManifestError]) -> GalleryItem:
    """A checked, normalised item, or ManifestError saying which value is wrong."""
    where = f"item {index + 1}"
    if not isinstance(value, dict):
        raise error(f"{where} is not an object")

    def text(key: str, default: str = "") -> str:
        got = value.get(key)
        if got is None:
            return default
        if not isinstance(got, str):
            raise error(f'{where}: "{key}" is not text')
        return _clean(got)

    def integer(key: str, low: int, high: int) -> int | None:
        got = value.get(key)
        if got is None:
            return None
        if type(got) is not int or not low <= got < high:
            raise error(f'{where}: "{key}" is not a whole number from {low} to {high - 1}')
        return got

    def names(key: str) -> tuple[str, ...]:
        got = value.get(key)
        if got is None:
            return ()
        if not isinstance(got, list) or not all(isinstance(n, str) for n in got):
            raise error(f'{where}: "{key}" is not a list of names')
        return tuple(dict.fromkeys(n for n in (" ".join(_clean(n).split()) for n in got) if n))

    params = value.get("params")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise error(f'{where}: "params" is not an object')
    if _depth(params) > MAX_DEPTH:
        raise error(f'{where}: "params" is nested too deeply')
    favorite = value.get("favorite")
    if favorite not in (None, True, False, 0, 1):
        raise error(f'{where}: "favorite" is not true or false')
    rating = value.get("rating")
    rating = None if rating == 0 and type(rating) is int else integer("rating", 1, 6)
    assets = value.get("assets")
    if assets is None:
        assets = []
    if not isinstance(assets, list):
        raise error(f'{where}: "assets" is not a list')
    return GalleryItem(
        index=index, modality=text("modality", "image") or "image", kind=text("kind"), prompt=text("prompt"),
        negative=text("negative"), output_text=text("output_text"), params=_finite(params),
        model_name=text("model_name"), model_sha256=text("model_sha256"), seed=integer("seed", -INT64, INT64),
        created_at=_number(value.get("created_at"), where, "created_at", error), favorite=bool(favorite),
        rating=rating, tags=names("tags"), collections=names("collections"),
        assets=tuple(_asset(a, f"{where}, file {n + 1}", error) for n, a in enumerate(assets)),
        gallery_id=_gallery_id(value.get("id")), sources=parse_links(value, "sources", where, error),
        used_in=parse_links(value, "used_in", where, error))


def _gallery_id(got: Any) -> int | None:
    """Older galleries' ids were never read: one that is not an item number only loses the links."""
    return got if type(got) is int and 0 < got < MAX_ID else None


def _asset(value: Any, where: str, error: Callable[[str], ManifestError]) -> GalleryAsset:
    if not isinstance(value, dict):
        raise error(f"{where} is not an object")
    file, sha256, mime = value.get("file"), value.get("sha256"), value.get("mime")
    if not isinstance(file, str) or not file.strip() or "\0" in file:
        raise error(f'{where}: "file" is missing')
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise error(f'{where}: "sha256" is not a SHA-256 checksum')
    if mime is not None and not isinstance(mime, str):
        raise error(f'{where}: "mime" is not text')
    size = []
    for key in ("width", "height"):
        got = value.get(key)
        if got is not None and (type(got) is not int or not 0 <= got < 2**31):
            raise error(f'{where}: "{key}" is not a size in pixels')
        size.append(got)
    duration = _number(value.get("duration_s"), where, "duration_s", error)
    return GalleryAsset(_clean(file), sha256.lower(), _clean(mime or "") or "application/octet-stream",
                        size[0], size[1], duration)


def _number(got: Any, where: str, key: str, error) -> float | None:
    if got is None:
        return None
    if type(got) not in (int, float):
        raise error(f'{where}: "{key}" is not a number')
    if type(got) is int:  # float() of a huge integer overflows
        return float(got) if abs(got) < 10**300 else None
    return got if math.isfinite(got) else None


def _clean(text: str) -> str:
    """Lone surrogates (valid in JSON escapes, not in UTF-8) cannot be stored: replace them."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _depth(value: Any, level: int = 0) -> int:
    """How deeply `value` nests, counting no further than MAX_DEPTH + 1."""
    if level > MAX_DEPTH or not isinstance(value, (dict, list)):
        return level
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(child, level + 1) for child in children), default=level)


def _finite(value: Any) -> Any:
    """Settings as stored: non-finite numbers become null (strict JSON has none)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {_clean(str(k)): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, str):
        return _clean(value)
    return value
