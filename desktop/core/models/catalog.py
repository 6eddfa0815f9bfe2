"""The curated model catalog: resources/catalog/models.json, read and checked here.

The catalog is data, not code, so a maintainer refreshes it (`models verify-catalog --write`)
without touching Python. This module only reads it: stdlib json, small frozen dataclasses,
and checks strict enough that a typo in the file is a clear error naming the entry and the
field — never a KeyError deep in a download. Keys it does not know are ignored, so a file
written by a newer Atelier with extra fields still reads; a different schema *major* is
refused, because its meaning may have changed.

A fact that could not be confirmed from the hub's own pages (a revision, a size, a sha256,
a memory figure) is null in the file and named in the entry's `unverified` list: the
catalog never carries a guessed hash. A download of such a file is checked against the
hub's sha256 header instead.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from desktop import paths

SCHEMA_MAJOR = 1
STUDIOS = ("text", "code", "image", "upscaler", "audio", "video")
DEFAULT_QUANT = "Q4_K_M"
# Weights in these formats are pickles: loading one can run arbitrary code. The catalog
# never names one, nor a pattern that could select one.
PICKLE_SUFFIXES = (".bin", ".ckpt", ".pt", ".pth", ".pkl", ".pickle")

_SHA256 = re.compile(r"[0-9a-f]{64}")
_REVISION = re.compile(r"[0-9a-f]{40}")
_SIZE_SHOWN = re.compile(r"(\d+(?:\.\d+)?)\s*(Bytes|kB|MB|GB)")
_UNITS = {"Bytes": 1, "kB": 10**3, "MB": 10**6, "GB": 10**9}


class CatalogError(ValueError):
    """The catalog file cannot be used; the message says which file, entry and field."""


@dataclass(frozen=True)
class CatalogFile:
    path: str                   # inside the repository, "/" separated
    size: int | None            # bytes, exact; None when not confirmed
    sha256: str | None          # lowercase hex, as the hub publishes it for LFS files
    quant: str | None = None    # the GGUF quantization this file belongs to, if any
    size_shown: str | None = None  # the hub page's rounded size ("986 MB"), a hint only

    @property
    def approx_bytes(self) -> int | None:
        """The exact size, else the hub's rounded one: enough for a free-space or fit hint."""
        if self.size is not None:
            return self.size
        match = _SIZE_SHOWN.fullmatch(self.size_shown or "")
        return round(float(match[1]) * _UNITS[match[2]]) if match else None


@dataclass(frozen=True)
class Source:
    repo: str
    revision: str               # a 40-hex commit when confirmed, else "" (the hub's main)
    files: tuple[CatalogFile, ...]
    patterns: tuple[str, ...] = ()  # globs for the hub's file list, when fetching a folder


@dataclass(frozen=True)
class Memory:
    ram_mb: int | None          # running on the CPU
    vram_mb: int | None         # running on a GPU (weights and working memory in VRAM)
    estimate: str               # how the figures were computed: they are estimates
    kv_cache_bytes_per_token: int | None = None  # language models: grows with the context


@dataclass(frozen=True)
class CatalogEntry:
    id: str
    name: str
    studio: str
    kind: str                   # gguf, diffusers, single-file, taesd, upscaler, piper, ...
    description: str
    source: Source
    licence: str
    licence_url: str
    gated: bool
    memory: Memory
    recommended: Mapping[str, object]
    facts_from: tuple[str, ...]  # the model card first, then the pages facts were read from
    unverified: tuple[str, ...]  # names of the facts that are null (see missing_facts)
    licence_note: str = ""
    default_quant: str | None = None

    @property
    def quants(self) -> tuple[str, ...]:
        """The quantizations on offer, in the file's order (empty when there is no choice)."""
        return tuple(dict.fromkeys(f.quant for f in self.source.files if f.quant))

    def missing_facts(self) -> set[str]:
        """Names of the facts that are null, as the `unverified` list spells them."""
        missing = set() if self.source.revision else {"revision"}
        for item in self.source.files:
            missing.update(f"{item.path}:{fact}" for fact in ("size", "sha256") if getattr(item, fact) is None)
        missing.update(fact for fact in ("ram_mb", "vram_mb") if getattr(self.memory, fact) is None)
        return missing


