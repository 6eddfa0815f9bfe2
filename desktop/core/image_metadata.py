"""Metadata that travels inside image files.

Written: A1111 `parameters` (what other tools read), Atelier's own JSON (everything,
including model hash and library versions), and the IPTC mark that the file is
AI-generated (XMP DigitalSourceType = trainedAlgorithmicMedia). PNG keeps them in text
chunks; JPEG and WebP in EXIF UserComment and XMP.

Read, in order: Atelier JSON, A1111 `parameters`, ComfyUI `prompt` / `workflow`,
InvokeAI `invokeai_metadata` / `sd-metadata`, and A1111 text in EXIF.
"""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

from desktop.core import a1111_parameters, foreign_metadata
from desktop.core.image_settings import ImageSettings

ATELIER_KEY = "atelier"
XMP_KEY = "XML:com.adobe.xmp"
AI_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
EXIF_IFD, USER_COMMENT = 0x8769, 0x9286
_XMP_SETTINGS = re.compile(r"<atelier:Settings>(.*?)</atelier:Settings>", re.S)


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
    """Settings embedded in an image by Atelier or another tool, or None."""
    from PIL import Image

    with Image.open(path) as image:
        texts = {k: v for k, v in (getattr(image, "text", None) or image.info).items() if isinstance(v, (str, bytes))}
        exif_comment = _exif_user_comment(image)
        xmp = image.info.get("xmp") or texts.get(XMP_KEY)
    return settings_from_texts(texts, exif_comment, xmp)


def settings_from_texts(texts: dict, exif_comment: str = "", xmp=None) -> ImageSettings | None:
    texts = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v) for k, v in texts.items()}
    if ATELIER_KEY in texts:
        return _from_atelier(texts[ATELIER_KEY])
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    if xmp and (match := _XMP_SETTINGS.search(xmp)):
        return _from_atelier(html.unescape(match.group(1)))
    if texts.get("parameters"):
        return a1111_parameters.parse_parameters(texts["parameters"])
    for key, parse in (("prompt", foreign_metadata.parse_comfyui_prompt),
                       ("workflow", foreign_metadata.parse_comfyui_workflow),
                       ("invokeai_metadata", foreign_metadata.parse_invokeai),
                       ("sd-metadata", foreign_metadata.parse_invokeai)):
        if texts.get(key) and (found := parse(texts[key])) is not None:
            return found
    if exif_comment:
        return a1111_parameters.parse_parameters(exif_comment)
    return None


def is_marked_ai_generated(path: str | Path) -> bool:
    from PIL import Image

    with Image.open(path) as image:
        xmp = image.info.get("xmp") or (getattr(image, "text", {}) or {}).get(XMP_KEY) or b""
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    return AI_SOURCE_TYPE in xmp


def _from_atelier(text: str) -> ImageSettings | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    settings = ImageSettings.from_dict(data.get("settings", data))
    settings.source = "atelier"
    return settings


def _exif_user_comment(image) -> str:
    try:
        raw = image.getexif().get_ifd(EXIF_IFD).get(USER_COMMENT)
    except Exception:  # noqa: BLE001 - broken EXIF is simply no metadata
        return ""
    if not raw:
        return ""
    if isinstance(raw, str):
        return raw
    prefix, body = raw[:8], raw[8:]
    if prefix.startswith(b"UNICODE"):
        # Writers disagree on byte order; ASCII text in big-endian starts with a zero byte.
        return body.decode("utf-16-be" if body[:1] == b"\0" else "utf-16-le", "replace")
    return body.decode("utf-8", "replace").strip("\0")
