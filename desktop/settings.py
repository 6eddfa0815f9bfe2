"""Every setting and its default is declared once, here; values persist as JSON.

Settings are plain Python (no Qt) so the CLI and the GUI share them. The GUI wraps
them in an observable object (desktop/viewmodels/settings_model.py).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from desktop import paths

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
# Settings renamed since, old name -> new name: an older file's value is kept under the new name.
RENAMED = {"last_upscaler": "last_upscaler_model"}  # schema 2: every studio's last model is last_<studio>_model
THEMES = ("system", "light", "dark")


def setting(default, label: str = "", help: str = "", minimum: int | None = None, maximum: int | None = None,
            step: int = 1, unit: str = "", choices: dict | None = None, zero_means: str = "", folder: bool = False,
            section: str = "General", secret: bool = False):
    """One setting's declaration: its default and, for those a person edits in Settings, the
    label, help, range and step (ints, clamped on load), choices with their labels (anything
    else falls back to the default), what 0 means where it asks for an automatic value,
    whether a text is a folder, and the Settings tab it sits on. A secret (an access token) is
    kept in its own file readable only by its owner, never in settings.json, never in a repr.
    {cores}, {half_ram_mib} and {cpu_precision} in texts are facts about this machine that the
    dialog fills in. Settings without a label are the app's state."""
    meta = {"label": label, "help": help, "minimum": minimum, "maximum": maximum, "step": step, "unit": unit,
            "choices": dict(choices or {}), "zero_means": zero_means, "folder": folder, "section": section,
            "secret": secret}
    if isinstance(default, list):
        return field(default_factory=list, metadata=meta)
    return field(default=default, metadata=meta, repr=not secret)


@dataclass
class Settings:
    data_dir: str = setting("", "Data folder", "Library and outputs; empty means the platform's standard data "
                            "folder. Takes effect after a restart.", folder=True)
    models_dir: str = setting("", "Models folder", "Where downloaded models go, as publisher/model/ folders that "
                              "other tools can use too; empty means <data>/models.", folder=True, section="Models")
    model_dirs: list[str] = setting([], "Model folders", "Folders scanned for models, besides the models folder, "
                                    "the built-in models and other apps' models.", section="Models")
    # Other apps' model stores (LM Studio, Ollama, ComfyUI...) are found in their standard places;
    # these are more roots a person added. Their models are used in place, never copied.
    other_app_dirs: list[str] = setting([], "Other apps' folders", "Roots of other apps' model stores (LM Studio, "
                                        "Ollama, GPT4All, Jan, ComfyUI, A1111, a Hugging Face cache) besides their "
                                        "standard places; used in place, never copied.", section="Models")
    hidden_models: list[str] = setting([])  # other apps' models a person hid from the lists
    pending_downloads: list[str] = setting([])  # unfinished downloads (JSON), resumed from the Models window
    hub_endpoint: str = setting("", "Download address", "A Hugging Face mirror; empty means HF_ENDPOINT from the "
                                "environment, else https://huggingface.co.", section="Downloads")
    hub_token: str = setting("", "Access token", "For gated or private repositories (accept the licence on the "
                             "model's page first). Kept in its own file readable only by you; never logged or "
                             "exported.", section="Downloads", secret=True)
    offline: bool = setting(False, "Offline", "Nothing leaves this machine: no downloads and no catalog checks.",
                            section="Downloads")
    # Single model files the person added (by dialog or drop); used in place, never copied.
    model_files: list[str] = setting([])
    # 0 means "the number of physical cores" (llama.cpp's own default is half the logical CPUs).
    cpu_threads: int = setting(0, "CPU threads", "Threads for every engine.", 0, 256,
                               zero_means="Automatic ({cores} physical cores)")
    context_length: int = setting(4096, "Context length", "Tokens the model sees at once; capped at what the "
                                  "model was trained for.", 512, 262144, step=1024)
    memory_budget_mib: int = setting(0, "Memory for loaded models", "Loaded models are kept under this budget.",
                                     0, 1024 * 1024, step=512, unit=" MiB",
                                     zero_means="Automatic (half the RAM, {half_ram_mib:,} MiB)")
    # "auto" is fp16 on CUDA, bf16 on CPUs with native bf16, else fp32: the same seed gives the
    # same pixels only with the same precision and device, so images record the one they ran in.
    image_precision: str = setting("auto", "Image precision", "The same seed gives the same pixels only with the "
                                   "same precision and device; every image records the one it ran in.",
                                   choices={"auto": "Automatic (fp16 on a CUDA GPU; {cpu_precision} on this CPU)",
                                            "fp32": "fp32 (full precision; the reference)",
                                            "bf16": "bf16 (half the memory; fast only on CPUs with native bf16)",
                                            "fp16": "fp16 (CUDA GPUs only)"})
    theme: str = setting("system", "Theme", choices={"system": "Follow the system", "light": "Light", "dark": "Dark"})
    # The model each studio used last, by the studio's key (text, code, image, upscaler, audio).
    last_text_model: str = setting("")
    last_code_model: str = setting("")
    last_image_model: str = setting("")
    last_upscaler_model: str = setting("")
    last_audio_model: str = setting("")
    last_video_model: str = setting("")
    last_video_adapter: str = setting("")  # the motion adapter chosen with an AnimateDiff base
    window_geometry: str = setting("")  # base64 of QMainWindow.saveGeometry()
    window_state: str = setting("")

    def resolved_data_dir(self) -> Path:
        return Path(self.data_dir).expanduser() if self.data_dir else paths.default_data_dir()


