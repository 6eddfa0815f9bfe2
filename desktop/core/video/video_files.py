"""Clips on disk: frames encoded to MP4 (H.264, yuv420p), WebM (VP9), animated GIF or animated
WebP with their metadata (desktop/core/video/video_metadata.py says what each carries), a
poster frame beside them, and reading clips back (their facts, frames and metadata).

Encoder: PyAV. Its wheels bundle FFmpeg with libx264 and libvpx, so H.264 and VP9 come inside
the pip package with nothing fetched at run time, and it writes container metadata and reads
clips back through the same library. imageio-ffmpeg would also bundle an ffmpeg, but as a
165 MB executable driven through a pipe: a subprocess per clip, and no metadata reading.
GIF and WebP are written by Pillow (already here for images), which writes the GIF comment
and the WebP XMP / EXIF that FFmpeg's muxers for those formats do not.

Sides: H.264 in yuv420p needs even sizes; an odd side is cropped by one pixel."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from desktop.core.errors import UserFacingError
from desktop.core.video import video_metadata as vm
from desktop.core.video.video_metadata import ClipMetadata, VideoTags

H264_CRF = "18"        # visually lossless for generated clips; they are short
VP9_CRF = "32"
WEBP_QUALITY = 90
PROBE_BYTES = "5000000"  # how much FFmpeg may read to learn a file's streams
MAX_BOXES = 64
MAX_FRAMES_READ = 10_000


def encode_video(frames: Iterable, fps: int, file_format: str, tags: VideoTags, target: Path,
                 sound=None) -> int:
    """Writes the clip to `target` (a partial file the caller moves into place, or see
    save_atomically). Returns the number of frames written. Frames are PIL images; `sound`
    (soundtrack.Sound) goes under them in MP4 or WebM, cut or padded to the picture's length."""
    file_format = file_format.lower()
    if file_format in ("mp4", "webm"):
        return _encode_with_ffmpeg(frames, fps, file_format, tags, Path(target), sound)
    if sound is not None:
        raise UserFacingError(f"A {file_format.upper()} clip carries no sound: save it as MP4 or WebM.")
    if file_format in ("gif", "webp"):
        return _encode_with_pillow(list(frames), fps, file_format, tags, Path(target))
    raise UserFacingError(f"Clips are saved as mp4, webm, gif or webp (got {file_format!r}).")


