"""Files in the library's assets folder that no row claims, brought back as library items
from the metadata they carry — after a damaged database was set aside and a fresh one
started (desktop/store/rebuild.py). Images give their prompt, negative, seed, size and
model from Atelier's JSON (or A1111 / ComfyUI / InvokeAI text); audio files from their
Vorbis comments or RIFF INFO. A file with no readable metadata is still adopted, with an
empty prompt, so that nothing a person made becomes invisible."""

from __future__ import annotations

import logging
from pathlib import Path

from desktop.store.asset_files import TEMP_PREFIX, WrittenFile, sha256_of_file
from desktop.store.generations import AssetMeta, NewGeneration, transaction

log = logging.getLogger(__name__)
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
AUDIO_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg"}


def adoptable_files(folder: Path) -> list[Path]:
    """Every finished image or audio file under `folder`."""
    return sorted(path for path in folder.rglob("*") if path.is_file() and not path.name.startswith(TEMP_PREFIX)
                  and path.suffix.lower() in IMAGE_TYPES | AUDIO_TYPES)


def adopt_file(library, path: Path) -> int | None:
    """A done generation for `path` (inside the library folder); None for a file of another kind."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_TYPES:
        new, asset_size = _image_generation(path), _image_size(path)
        mime, duration = IMAGE_TYPES[suffix], None
    elif suffix in AUDIO_TYPES:
        new, asset_size = _audio_generation(path), (None, None)
        mime, duration = AUDIO_TYPES[suffix], _audio_duration(path)
    else:
        return None
    root = library.layout.root
    relative = path.relative_to(root).as_posix()
    new.params = {**new.params, "adopted_from": relative}
    written = WrittenFile(path, relative, sha256_of_file(path), path.stat().st_size)
    made_at = path.stat().st_mtime
    with transaction(library.conn):
        generation_id = library.generations.start(new)
        library.generations.finish(generation_id, stats={"adopted": True},
                                   assets=[AssetMeta(written, mime, *asset_size, duration)])
        # In the library's order by when the file was made, not by when it was found.
        library.conn.execute("UPDATE generations SET created_at=?, started_at=?, finished_at=? WHERE id=?",
                             (made_at, made_at, made_at, generation_id))
    return generation_id


def adopt_all(library, files: list[Path]) -> int:
    adopted = 0
    for path in files:
        try:
            adopted += adopt_file(library, path) is not None
        except OSError as exc:  # unreadable: it stays where it is, and the check lists it
            log.warning("Could not adopt %s: %s", path, exc)
    return adopted


def _image_generation(path: Path) -> NewGeneration:
    from desktop.core.image.image_metadata import read_settings
    from desktop.core.image.image_settings import ImageSettings

    found = read_settings(path) or ImageSettings()
    params = {"steps": found.steps, "guidance": found.guidance, "width": found.width, "height": found.height,
              "scheduler": found.sampler, "source": found.source}
    return NewGeneration(modality="image", kind="adopted", prompt=found.prompt, negative=found.negative,
                         params={k: v for k, v in params.items() if v not in (None, "")},
                         model_name=found.model_name, model_sha256=found.model_hash,
                         seed=found.seed if isinstance(found.seed, int) and 0 <= found.seed < 2**63 else None)


def _audio_generation(path: Path) -> NewGeneration:
    from desktop.core.audio.audio_files import read_tags

    tags = read_tags(path)
    settings = tags.get("settings") if isinstance(tags.get("settings"), dict) else {}
    seed = tags.get("seed")
    return NewGeneration(modality="audio", kind="adopted", prompt=str(tags.get("text") or ""), params=settings,
                         model_name=str(tags.get("model") or ""),
                         seed=seed if isinstance(seed, int) and 0 <= seed < 2**63 else None)


def _image_size(path: Path) -> tuple[int | None, int | None]:
    from PIL import Image

    try:
        with Image.open(path) as image:  # reads the header only
            return image.size
    except Exception:  # noqa: BLE001 - Pillow raises many kinds on damaged files
        return None, None


def _audio_duration(path: Path) -> float | None:
    try:
        import soundfile as sf

        info = sf.info(str(path))
        return info.frames / info.samplerate if info.samplerate else None
    except Exception:  # noqa: BLE001 - libsndfile raises its own kinds on damaged files
        return None

