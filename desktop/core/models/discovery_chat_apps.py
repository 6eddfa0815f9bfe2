"""GGUF models kept by the desktop chat apps, used in place:

- LM Studio: models/{publisher}/{repository}/{file}.gguf, as on the Hugging Face hub
  (lmstudio.ai/docs/app/advanced/import-model); mmproj-*.gguf beside a model is its
  vision projector. LM Studio also keeps MLX folders on Macs, which Atelier cannot load.
- GPT4All: a flat folder of .gguf files; a download in progress is incomplete-{name}.
- Jan: {data folder}/llamacpp/models/{model id}/model.yml (model_path and mmproj_path,
  relative to the data folder or absolute — imported files stay where they were) beside
  the downloaded model.gguf / mmproj.gguf; Jan 0.5 kept GGUFs under {data folder}/models;
  Jan before 0.5 under ~/jan/models (the same plain tree)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from desktop.core.models.discovery_folders import is_gguf, is_projector, model_name, scan_tree
from desktop.core.models.discovery_types import GGUF, GPT4ALL, JAN, LM_STUDIO, TEXT, FoundModel
from desktop.core.models.discovery_walk import Budget, is_folder, read_yaml, real_path, regular_file, walk

GGUF_ONLY = frozenset({GGUF})
# {model id} may hold "/" (Jan's import allows it): model.yml can sit a few folders down.
JAN_MODEL_DEPTH = 4


def scan_lm_studio(root: Path, budget: Budget) -> list[FoundModel]:
    return scan_tree(root, LM_STUDIO, budget, kinds=GGUF_ONLY)


def scan_gpt4all(root: Path, budget: Budget) -> list[FoundModel]:
    return scan_tree(root, GPT4ALL, budget, kinds=GGUF_ONLY, skip_file=lambda n: n.startswith("incomplete-"))


def jan_model_folders(data: Path) -> list[Path]:
    """Where a Jan data folder keeps models: llamacpp/models (Jan 0.6+), models (0.5)."""
    return [p for p in (data / "llamacpp" / "models", data / "models") if is_folder(p)]


def scan_jan(data: Path, budget: Budget) -> list[FoundModel]:
    """`data` is a Jan data folder, or a plain models tree (Jan before 0.5)."""
    folders = jan_model_folders(data) or [data]
    found = [_named_by_id(m) for folder in folders for m in scan_tree(folder, JAN, budget, kinds=GGUF_ONLY)]
    llamacpp = data / "llamacpp" / "models"
    if is_folder(llamacpp):
        found += _configured_models(data, llamacpp, budget)
    return found


def _configured_models(data: Path, models: Path, budget: Budget) -> list[FoundModel]:
    """Models a model.yml names outside its own folder (imported in place)."""
    found = []
    for folder in walk(models, budget, max_depth=JAN_MODEL_DEPTH):
        if "model.yml" not in folder.files:
            continue
        folder.dirs.clear()
        try:
            config = read_yaml(folder.path / "model.yml", budget.limits.max_config_bytes)
        except (OSError, ValueError) as exc:
            budget.problem(folder.path / "model.yml", f"Jan model skipped: {exc}")
            continue
        if not isinstance(config, dict) or not isinstance(config.get("model_path"), str):
            continue
        model = _jan_file(data, config["model_path"])
        if model is None or model.is_relative_to(folder.path):
            continue  # the folder's own model.gguf was found by the tree scan
        info = regular_file(model)
        if info is None or is_projector(model.name) or not is_gguf(model):
            budget.problem(folder.path / "model.yml", f"Jan model skipped: {model} is not a readable GGUF file")
            continue
        projector = _jan_file(data, config.get("mmproj_path")) if isinstance(config.get("mmproj_path"), str) else None
        name = config.get("name") if isinstance(config.get("name"), str) and config.get("name") else \
            model_name("", folder.path.relative_to(models).parts)
        found.append(FoundModel(str(model), name, JAN, GGUF, TEXT, info.st_size, real_path(model),
                                projector=str(projector) if projector and regular_file(projector) else ""))
    return found


def _jan_file(data: Path, value: str) -> Path | None:
    path = Path(value)
    return path if path.is_absolute() else data / path


def _named_by_id(model: FoundModel) -> FoundModel:
    """Jan's downloads are all called model.gguf: name them by their model id instead."""
    return replace(model, name=model.name.removesuffix("/model"))
