"""The words of model discovery: where another app keeps models (AppRoot), one model found
there (FoundModel), and what a scan gives back (Scan). Plain data, shared by the scanners
of each app and by desktop/core/models/discovery.py, which documents the whole API."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from desktop.core.model_registry import ModelProblem

# Source apps, as shown to a person ("found in LM Studio").
HF_CACHE = "Hugging Face cache"
LM_STUDIO = "LM Studio"
GPT4ALL = "GPT4All"
JAN = "Jan"
OLLAMA = "Ollama"
COMFYUI = "ComfyUI"
A1111 = "AUTOMATIC1111"
FORGE = "Forge"
FOLDER = "Folder"  # a folder a person added that no app's structure matches

# Layouts: how a root is read. Several apps share one (A1111 and Forge keep the same tree).
HF_LAYOUT = "hf-cache"
OLLAMA_LAYOUT = "ollama"
LM_STUDIO_LAYOUT = "lm-studio"
GPT4ALL_LAYOUT = "gpt4all"
JAN_LAYOUT = "jan"
COMFYUI_LAYOUT = "comfyui"
A1111_LAYOUT = "a1111"
FOLDER_LAYOUT = "folder"

# Kinds: what `FoundModel.path` is, i.e. which loader can take it.
GGUF = "gguf"                # one GGUF file (for a split model: its first part)
DIFFUSERS = "diffusers"      # a folder with model_index.json
SAFETENSORS = "safetensors"  # one .safetensors file: checkpoint, VAE, upscaler or LoRA
ONNX_VOICE = "onnx-voice"    # a Piper voice: an .onnx file with its .onnx.json beside it
TRANSFORMERS = "transformers"  # a folder with config.json and .safetensors weights
DIFFUSERS_PART = "diffusers-component"  # one diffusers model folder (config.json with _class_name),
#                                         e.g. a TAESD AutoencoderTiny: `detail` holds the class

# Studio hints, from where a model sits (ComfyUI's vae/ holds VAEs...). A hint, not a
# verdict: the studio's registry reads the file's header and has the last word.
TEXT, IMAGE, UPSCALER, VAE, LORA, AUDIO, UNKNOWN = "text", "image", "upscaler", "vae", "lora", "audio", "unknown"


@dataclass(frozen=True)
class AppRoot:
    """A folder where an app keeps models. `studio` is set when everything in it has one
    role (a ComfyUI extra path for VAEs, say); `layout` says how to read it."""
    app: str
    path: Path
    layout: str
    studio: str = ""


@dataclass(frozen=True)
class FoundModel:
    """One model another app keeps, to be loaded where it is. `path` is what to hand to the
    loader: inside the Hugging Face cache it is the snapshot's path (it keeps the file's
    name and extension), while `real_path` has every link resolved — two listings of one
    file share it. `size_bytes` counts every file the model needs (all parts of a split
    GGUF, a folder's files). `projector` is the vision projector (mmproj) that goes with
    a GGUF, if the app keeps one beside it; `detail` is a short note (a transformers
    model_type, an Ollama digest)."""
    path: str
    name: str
    source: str
    kind: str
    studio: str
    size_bytes: int
    real_path: str
    projector: str = ""
    detail: str = ""


@dataclass
class Scan:
    """What a scan found, what it could not read (said, never raised), and whether a limit
    (entries, depth, time) cut it short."""
    models: list[FoundModel] = field(default_factory=list)
    problems: list[ModelProblem] = field(default_factory=list)
    truncated: bool = False

    def extend(self, other: Scan) -> None:
        self.models += other.models
        self.problems += other.problems
        self.truncated = self.truncated or other.truncated
