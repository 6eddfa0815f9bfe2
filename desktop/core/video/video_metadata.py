"""What a clip says about itself, inside its file: the prompt, the model, the seed, A1111-style
`parameters` text (what other tools show), Atelier's JSON (everything needed for "Use these
settings") and the IPTC mark that it is AI-generated (DigitalSourceType =
trainedAlgorithmicMedia). Each container carries what it can:

- MP4: metadata tags in the `udta`/`mdta` atoms (title = prompt, comment = parameters,
  `atelier` = the JSON, `digital_source_type` = the IPTC URI), and an XMP packet in a
  top-level `uuid` box (Adobe's XMP box, which exiftool and Adobe tools read).
- WebM: the same as Matroska tags (Matroska has no XMP).
- GIF: one comment extension: the parameters text, the IPTC line and the JSON after `Atelier: `.
- Animated WebP: XMP (the mark and the JSON) and EXIF UserComment (the parameters), as images do.
- The poster PNG beside the clip: `parameters`, `atelier` and XMP text chunks.

Reading back never fails a caller and never reads much: hostile or damaged files read as no
metadata (None), texts longer than MAX_TEXT are ignored, and only the first MAX_BOXES top-level
MP4 boxes are looked at."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field

from desktop.core import lineage_metadata

AI_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
XMP_UUID = bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC")  # Adobe's XMP box in ISO media files
ATELIER_PREFIX = "Atelier: "
MAX_TEXT = 1 << 20
_SETTINGS_OPEN, _SETTINGS_CLOSE = "<atelier:Settings>", "</atelier:Settings>"


@dataclass
class VideoTags:
    """The settings of a clip as written into its file. `details` is Atelier's JSON (settings,
    versions, precision...); `settings` the values "Use these settings" restores."""

    prompt: str
    model_name: str
    seed: int
    settings: dict = field(default_factory=dict)   # negative, frames, fps, width, height, steps, guidance...
    details: dict = field(default_factory=dict)

    def parameters(self) -> str:
        """A1111-style text: the prompt, the negative, then `Key: value` pairs."""
        s = self.settings
        pairs = [("Steps", s.get("steps")), ("Sampler", s.get("scheduler") or None), ("CFG scale", s.get("guidance")),
                 ("Seed", self.seed), ("Size", f"{s.get('width')}x{s.get('height')}" if s.get("width") else None),
                 ("Model", self.model_name or None), ("Motion module", s.get("motion_adapter") or None),
                 ("Frames", s.get("frames")), ("FPS", s.get("fps"))]
        text = self.prompt + (f"\nNegative prompt: {s['negative']}" if s.get("negative") else "")
        return text + "\n" + ", ".join(f"{key}: {value}" for key, value in pairs if value is not None)

    def atelier_json(self) -> str:
        return json.dumps({"settings": {"prompt": self.prompt, "model_name": self.model_name, "seed": self.seed,
                                        **self.settings}, **self.details}, sort_keys=True, ensure_ascii=False)


def xmp_packet(settings_json: str | None = None) -> str:
    settings = f"{_SETTINGS_OPEN}{html.escape(settings_json, quote=False)}{_SETTINGS_CLOSE}" if settings_json else ""
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
            'xmlns:atelier="https://atelier.local/ns/1.0/" '
            f'Iptc4xmpExt:DigitalSourceType="{AI_SOURCE_TYPE}">{settings}</rdf:Description>'
            '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def container_tags(tags: VideoTags) -> dict[str, str]:
    """MP4 / WebM metadata (FFmpeg writes the keys as MP4 mdta items or Matroska SimpleTags)."""
    return {"title": tags.prompt[:1000], "comment": tags.parameters(), "atelier": tags.atelier_json(),
            "digital_source_type": AI_SOURCE_TYPE}


def gif_comment(tags: VideoTags) -> str:
    return f"{tags.parameters()}\nDigitalSourceType: {AI_SOURCE_TYPE}\n{ATELIER_PREFIX}{tags.atelier_json()}"


def mp4_xmp_box(tags: VideoTags) -> bytes:
    """A top-level ISO box: size, 'uuid', Adobe's XMP UUID, the packet."""
    payload = xmp_packet(tags.atelier_json()).encode("utf-8")
    return (8 + 16 + len(payload)).to_bytes(4, "big") + b"uuid" + XMP_UUID + payload


@dataclass
class ClipMetadata:
    """What a clip's file says. `settings` is Atelier's settings object ({} when the file has
    none); `parameters` the A1111-style text; `ai_generated` whether the IPTC mark is there."""

    settings: dict = field(default_factory=dict)
    parameters: str = ""
    ai_generated: bool = False
    details: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)   # what it was made from (lineage_metadata entries)
    typed_prompt: str = ""                        # what was typed, when the prompt is its expansion

    def as_dict(self) -> dict:
        return asdict(self)


def from_texts(atelier: str | None, parameters: str | None, marks: list[str]) -> ClipMetadata | None:
    """Builds the result from the texts a reader found; None when there are none."""
    texts = [t for t in (atelier, parameters, *marks) if isinstance(t, str) and len(t) <= MAX_TEXT]
    if not texts:
        return None
    found = ClipMetadata(parameters=parameters if isinstance(parameters, str) and len(parameters) <= MAX_TEXT else "")
    found.ai_generated = any(AI_SOURCE_TYPE in t for t in texts)
    data = _json_object(atelier)
    if data is not None:
        settings = data.get("settings")
        found.settings = _plain(settings) if isinstance(settings, dict) else {}
        found.details = _plain({k: v for k, v in data.items() if k != "settings"})
        found.sources, found.typed_prompt = lineage_metadata.read_lineage(data)
    return found


def settings_in_xmp(xmp: str) -> str | None:
    """The JSON inside <atelier:Settings> (found with str.find: linear on hostile XMP)."""
    start = xmp.find(_SETTINGS_OPEN)
    if start < 0:
        return None
    start += len(_SETTINGS_OPEN)
    end = xmp.find(_SETTINGS_CLOSE, start)
    return html.unescape(xmp[start:end]) if end >= 0 else None


def split_gif_comment(comment: str) -> tuple[str, str | None]:
    """(parameters text, the JSON after `Atelier: `)."""
    at = comment.rfind("\n" + ATELIER_PREFIX)
    if at < 0:
        return comment, None
    head = comment[:at]
    mark = head.rfind("\nDigitalSourceType: ")
    return (head[:mark] if mark >= 0 else head), comment[at + 1 + len(ATELIER_PREFIX):]


def _json_object(text) -> dict | None:
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _plain(values: dict) -> dict:
    """Only plain values (strings, finite numbers, booleans, None, lists of those) survive:
    another tool or a damaged file can put anything in the JSON."""
    import math

    def ok(v):
        if isinstance(v, float):
            return math.isfinite(v)
        return v is None or isinstance(v, (str, int, bool))

    kept = {}
    for key, value in values.items():
        if not isinstance(key, str):
            continue
        if ok(value):
            kept[key] = value
        elif isinstance(value, list) and all(ok(v) for v in value):
            kept[key] = value
        elif isinstance(value, dict):
            kept[key] = {k: v for k, v in value.items() if isinstance(k, str) and ok(v)}
    return kept