def settings_path() -> Path:
    return paths.config_dir() / "settings.json"


def secrets_path(path: Path) -> Path:
    """Secret settings live beside settings.json, in a file only its owner can read."""
    return path.with_name("secrets.json")


def _stored_values(path: Path) -> dict:
    """The "values" object of a settings file; {} when it is missing, unreadable or odd."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("Settings file %s is unreadable (%s); using defaults", path.name, exc)
        return {}
    stored = raw.get("values", {}) if isinstance(raw, dict) else {}
    return stored if isinstance(stored, dict) else {}


def load(path: Path | None = None) -> Settings:
    """Read settings; unknown keys are ignored and a broken file falls back to defaults."""
    path = path or settings_path()
    stored = _stored_values(path)
    for old, new in RENAMED.items():
        if old in stored and new not in stored:
            stored[new] = stored[old]
    secret = {f.name for f in fields(Settings) if f.metadata.get("secret")}
    stored = {k: v for k, v in stored.items() if k not in secret}  # only ever read from the secrets file
    stored.update({k: v for k, v in _stored_values(secrets_path(path)).items() if k in secret})
    settings = Settings()
    for declared in fields(Settings):
        if declared.name in stored:
            setattr(settings, declared.name, _checked(declared, stored[declared.name], getattr(settings, declared.name)))
    return settings


def declared() -> list:
    """The settings a person edits in Settings, in order (dataclass fields with a label)."""
    return [f for f in fields(Settings) if f.metadata.get("label")]


def _checked(declared, value, default):
    """A stored value as its declaration allows: of the default's type (lists of strings),
    ints clamped to their range, choices one of them; otherwise the default."""
    meta = declared.metadata
    if type(value) is not type(default) or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
        return default
    if isinstance(value, int):
        low, high = meta.get("minimum"), meta.get("maximum")
        return max(low if low is not None else value, min(high if high is not None else value, value))
    if meta.get("choices") and value not in meta["choices"]:
        return default
    return value


def save(settings: Settings, path: Path | None = None) -> None:
    """Write atomically so a crash mid-save never leaves a half file; secrets go to their own
    file, created readable by its owner only."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    values = asdict(settings)
    secrets = {f.name: values.pop(f.name) for f in fields(Settings) if f.metadata.get("secret")}
    _write_json(path, {"schema": SCHEMA_VERSION, "values": values})
    if any(secrets.values()) or secrets_path(path).exists():
        _write_json(secrets_path(path), {"schema": SCHEMA_VERSION, "values": secrets})


def _write_json(path: Path, payload: dict) -> None:
    import tempfile  # only when saving: keeps it out of start-up

    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", dir=path.parent)  # mkstemp: mode 0600
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(payload, indent=2))
    os.replace(tmp, path)
