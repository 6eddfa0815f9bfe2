"""Where other apps keep models on Linux, macOS and Windows, from a home folder and an
environment given as arguments (so every platform can be tested on any machine). Each
place is taken from the app's documentation or its maintainers' answers; the sources are
listed beside each one. Only folders that exist are returned, each once."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

from desktop.core.models.comfyui_a1111 import extra_roots, tree_kind
from desktop.core.models.discovery_chat_apps import jan_model_folders
from desktop.core.models.discovery_types import (COMFYUI, GPT4ALL, GPT4ALL_LAYOUT, HF_CACHE, HF_LAYOUT, JAN, JAN_LAYOUT,
                                                 LM_STUDIO, LM_STUDIO_LAYOUT, OLLAMA, OLLAMA_LAYOUT, AppRoot)
from desktop.core.models.discovery_walk import Budget, ScanLimits, is_folder, read_json
from desktop.core.models.ollama_library import looks_like_store

_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)|%(\w+)%")
_SETTINGS_BYTES = 1 << 20


class _Places:
    def __init__(self, home: Path, environ: Mapping[str, str], platform: str):
        self.home, self.environ = Path(home), environ
        self.windows, self.mac = platform.startswith("win"), platform == "darwin"

    def expand(self, value: str) -> Path:
        """~ and $VAR / ${VAR} / %VAR% from the given environment, not this process's."""
        value = _VARIABLE.sub(lambda m: self.environ.get(m[1] or m[2] or m[3], m[0]), value.strip())
        if value == "~" or value.startswith(("~/", "~\\")):
            return self.home / value[2:]
        return Path(value)

    def env(self, name: str, default: Path) -> Path:
        return self.expand(self.environ[name]) if self.environ.get(name) else default

    def app_data(self) -> Path:  # Windows' roaming %APPDATA%
        return self.env("APPDATA", self.home / "AppData" / "Roaming")

    def local_app_data(self) -> Path:  # Windows' %LOCALAPPDATA%
        return self.env("LOCALAPPDATA", self.home / "AppData" / "Local")

    def app_support(self) -> Path:  # macOS
        return self.home / "Library" / "Application Support"

    def xdg_config(self) -> Path:
        return self.env("XDG_CONFIG_HOME", self.home / ".config")

    def xdg_data(self) -> Path:
        return self.env("XDG_DATA_HOME", self.home / ".local" / "share")