def save_atomically(frames: Iterable, fps: int, file_format: str, tags: VideoTags, final: Path) -> Path:
    """encode_video to a temporary name beside `final`, flushed to disk, then renamed: a crash
    never leaves half a clip under the final name."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".partial-", suffix=final.suffix, dir=final.parent)
    os.close(fd)
    try:
        encode_video(frames, fps, file_format, tags, Path(temporary))
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return final


def _even(frame):
    width, height = frame.size
    if width % 2 or height % 2:
        frame = frame.crop((0, 0, width - width % 2, height - height % 2))
    return frame.convert("RGB")


def _encode_with_ffmpeg(frames: Iterable, fps: int, file_format: str, tags: VideoTags, target: Path,
                        sound=None) -> int:
    import av

    from desktop.core.video import soundtrack

    options = {"movflags": "+faststart+use_metadata_tags"} if file_format == "mp4" else {}
    count = 0
    with av.open(str(target), "w", format=file_format, options=options) as container:
        container.metadata.update(vm.container_tags(tags))
        stream = None
        for frame in frames:
            frame = _even(frame)
            if stream is None:
                codec = "libx264" if file_format == "mp4" else "libvpx-vp9"
                stream = container.add_stream(codec, rate=fps)
                stream.width, stream.height = frame.size
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": H264_CRF, "preset": "medium"} if file_format == "mp4" else \
                    {"crf": VP9_CRF, "b:v": "0", "row-mt": "1"}
                if sound is not None:  # every stream exists before the first packet is muxed
                    soundtrack.add_sound_stream(container, file_format, sound.rate)
            elif frame.size != (stream.width, stream.height):
                raise UserFacingError(f"Frame {count + 1} is {frame.size[0]}×{frame.size[1]}, the clip "
                                      f"{stream.width}×{stream.height}: all frames must be the same size.")
            for packet in stream.encode(av.VideoFrame.from_image(frame)):
                container.mux(packet)
            count += 1
        if stream is None:
            raise UserFacingError("A clip needs at least one frame.")
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            soundtrack.encode_sound(container, sound, count / fps, file_format)
    if file_format == "mp4":
        with open(target, "ab") as handle:  # a top-level box after moov: players skip it, XMP readers find it
            handle.write(vm.mp4_xmp_box(tags))
    return count


def _encode_with_pillow(frames: list, fps: int, file_format: str, tags: VideoTags, target: Path) -> int:
    from PIL import Image

    if not frames:
        raise UserFacingError("A clip needs at least one frame.")
    frames = [f.convert("RGB") for f in frames]
    duration = round(1000 / fps)  # GIF keeps hundredths of a second: the exact fps is in the JSON
    if file_format == "gif":
        frames[0].save(target, "GIF", save_all=True, append_images=frames[1:], duration=duration, loop=0,
                       comment=vm.gif_comment(tags).encode("utf-8"), optimize=False)
    else:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + tags.parameters().encode("utf-16-be")
        frames[0].save(target, "WEBP", save_all=True, append_images=frames[1:], duration=duration, loop=0,
                       quality=WEBP_QUALITY, exif=exif.tobytes(),
                       xmp=vm.xmp_packet(tags.atelier_json()).encode("utf-8"))
    return len(frames)


def poster_name(clip: str) -> str:
    """Where a clip's poster lives: beside it, named after it (`x.mp4` -> `x-poster.png`). The
    one rule for the jobs that write posters, the import that restores them and the Library's
    tiles that find them without a query; works for library-relative and absolute paths."""
    clip = str(clip)
    cut = max(clip.rfind("/"), clip.rfind(os.sep))  # library paths use "/"; absolute ones the system's
    folder, name = clip[:cut + 1], clip[cut + 1:]
    return f"{folder}{name.rsplit('.', 1)[0]}-poster.png"


def poster_png(frame, tags: VideoTags) -> bytes:
    """The poster (the clip's first frame) as PNG, with the clip's metadata in text chunks."""
    import io

    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_itxt("parameters", tags.parameters())
    info.add_itxt("atelier", tags.atelier_json())
    info.add_itxt("XML:com.adobe.xmp", vm.xmp_packet())
    buffer = io.BytesIO()
    frame.convert("RGB").save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


# --- Reading clips back ---------------------------------------------------------------------

@dataclass
class ClipFacts:
    frames: int
    fps: float
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps if self.fps else 0.0


def _is_pillow_format(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(12)
    return head[:6] in (b"GIF87a", b"GIF89a") or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


def _open_av(path: Path):
    import av

    return av.open(str(path), options={"probesize": PROBE_BYTES, "analyzeduration": "5000000"})


def probe(path: str | Path) -> ClipFacts:
    """Frame count, frame rate and size without decoding pictures (packets are counted);
    UserFacingError when the file is not a clip Atelier can read."""
    path = Path(path)
    try:
        if _is_pillow_format(path):
            from PIL import Image

            with Image.open(path) as image:
                count, total_ms = 0, 0
                for index in range(min(getattr(image, "n_frames", 1), MAX_FRAMES_READ)):
                    image.seek(index)
                    image.load()  # WebP knows a frame's duration only once it is read
                    total_ms += image.info.get("duration") or 0
                    count += 1
                return ClipFacts(count, count * 1000 / total_ms if total_ms else 0.0, image.width, image.height)
        with _open_av(path) as container:
            stream = container.streams.video[0]
            count = 0
            for packet in container.demux(stream):
                if packet.size:
                    count += 1
                if count > MAX_FRAMES_READ:
                    break
            return ClipFacts(count, float(stream.average_rate or stream.guessed_rate or 0), stream.width,
                             stream.height)
    except (OSError, ValueError, IndexError, EOFError) as exc:
        raise UserFacingError(f"{path.name} is not a clip Atelier can read ({exc}).") from None


def read_frames(path: str | Path, limit: int = MAX_FRAMES_READ) -> list:
    """The clip's frames as PIL RGB images (at most `limit`); UserFacingError for an unreadable file."""
    return list(iter_frames(path, limit))


def iter_frames(path: str | Path, limit: int = MAX_FRAMES_READ):
    """The clip's frames one at a time (memory holds one), as PIL RGB images."""
    path = Path(path)
    try:
        if _is_pillow_format(path):
            from PIL import Image, ImageSequence

            with Image.open(path) as image:
                for _, frame in zip(range(limit), ImageSequence.Iterator(image)):
                    yield frame.convert("RGB")
            return
        with _open_av(path) as container:
            for _, frame in zip(range(limit), container.decode(video=0)):
                yield frame.to_image()
    except (OSError, ValueError, IndexError, EOFError) as exc:
        raise UserFacingError(f"{path.name} could not be read as a clip ({exc}).") from None


def last_frame(path: str | Path):
    """The clip's last frame (for "Extend from the last frame")."""
    frames = read_frames(path)
    if not frames:
        raise UserFacingError(f"{Path(path).name} has no frames.")
    return frames[-1]


def read_metadata(path: str | Path) -> ClipMetadata | None:
    """The metadata Atelier (or another tool) put in a clip, or None — also for a missing,
    damaged or hostile file. Never raises; decodes no pictures."""
    try:
        path = Path(path)
        if _is_pillow_format(path):
            return _pillow_metadata(path)
        with _open_av(path) as container:
            tags = {str(k).lower(): v for k, v in container.metadata.items()}
        xmp = _mp4_xmp(path)
        atelier = tags.get("atelier") or (vm.settings_in_xmp(xmp) if xmp else None)
        marks = [tags.get("digital_source_type") or "", xmp or ""]
        return vm.from_texts(atelier, tags.get("comment"), marks)
    except Exception:  # noqa: BLE001 - FFmpeg and Pillow raise many kinds on hostile files
        return None


def _pillow_metadata(path: Path) -> ClipMetadata | None:
    from PIL import Image

    with Image.open(path) as image:
        info = dict(image.info)
        exif_comment = ""
        if image.format == "WEBP" and info.get("exif"):
            raw = image.getexif().get_ifd(0x8769).get(0x9286)
            if isinstance(raw, bytes) and raw.startswith(b"UNICODE\0"):
                exif_comment = raw[8:].decode("utf-16-be", "replace")
    if "comment" in info:
        comment = info["comment"].decode("utf-8", "replace") if isinstance(info["comment"], bytes) else str(info["comment"])
        parameters, atelier = vm.split_gif_comment(comment)
        return vm.from_texts(atelier, parameters, [comment])
    xmp = info.get("xmp")
    xmp = xmp.decode("utf-8", "replace") if isinstance(xmp, bytes) else xmp
    atelier = vm.settings_in_xmp(xmp) if isinstance(xmp, str) else None
    return vm.from_texts(atelier, exif_comment or None, [xmp] if isinstance(xmp, str) else [])


def _mp4_xmp(path: Path) -> str | None:
    """The XMP packet of an MP4's top-level uuid box, looking at MAX_BOXES boxes at most."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        offset = 0
        for _ in range(MAX_BOXES):
            if offset + 8 > size:
                return None
            handle.seek(offset)
            header = handle.read(8)
            length, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if length == 1:
                length = int.from_bytes(handle.read(8), "big")
            elif length == 0:
                length = size - offset
            if length < 8:
                return None
            if kind == b"uuid" and length <= vm.MAX_TEXT:
                body = handle.read(length - 8)
                if body[:16] == vm.XMP_UUID:
                    return body[16:].decode("utf-8", "replace")
            offset += length
    return None
