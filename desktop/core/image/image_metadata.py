"""Metadata that travels inside image files.

Written: A1111 `parameters` (what other tools read), Atelier's own JSON (everything,
including model hash and library versions), and the IPTC mark that the file is
AI-generated (XMP DigitalSourceType = trainedAlgorithmicMedia). PNG keeps them in text
chunks; JPEG and WebP in EXIF UserComment and XMP.

Read, in order: Atelier JSON, `parameters` (A1111, Forge, Fooocus, SwarmUI), ComfyUI
`prompt` / `workflow`, InvokeAI `invokeai_metadata` / `sd-metadata` / `Dream`, NovelAI
`Comment`, then EXIF (A1111 and Fooocus UserComment, ComfyUI's WebP tags), and only when
no text holds settings the "stealth" metadata hidden in the pixels. Reading never fails a
caller: metadata is optional, so anything unreadable or hostile reads as none.
"""

from __future__ import annotations

import html
import io
import json
import warnings
from pathlib import Path

from desktop.core import lineage_metadata
from desktop.core.image import a1111_parameters, foreign_metadata, novelai_metadata, png_text, stealth_metadata
from desktop.core.image.metadata_values import json_value
from desktop.core.image.image_settings import ImageSettings, as_float, as_int

ATELIER_KEY = "atelier"
XMP_KEY = "XML:com.adobe.xmp"
AI_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
EXIF_IFD, USER_COMMENT = 0x8769, 0x9286
# ComfyUI's WebP writer puts "prompt:{json}" in IFD0's Model tag and "workflow:{json}" in
# Make, counting down from there for further keys (comfy_extras/nodes_images.py).
_COMFYUI_EXIF_TAGS = range(0x0110, 0x0100, -1)
_SETTINGS_OPEN, _SETTINGS_CLOSE = "<atelier:Settings>", "</atelier:Settings>"
_TEXT_FIELDS = ("prompt", "negative", "sampler", "scheduler", "model_name", "model_hash")
_INT_FIELDS, _FLOAT_FIELDS = ("steps", "seed", "width", "height"), ("guidance", "strength")


def xmp_packet(settings_json: str | None = None) -> str:
    settings = (f"<atelier:Settings>{html.escape(settings_json, quote=False)}</atelier:Settings>"
                if settings_json else "")
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
        'xmlns:atelier="https://atelier.local/ns/1.0/" '
        f'Iptc4xmpExt:DigitalSourceType="{AI_SOURCE_TYPE}">{settings}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def encode_image(image, fmt: str, settings: ImageSettings, details: dict) -> bytes:
    """The image as PNG/JPEG/WebP bytes with its metadata embedded. `details` is the
    Atelier JSON (settings plus model hash, scheduler, versions...)."""
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    parameters = a1111_parameters.format_parameters(settings)
    atelier_json = json.dumps(details, sort_keys=True)
    buffer = io.BytesIO()
    fmt = fmt.upper()
    if fmt == "PNG":
        info = PngInfo()
        info.add_itxt("parameters", parameters)
        info.add_itxt(ATELIER_KEY, atelier_json)
        info.add_itxt(XMP_KEY, xmp_packet())
        image.save(buffer, "PNG", pnginfo=info)
    elif fmt in ("JPEG", "WEBP"):
        exif = Image.Exif()
        exif.get_ifd(EXIF_IFD)[USER_COMMENT] = b"UNICODE\0" + parameters.encode("utf-16-be")
        rgb = image.convert("RGB") if fmt == "JPEG" else image
        rgb.save(buffer, fmt, quality=95, exif=exif.tobytes(), xmp=xmp_packet(atelier_json).encode("utf-8"))
    else:
        raise ValueError(f"Unsupported image format {fmt}")
    return buffer.getvalue()


def read_settings(path: str | Path) -> ImageSettings | None:
    """Settings embedded in an image by Atelier or another tool, or None — also when the
    file is missing, not an image, or its metadata is damaged or hostile. Never raises.
    Pixels are decoded only for stealth metadata, when no text holds settings (bounded:
    see stealth_metadata)."""
    try:
        texts, exif_comment, xmp = _embedded_texts(path)
    except Exception:  # noqa: BLE001 - Pillow's parsers raise many kinds on hostile files
        texts, exif_comment, xmp = None, "", None
    found = settings_from_texts(texts, exif_comment, xmp) if texts is not None else None
    if found is None and texts is not None:
        found = settings_from_stealth(stealth_metadata.read_stealth_text(path))
    return found


def settings_from_stealth(hidden: str | None) -> ImageSettings | None:
    """Stealth metadata holds NovelAI's keys as one JSON object, or A1111 text."""
    if not hidden:
        return None
    data = json_value(hidden) if hidden.lstrip().startswith("{") else None
    if isinstance(data, dict):
        return novelai_metadata.parse_novelai(data) or foreign_metadata.parse_parameters(hidden)
    return foreign_metadata.parse_parameters(hidden)


def _embedded_texts(path: str | Path) -> tuple[dict, str, object]:
    """(text chunks, EXIF UserComment, XMP) without decoding pixels; ComfyUI's EXIF tags
    join the texts under their chunk names."""
    if png_text.is_png(path):
        texts, exif = png_text.read_png_texts(path)
        comment = _exif_user_comment(exif)
        return {**_exif_comfyui_texts(exif), **texts}, comment, texts.get(XMP_KEY)
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # size warnings: no pixels are decoded here
        with Image.open(path) as image:
            texts = {k: v for k, v in image.info.items() if isinstance(k, str) and isinstance(v, (str, bytes))}
            texts.pop("exif", None)  # raw EXIF bytes, read below
            return {**_exif_comfyui_texts(image), **texts}, _exif_user_comment(image), image.info.get("xmp")


