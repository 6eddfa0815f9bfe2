"""Models in a folder tree, told by structure alone: a folder with model_index.json is a
diffusers model, a folder with config.json and .safetensors weights a transformers model
(neither is entered further: their subfolders are parts), a .gguf file a language model
(a split model once, by its first part; mmproj files are vision projectors that go with
the models beside them, not models), an .onnx with its .onnx.json a Piper voice, a lone
.safetensors a checkpoint, VAE, upscaler or LoRA (the folder's studio hint says which it
probably is; the studio's registry reads the header to be sure).

Files are recognised by their first bytes only. Pickle formats (.ckpt, .pt, .pth, .bin)
are never listed: Atelier does not unpickle model files."""

from __future__ import annotations

import re
import struct
from dataclasses import replace
from pathlib import Path

from desktop.core.models.discovery_types import (AUDIO, DIFFUSERS, DIFFUSERS_PART, GGUF, IMAGE, ONNX_VOICE,
                                                 SAFETENSORS, TEXT, TRANSFORMERS, UNKNOWN, VAE, FoundModel)
from desktop.core.models.discovery_walk import Budget, read_json, read_magic, real_path, walk

ALL_KINDS = frozenset({GGUF, DIFFUSERS, DIFFUSERS_PART, SAFETENSORS, ONNX_VOICE, TRANSFORMERS})
GGUF_MAGIC = b"GGUF"
# A safetensors file starts with its JSON header's length (u64, little endian) then "{".
MAX_SAFETENSORS_HEADER = 100 << 20
_SPLIT = re.compile(r"^(?P<stem>.+)-(?P<part>\d{5})-of-(?P<total>\d{5})\.gguf$", re.IGNORECASE)
# model_type values the audio studio loads (transformers VITS / MMS-TTS voices and MusicGen).
AUDIO_MODEL_TYPES = frozenset({"vits", "musicgen", "musicgen_melody"})


def is_gguf(path: Path) -> bool:
    return read_magic(path, 4) == GGUF_MAGIC


def is_safetensors(path: Path, size: int) -> bool:
    head = read_magic(path, 9)
    if len(head) < 9:
        return False
    length = struct.unpack("<Q", head[:8])[0]
    return 2 <= length <= MAX_SAFETENSORS_HEADER and length + 8 <= size and head[8:9] == b"{"


def is_projector(name: str) -> bool:
    """llama.cpp's vision projectors: mmproj-*.gguf (LM Studio, Hugging Face), mmproj.gguf (Jan)."""
    return name.lower().startswith("mmproj")


def scan_tree(root: Path, source: str, budget: Budget, *, studio: str = "", prefix: str = "",
              kinds: frozenset[str] = ALL_KINDS, skip_file=None) -> list[FoundModel]:
    """Every model under `root`, named by its path below `root` (without the model file's
    extension), after `prefix` when one is given. `studio` overrides the hint for all;
    `kinds` limits what is listed; `skip_file(name)` leaves files out (partial downloads)."""
    found: list[FoundModel] = []
    for folder in walk(root, budget):
        rel = folder.path.relative_to(root).parts
        files = folder.files
        if "model_index.json" in files and DIFFUSERS in kinds:
            folder.dirs.clear()
            found.append(_folder_model(folder.path, rel, DIFFUSERS, studio or IMAGE, source, prefix, budget))
            continue
        names = [n for n in sorted(files) if skip_file is None or not skip_file(n)]
        if GGUF in kinds:  # a repository may keep GGUF files beside its transformers weights
            found += _ggufs(folder.path, rel, names, files, source, studio or TEXT, prefix, budget)
        if "config.json" in files and any(n.endswith(".safetensors") for n in files):
            folder.dirs.clear()
            wanted = kinds & {TRANSFORMERS, DIFFUSERS_PART}
            model = _configured_folder(folder.path, rel, source, studio, prefix, budget) if wanted else None
            if model is not None and model.kind in kinds:
                found.append(model)
            continue
        if ONNX_VOICE in kinds:
            found += [_file_model(folder.path / n, rel, n[:-5], ONNX_VOICE, studio or AUDIO, source, prefix,
                                  files[n].st_size)
                      for n in names if n.lower().endswith(".onnx") and f"{n}.json" in files]
        if SAFETENSORS in kinds:
            for n in names:
                if n.lower().endswith(".safetensors") and is_safetensors(folder.path / n, files[n].st_size):
                    found.append(_file_model(folder.path / n, rel, n[:-12], SAFETENSORS, studio or UNKNOWN, source,
                                             prefix, files[n].st_size))
    return found


def _ggufs(path: Path, rel, names, files, source, studio, prefix, budget) -> list[FoundModel]:
    ggufs = [n for n in names if n.lower().endswith(".gguf")]
    projectors = [n for n in ggufs if is_projector(n)]
    projector = str(path / projectors[0]) if projectors else ""
    found = []
    for name in ggufs:
        if name in projectors:
            continue
        split = _SPLIT.match(name)
        if split and int(split["part"]) != 1:
            continue  # llama.cpp opens a split model by its first part and finds the rest
        if not is_gguf(path / name):
            budget.problem(path / name, "not a GGUF file (it does not start with the GGUF magic)")
            continue
        size = files[name].st_size
        stem = name[:-5]
        if split:
            stem = split["stem"]
            parts = [n for n in ggufs if (m := _SPLIT.match(n)) and m["stem"] == stem and m["total"] == split["total"]]
            size = sum(files[n].st_size for n in parts)
        model = _file_model(path / name, rel, stem, GGUF, studio, source, prefix, size)
        found.append(replace(model, projector=projector))
    return found


def model_name(prefix: str, parts) -> str:
    parts = [p for p in parts if p]
    return "/".join(([prefix] if prefix else []) + list(parts)) or "model"


def _file_model(path: Path, rel, stem, kind, studio, source, prefix, size) -> FoundModel:
    return FoundModel(str(path), model_name(prefix, [*rel, stem]), source, kind, studio, size, real_path(path))


def _folder_model(path: Path, rel, kind, studio, source, prefix, budget, detail="") -> FoundModel:
    return FoundModel(str(path), model_name(prefix, rel), source, kind, studio, folder_size(path, budget),
                      real_path(path), detail=detail)


def folder_size(path: Path, budget: Budget) -> int:
    """Bytes of every regular file below `path`, links followed (the Hugging Face cache's
    snapshot links point into blobs/)."""
    return sum(info.st_size for folder in walk(path, budget) for info in folder.files.values())


def _configured_folder(path: Path, rel, source, studio, prefix, budget) -> FoundModel | None:
    """A folder with config.json: one diffusers model (the config names its `_class_name`,
    e.g. a TAESD AutoencoderTiny) or a transformers model (it names a `model_type`)."""
    try:
        config = read_json(path / "config.json", budget.limits.max_config_bytes)
    except (OSError, ValueError) as exc:
        budget.problem(path / "config.json", f"unreadable config.json: {exc}")
        return None
    if not isinstance(config, dict):
        budget.problem(path / "config.json", "config.json is not a JSON object")
        return None
    class_name, model_type = config.get("_class_name"), config.get("model_type")
    if isinstance(class_name, str) and class_name:
        hint = studio or (VAE if "Autoencoder" in class_name else UNKNOWN)
        return _folder_model(path, rel, DIFFUSERS_PART, hint, source, prefix, budget, class_name)
    model_type = model_type if isinstance(model_type, str) else ""
    hint = studio or (AUDIO if model_type in AUDIO_MODEL_TYPES else UNKNOWN)
    return _folder_model(path, rel, TRANSFORMERS, hint, source, prefix, budget, model_type)