def hf_cache_candidates(p: _Places) -> list[Path]:
    """huggingface_hub's own order (constants.py): HF_HUB_CACHE, the older
    HUGGINGFACE_HUB_CACHE, HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub
    (the same on every platform). The default is kept too when a variable points
    elsewhere: models downloaded before it was set are still there."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if p.environ.get(name):
            return [p.expand(p.environ[name]), p.home / ".cache" / "huggingface" / "hub"]
    hf_home = p.env("HF_HOME", p.env("XDG_CACHE_HOME", p.home / ".cache") / "huggingface")
    return [hf_home / "hub", p.home / ".cache" / "huggingface" / "hub"]


def lm_studio_candidates(p: _Places) -> list[Path]:
    """~/.lmstudio/models (lmstudio.ai/docs/app/advanced/import-model); ~/.cache/lm-studio/models
    before LM Studio 0.3 (lmstudio-ai/lms#50; Msty's issue quoting the Windows path); a
    moved folder is the "downloadsFolder" of settings.json (as the LMSPLS launcher edits it
    in %APPDATA%\\LM Studio\\settings.json; newer versions keep it in ~/.lmstudio)."""
    found = [p.home / ".lmstudio" / "models", p.home / ".cache" / "lm-studio" / "models"]
    settings = [p.home / ".lmstudio" / "settings.json", p.home / ".cache" / "lm-studio" / "settings.json"]
    if p.windows:
        settings.append(p.app_data() / "LM Studio" / "settings.json")
    for path in settings:
        folder = _json_setting(path, "downloadsFolder")
        if folder:
            moved = p.expand(folder)
            found.insert(0, moved if moved.is_absolute() else path.parent / moved)
    return found


def gpt4all_candidates(p: _Places) -> list[Path]:
    """The chat app's models directory, per GPT4All's FAQ (quoted in nomic-ai/gpt4all#3485):
    ~/.local/share/nomic.ai/GPT4All, ~/Library/Application Support/nomic.ai/GPT4All,
    %LOCALAPPDATA%\\nomic.ai\\GPT4All; and ~/.cache/gpt4all, the Python bindings' folder
    (gpt4all.py's DEFAULT_MODEL_DIRECTORY, quoted in simonw/llm-gpt4all#21)."""
    if p.windows:
        app = p.local_app_data() / "nomic.ai" / "GPT4All"
    elif p.mac:
        app = p.app_support() / "nomic.ai" / "GPT4All"
    else:
        app = p.xdg_data() / "nomic.ai" / "GPT4All"
    return [app, p.home / ".cache" / "gpt4all"]


def jan_candidates(p: _Places) -> list[Path]:
    """Jan's data folder (jan.ai/docs/data-folder): %APPDATA%\\Jan\\data,
    ~/Library/Application Support/Jan/data, ~/.config/Jan/data; the Linux packages of
    Jan 0.6 use ~/.local/share/Jan/data (janhq/jan#6018, #6811). A moved data folder is
    "data_folder" in the settings.json beside it (janhq/jan#8412). ~/jan/models before 0.5
    (janhq/jan#1494)."""
    if p.windows:
        apps = [p.app_data() / "Jan"]
    elif p.mac:
        apps = [p.app_support() / "Jan"]
    else:
        apps = [p.xdg_config() / "Jan", p.xdg_data() / "Jan"]
    found = []
    for app in apps:
        moved = _json_setting(app / "settings.json", "data_folder")
        found += ([p.expand(moved)] if moved else []) + [app / "data"]
    return found + [p.home / "jan" / "models"]


def ollama_candidates(p: _Places, system_root: Path) -> list[Path]:
    """OLLAMA_MODELS, else ~/.ollama/models (macOS, Windows, Linux when run as the user);
    the Linux service's /usr/share/ollama/.ollama/models (Ollama's FAQ, docs/faq.md)."""
    found = [p.expand(p.environ["OLLAMA_MODELS"])] if p.environ.get("OLLAMA_MODELS") else []
    found.append(p.home / ".ollama" / "models")
    if not (p.windows or p.mac):
        found.append(system_root / "usr" / "share" / "ollama" / ".ollama" / "models")
    return found


def tree_candidates(p: _Places) -> list[Path]:
    """Usual install folders: a git clone in the home folder (~/ComfyUI;
    ~/stable-diffusion-webui, where A1111's webui.sh installed by default;
    ~/stable-diffusion-webui-forge), comfy-cli's default workspace ~/comfy/ComfyUI, and the
    ComfyUI desktop app's default ~/Documents/ComfyUI."""
    return [p.home / "ComfyUI", p.home / "comfy" / "ComfyUI", p.home / "Documents" / "ComfyUI",
            p.home / "stable-diffusion-webui", p.home / "stable-diffusion-webui-forge"]


def comfy_desktop_config(p: _Places) -> Path:
    """The desktop app's extra_models_config.yaml (docs.comfy.org/installation/desktop)."""
    if p.windows:
        return p.app_data() / "ComfyUI" / "extra_models_config.yaml"
    if p.mac:
        return p.app_support() / "ComfyUI" / "extra_models_config.yaml"
    return p.xdg_config() / "ComfyUI" / "extra_models_config.yaml"


def standard_locations(home: Path, environ: Mapping[str, str], platform: str,
                       system_root: Path = Path("/")) -> list[AppRoot]:
    """Every existing standard place, each folder once (first app wins), in this order:
    Hugging Face cache, LM Studio, GPT4All, Jan, Ollama, ComfyUI / A1111 / Forge.
    `platform` is a sys.platform value; `system_root` stands in for / in tests."""
    p = _Places(home, environ, platform)
    roots = [AppRoot(HF_CACHE, c, HF_LAYOUT) for c in hf_cache_candidates(p)]
    roots += [AppRoot(LM_STUDIO, c, LM_STUDIO_LAYOUT) for c in lm_studio_candidates(p)]
    roots += [AppRoot(GPT4ALL, c, GPT4ALL_LAYOUT) for c in gpt4all_candidates(p)]
    roots += [AppRoot(JAN, c, JAN_LAYOUT) for c in jan_candidates(p)
              if jan_model_folders(c) or c.name == "models"]
    roots += [AppRoot(OLLAMA, c, OLLAMA_LAYOUT) for c in ollama_candidates(p, system_root) if looks_like_store(c)]
    for candidate in tree_candidates(p):
        kind = tree_kind(candidate)
        if kind is not None:
            roots.append(AppRoot(kind[0], candidate, kind[1]))
    roots += extra_roots(comfy_desktop_config(p), COMFYUI, Budget(ScanLimits()), expand=lambda t: str(p.expand(t)))
    return _existing_once(roots)


def _existing_once(roots: list[AppRoot]) -> list[AppRoot]:
    kept, seen = [], set()
    for root in roots:
        if not is_folder(root.path):
            continue
        key = (os.path.realpath(root.path), root.studio)
        if key not in seen:
            seen.add(key)
            kept.append(root)
    return kept


def _json_setting(path: Path, key: str) -> str:
    try:
        value = read_json(path, _SETTINGS_BYTES)
    except (OSError, ValueError):
        return ""
    found = value.get(key) if isinstance(value, dict) else None
    return found if isinstance(found, str) else ""