@dataclass(frozen=True)
class Catalog:
    schema: int
    updated: str
    entries: tuple[CatalogEntry, ...]
    path: Path | None = field(default=None, compare=False)

    def for_studio(self, studio: str) -> list[CatalogEntry]:
        if studio not in STUDIOS:
            raise ValueError(f"Unknown studio “{studio}”; the studios are {', '.join(STUDIOS)}.")
        return [entry for entry in self.entries if entry.studio == studio]

    def by_id(self, entry_id: str) -> CatalogEntry:
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(f"No model “{entry_id}” in the catalog.")

    def base_of(self, entry: CatalogEntry) -> CatalogEntry | None:
        """The entry an adapter runs on (`recommended.base`), or None for a model of its own.
        Two entries, two downloads: the base stays usable on its own in its studio."""
        base = entry.recommended.get("base")
        return self.by_id(base) if isinstance(base, str) and base else None


def default_path() -> Path:
    return paths.resources_dir() / "catalog" / "models.json"


def load(path: str | Path | None = None) -> Catalog:
    """Read and check a catalog file (default: the one shipped in resources/)."""
    if path is None:
        return _shipped()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _shipped() -> Catalog:
    return _load(default_path())


def for_studio(studio: str, catalog: Catalog | None = None) -> list[CatalogEntry]:
    return (catalog or load()).for_studio(studio)


def by_id(entry_id: str, catalog: Catalog | None = None) -> CatalogEntry:
    return (catalog or load()).by_id(entry_id)


def base_of(entry: CatalogEntry, catalog: Catalog | None = None) -> CatalogEntry | None:
    return (catalog or load()).base_of(entry)


def default_quant(entry: CatalogEntry) -> str | None:
    """The quantization fetched when none is asked for: the entry's own choice, else
    Q4_K_M (the usual balance of size and quality), else the first on offer."""
    quants = entry.quants
    if not quants:
        return None
    if entry.default_quant in quants:
        return entry.default_quant
    return DEFAULT_QUANT if DEFAULT_QUANT in quants else quants[0]


def files_for(entry: CatalogEntry, quant: str | None = None) -> list[CatalogFile]:
    """The files to fetch for one use of the entry: for a GGUF, the requested quantization's
    files (several when the model is split) plus any shared file; otherwise all files."""
    quants = entry.quants
    if not quants:
        if quant:
            raise CatalogError(f"{entry.name} has no quantization choices (asked for {quant}).")
        return list(entry.source.files)
    wanted = quant or default_quant(entry)
    matches = [q for q in quants if q.lower() == wanted.lower()]
    if not matches:
        raise CatalogError(f"{entry.name} has no {wanted} file; choose one of {', '.join(quants)}.")
    return [f for f in entry.source.files if f.quant in (None, matches[0])]


def selects_pickle(path_or_pattern: str) -> bool:
    """True when a file path or glob could name pickle-based weights."""
    last = path_or_pattern.rsplit("/", 1)[-1].lower()
    return last.endswith(PICKLE_SUFFIXES) or any(fnmatch.fnmatch(f"weights{s}", last) for s in PICKLE_SUFFIXES)