def settings_from_texts(texts: dict, exif_comment: str = "", xmp=None) -> ImageSettings | None:
    """The settings in an image's texts (chunk keyword -> text), EXIF comment and XMP, in
    the documented order of precedence; None when none of them holds any. Never raises."""
    texts = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in texts.items()}
    if ATELIER_KEY in texts:
        return _from_atelier(texts[ATELIER_KEY])
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    if isinstance(xmp, str) and (found := _xmp_settings(xmp)) is not None:
        return _from_atelier(html.unescape(found))
    if texts.get("parameters") and (found := foreign_metadata.parse_parameters(texts["parameters"])) is not None:
        return found
    if (found := foreign_metadata.settings_from_foreign(texts)) is not None:
        return found
    if exif_comment:
        return foreign_metadata.parse_parameters(exif_comment)
    return None


def read_lineage(path: str | Path) -> tuple[list[dict], str]:
    """(sources, typed prompt) from the file's Atelier JSON (lineage_metadata); ([], "") when it
    has none or cannot be read. Never raises."""
    try:
        texts, _comment, xmp = _embedded_texts(path)
    except Exception:  # noqa: BLE001 - as in read_settings
        return [], ""
    text = texts.get(ATELIER_KEY)
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    if not isinstance(text, (str, bytes)) and isinstance(xmp, str):
        text = _xmp_settings(xmp)
        text = html.unescape(text) if text is not None else None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        return [], ""
    return lineage_metadata.read_lineage(data)


def is_marked_ai_generated(path: str | Path) -> bool:
    """Whether the file's XMP carries the IPTC AI-generated mark; False when unreadable."""
    try:
        _texts, _comment, xmp = _embedded_texts(path)
    except Exception:  # noqa: BLE001 - as in read_settings
        return False
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    return isinstance(xmp, str) and AI_SOURCE_TYPE in xmp


def _xmp_settings(xmp: str) -> str | None:
    """The text inside the first <atelier:Settings> element (found with str.find: a lazy
    regex rescans to the end from every unclosed opening tag, quadratic on hostile XMP)."""
    start = xmp.find(_SETTINGS_OPEN)
    if start < 0:
        return None
    start += len(_SETTINGS_OPEN)
    end = xmp.find(_SETTINGS_CLOSE, start)
    return xmp[start:end] if end >= 0 else None


def _from_atelier(text: str) -> ImageSettings | None:
    """Atelier's JSON, keeping only values of the right type (other tools and damaged
    files can put anything there); None when it is not a JSON object."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested JSON
        return None
    values = data.get("settings", data) if isinstance(data, dict) else None
    if not isinstance(values, dict):
        return None
    settings = ImageSettings(source="atelier")
    for name in _TEXT_FIELDS:
        if isinstance(values.get(name), str):
            setattr(settings, name, values[name])
    for name in _INT_FIELDS:
        setattr(settings, name, as_int(values.get(name)) if not isinstance(values.get(name), bool) else None)
    for name in _FLOAT_FIELDS:
        setattr(settings, name, as_float(values.get(name)) if not isinstance(values.get(name), bool) else None)
    extra = values.get("extra")
    if isinstance(extra, dict):
        settings.extra = {k: v for k, v in extra.items()
                          if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    return settings


def _exif(source):
    """The EXIF of an open image or of raw EXIF bytes; None when absent or damaged."""
    if not source:
        return None
    from PIL import Image

    try:
        if isinstance(source, bytes):
            exif = Image.Exif()
            exif.load(source)
            return exif
        return source.getexif()
    except Exception:  # noqa: BLE001 - broken EXIF is simply no metadata
        return None


def _exif_comfyui_texts(source) -> dict:
    """{"prompt": ..., "workflow": ...} from ComfyUI's "key:{json}" IFD0 tags."""
    exif, texts = _exif(source), {}
    for tag in _COMFYUI_EXIF_TAGS if exif is not None else ():
        value = exif.get(tag)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        key, sep, body = value.partition(":") if isinstance(value, str) else ("", "", "")
        if sep and key in ("prompt", "workflow") and body.lstrip().startswith("{"):
            texts[key] = body
    return texts


def _exif_user_comment(source) -> str:
    """The EXIF UserComment of an open image or of raw EXIF bytes, as text ("" when there
    is none or the EXIF is damaged). A1111 writes it in the Exif IFD, where it belongs;
    Fooocus in IFD0, as a plain string."""
    exif = _exif(source)
    if exif is None:
        return ""
    try:
        raw = exif.get_ifd(EXIF_IFD).get(USER_COMMENT) or exif.get(USER_COMMENT)
    except Exception:  # noqa: BLE001 - broken EXIF is simply no metadata
        return ""
    if isinstance(raw, str):
        return raw
    if not raw or not isinstance(raw, bytes):  # a damaged tag can hold numbers instead
        return ""
    prefix, body = raw[:8], raw[8:]
    if prefix.startswith(b"UNICODE"):
        # Writers disagree on byte order; ASCII text in big-endian starts with a zero byte.
        return body.decode("utf-16-be" if body[:1] == b"\0" else "utf-16-le", "replace")
    return body.decode("utf-8", "replace").strip("\0")