def _load(path: Path) -> Catalog:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"Cannot read the model catalog {path}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError) as exc:
        raise CatalogError(f"The model catalog {path.name} is not valid JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise CatalogError(f"The model catalog {path.name} is not a JSON object.")
    schema = _schema_major(data.get("schema"), path)
    entries = data.get("models")
    if not isinstance(entries, list):
        raise CatalogError(f"The model catalog {path.name} has no “models” list.")
    parsed = tuple(_entry(raw, index) for index, raw in enumerate(entries))
    seen: set[str] = set()
    for entry in parsed:
        if entry.id in seen:
            raise CatalogError(f"The model catalog {path.name} lists “{entry.id}” twice.")
        seen.add(entry.id)
    for entry in parsed:  # an adapter's base is another entry of the same file: a typo is said here
        base = entry.recommended.get("base")
        if base is not None and (not isinstance(base, str) or base not in seen or base == entry.id):
            raise CatalogError(f"The model catalog {path.name}: “{entry.id}” › recommended › base names "
                               f"{base!r}, which is not another entry of this catalog.")
    return Catalog(schema, str(data.get("updated", "")), parsed, path)


def _schema_major(value, path: Path) -> int:
    """`schema` is 1 or "1.x": a minor change only adds fields, which are ignored here."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    major = text.split(".", 1)[0]
    if not major.isdigit():
        raise CatalogError(f"The model catalog {path.name} has no valid “schema” number ({value!r}).")
    if int(major) != SCHEMA_MAJOR:
        raise CatalogError(
            f"The model catalog {path.name} uses catalog schema {major}; this version of Atelier "
            f"reads schema {SCHEMA_MAJOR}. Use the catalog that came with this Atelier, or update Atelier.")
    return int(major)


class _Fields:
    """Typed reads from one JSON object, with errors that name the entry and field."""

    def __init__(self, raw, where: str):
        if not isinstance(raw, dict):
            raise CatalogError(f"{where} is not a JSON object.")
        self.raw, self.where = raw, where

    def fail(self, key: str, wanted: str):
        raise CatalogError(f"{self.where}: “{key}” must be {wanted} (found {self.raw.get(key)!r}).")

    def text(self, key: str, default: str | None = None, allow_empty: bool = False) -> str:
        value = self.raw.get(key, default)
        if not isinstance(value, str) or (not value.strip() and not allow_empty):
            self.fail(key, "a non-empty text")
        return value

    def optional_count(self, key: str) -> int | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            self.fail(key, "a positive whole number or null")
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail(key, "a list of texts")
        return tuple(value)

    def section(self, key: str) -> "_Fields":
        return _Fields(self.raw.get(key), f"{self.where} › {key}")


def _entry(raw, index: int) -> CatalogEntry:
    head = _Fields(raw, f"Catalog entry #{index + 1}")
    entry_id = head.text("id")
    fields = _Fields(raw, f"Catalog entry “{entry_id}”")
    studio = fields.text("studio")
    if studio not in STUDIOS:
        fields.fail("studio", f"one of {', '.join(STUDIOS)}")
    gated = raw.get("gated", False)
    if not isinstance(gated, bool):
        fields.fail("gated", "true or false")
    recommended = raw.get("recommended", {})
    if not isinstance(recommended, dict):
        fields.fail("recommended", "a JSON object")
    entry = CatalogEntry(
        id=entry_id, name=fields.text("name"), studio=studio, kind=fields.text("kind"),
        description=fields.text("description"), source=_source(fields.section("source")),
        licence=fields.text("licence"), licence_url=fields.text("licence_url"), gated=gated,
        memory=_memory(fields.section("memory")), recommended=MappingProxyType(dict(recommended)),
        facts_from=fields.texts("facts_from"), unverified=fields.texts("unverified"),
        licence_note=fields.text("licence_note", "", allow_empty=True),
        default_quant=raw.get("default_quant") if isinstance(raw.get("default_quant"), str) else None,
    )
    if not entry.facts_from:
        fields.fail("facts_from", "a list naming at least the model card's address")
    return entry


def _source(fields: _Fields) -> Source:
    revision = fields.text("revision", "", allow_empty=True)
    if revision and not _REVISION.fullmatch(revision):
        fields.fail("revision", "a 40-character commit hash, or empty when not confirmed")
    files_raw = fields.raw.get("files", [])
    if not isinstance(files_raw, list) or not files_raw:
        fields.fail("files", "a non-empty list")
    files = tuple(_file(_Fields(item, f"{fields.where} › files[{i}]")) for i, item in enumerate(files_raw))
    patterns = fields.texts("patterns")
    for name in (*(f.path for f in files), *patterns):
        if selects_pickle(name):
            raise CatalogError(f"{fields.where}: “{name}” could select pickle-based weights, "
                               "which Atelier never loads.")
    return Source(fields.text("repo"), revision, files, patterns)


def _file(fields: _Fields) -> CatalogFile:
    sha256 = fields.raw.get("sha256")
    if sha256 is not None and not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
        fields.fail("sha256", "64 lowercase hex digits or null")
    quant = fields.raw.get("quant")
    if quant is not None and not (isinstance(quant, str) and quant):
        fields.fail("quant", "a quantization name or null")
    shown = fields.raw.get("size_shown")
    return CatalogFile(fields.text("path"), fields.optional_count("size"), sha256, quant,
                       shown if isinstance(shown, str) else None)


def _memory(fields: _Fields) -> Memory:
    return Memory(fields.optional_count("ram_mb"), fields.optional_count("vram_mb"),
                  fields.text("estimate"), fields.optional_count("kv_cache_bytes_per_token"))
