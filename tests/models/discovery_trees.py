"""Fake model folders of other apps, shaped as the apps write them (see the sources in
desktop/core/models/discovery_locations.py), with tiny files: GGUF files are the magic and
a few bytes, safetensors files are valid (a real header and one tensor)."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path

GGUF_HEAD = b"GGUF" + struct.pack("<IQQ", 3, 0, 0)


def write_gguf(path: Path, size: int = 64) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(GGUF_HEAD + b"\0" * max(0, size - len(GGUF_HEAD)))
    return path


def safetensors_bytes(values: int = 4) -> bytes:
    header = json.dumps({"w": {"dtype": "F32", "shape": [values], "data_offsets": [0, 4 * values]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * (4 * values)


def write_safetensors(path: Path, values: int = 4) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(safetensors_bytes(values))
    return path


def write_json(path: Path, value) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


# --- LM Studio, GPT4All, Jan ---------------------------------------------------------------

def build_lm_studio(models: Path) -> Path:
    """models/{publisher}/{repo}/: a model with its projector, a split model, an MLX folder."""
    repo = models / "lmstudio-community" / "gemma-3-4b-it-GGUF"
    write_gguf(repo / "gemma-3-4b-it-Q4_K_M.gguf", 100)
    write_gguf(repo / "mmproj-model-f16.gguf", 30)
    split = models / "bartowski" / "Big-GGUF"
    write_gguf(split / "Big-Q8_0-00001-of-00002.gguf", 200)
    write_gguf(split / "Big-Q8_0-00002-of-00002.gguf", 150)
    mlx = models / "mlx-community" / "Qwen-4bit"
    write_json(mlx / "config.json", {"model_type": "qwen2"})
    write_safetensors(mlx / "model.safetensors")
    return models


def build_gpt4all(folder: Path) -> Path:
    write_gguf(folder / "Llama-3.2-1B-Instruct-Q4_0.gguf", 80)
    write_gguf(folder / "incomplete-Phi-3-mini-4k-instruct.Q4_0.gguf", 10)
    (folder / "localdocs_v2.db").write_bytes(b"SQLite format 3\0")
    return folder


def build_jan(data: Path, imported: Path) -> Path:
    """A Jan 0.6 data folder: a downloaded model with its projector, and one imported in place
    (model.yml names a file outside the data folder)."""
    models = data / "llamacpp" / "models"
    write_gguf(models / "qwen3-4b" / "model.gguf", 90)
    write_gguf(models / "qwen3-4b" / "mmproj.gguf", 20)
    (models / "qwen3-4b" / "model.yml").write_text(
        "model_path: llamacpp/models/qwen3-4b/model.gguf\nmmproj_path: llamacpp/models/qwen3-4b/mmproj.gguf\n"
        "name: Qwen3 4B\nsize_bytes: 110\n", encoding="utf-8")
    write_gguf(imported, 70)
    (models / "my-import").mkdir(parents=True)
    (models / "my-import" / "model.yml").write_text(
        f"model_path: {json.dumps(str(imported))}\nname: My import\nsize_bytes: 70\n", encoding="utf-8")
    return data


# --- Ollama ----------------------------------------------------------------------------------

def ollama_blob(store: Path, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    path = store / "blobs" / f"sha256-{digest}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return f"sha256:{digest}"


def ollama_manifest(store: Path, name: tuple[str, ...], layers: list[dict], config_digest: str) -> Path:
    """A manifest as `ollama pull` writes it (a Docker distribution manifest v2)."""
    value = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
             "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                        "digest": config_digest, "size": 487},
             "layers": layers}
    return write_json(store / "manifests" / Path(*name), value)


def layer(media: str, digest: str, size: int) -> dict:
    return {"mediaType": f"application/vnd.ollama.image.{media}", "digest": digest, "size": size}


def build_ollama(store: Path, model_bytes: bytes | None = None) -> dict:
    """Three models: library/llama3.2:1b (with a vision projector), a user namespace and a
    Hugging Face one; the model blob of the first is shared with the user's copy."""
    model = model_bytes or GGUF_HEAD + b"weights-1" * 10
    other = GGUF_HEAD + b"weights-2" * 10
    projector = GGUF_HEAD + b"projector"
    digests = {"model": ollama_blob(store, model), "other": ollama_blob(store, other),
               "projector": ollama_blob(store, projector),
               "template": ollama_blob(store, b"{{ .Prompt }}"), "config": ollama_blob(store, b'{"model_format":"gguf"}')}
    ollama_manifest(store, ("registry.ollama.ai", "library", "llama3.2", "1b"),
                    [layer("model", digests["model"], len(model)), layer("projector", digests["projector"], 20),
                     layer("template", digests["template"], 13)], digests["config"])
    ollama_manifest(store, ("registry.ollama.ai", "someone", "mymodel", "latest"),
                    [layer("model", digests["model"], len(model))], digests["config"])
    ollama_manifest(store, ("hf.co", "bartowski", "Qwen2.5-0.5B-Instruct-GGUF", "Q4_K_M"),
                    [layer("model", digests["other"], len(other))], digests["config"])
    return digests


# --- Hugging Face cache ----------------------------------------------------------------------

def hf_file(repo: Path, commit: str, name: str, content: bytes, link: bool = True) -> Path:
    """A file in a snapshot: a relative link into blobs/ (as huggingface_hub makes it), or a
    copy (Windows without symlink rights)."""
    blob = repo / "blobs" / hashlib.sha256(content).hexdigest()
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(content)
    target = repo / "snapshots" / commit / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if link:
        os.symlink(os.path.relpath(blob, target.parent), target)
    else:
        target.write_bytes(content)
    return target


def hf_repo(cache: Path, repo_id: str, commit: str, files: dict[str, bytes], ref: bool = True,
            link: bool = True) -> Path:
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    for name, content in files.items():
        hf_file(repo, commit, name, content, link)
    if ref:
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / "main").write_text(commit)
    return repo


COMMIT_A, COMMIT_B, COMMIT_C = "a" * 40, "b" * 40, "c" * 40


def build_hf_cache(cache: Path) -> Path:
    gguf = GGUF_HEAD + b"q4" * 40
    repo = hf_repo(cache, "Qwen/Qwen2.5-0.5B-Instruct-GGUF", COMMIT_A, {"qwen2.5-0.5b-instruct-q4_k_m.gguf": gguf})
    # A newer snapshot of another branch: refs/main still names A, which is what is listed.
    hf_repo(cache, "Qwen/Qwen2.5-0.5B-Instruct-GGUF", COMMIT_B,
            {"qwen2.5-0.5b-instruct-q8_0.gguf": GGUF_HEAD + b"other-branch" * 10}, ref=False)
    os.utime(repo / "snapshots" / COMMIT_B, (2e9, 2e9))
    hf_repo(cache, "stabilityai/sd-turbo", COMMIT_A, {
        "model_index.json": b'{"_class_name": "StableDiffusionPipeline"}',
        "unet/config.json": b'{"_class_name": "UNet2DConditionModel"}',
        "unet/diffusion_pytorch_model.safetensors": safetensors_bytes(64),
        "vae/config.json": b'{"_class_name": "AutoencoderKL"}',
        "vae/diffusion_pytorch_model.safetensors": safetensors_bytes(16)})
    hf_repo(cache, "madebyollin/taesd", COMMIT_A, {
        "config.json": b'{"_class_name": "AutoencoderTiny"}',
        "diffusion_pytorch_model.safetensors": safetensors_bytes(8)})
    hf_repo(cache, "facebook/musicgen-small", COMMIT_A, {
        "config.json": b'{"model_type": "musicgen"}', "model.safetensors": safetensors_bytes(32)})
    hf_repo(cache, "rhasspy/piper-voices", COMMIT_A, {
        "de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx": b"onnx" * 8,
        "de/de_DE/thorsten/medium/de_DE-thorsten-medium.onnx.json": b'{"audio": {"sample_rate": 22050}}'},
        link=False)
    hf_repo(cache, "someone/no-ref-GGUF", COMMIT_C, {"model-f16.gguf": GGUF_HEAD + b"x"}, ref=False)
    write_json(cache / "datasets--someone--data" / "snapshots" / COMMIT_A / "data.json", {})
    return cache


# --- ComfyUI, A1111, Forge -------------------------------------------------------------------

def build_comfyui(root: Path) -> Path:
    models = root / "models"
    write_safetensors(models / "checkpoints" / "sd_xl_turbo_1.0_fp16.safetensors")
    write_safetensors(models / "checkpoints" / "SD15" / "dreamshaper_8.safetensors")
    (models / "checkpoints" / "old.ckpt").write_bytes(b"PK\x03\x04pickle")
    write_safetensors(models / "vae" / "sdxl_vae.safetensors")
    write_safetensors(models / "upscale_models" / "RealESRGAN_x4plus.safetensors")
    (models / "upscale_models" / "4x-UltraSharp.pth").write_bytes(b"PK\x03\x04")
    write_safetensors(models / "loras" / "detail.safetensors")
    write_gguf(models / "unet" / "flux1-dev-Q4_K_S.gguf")  # a diffusion GGUF: not a language model
    write_safetensors(models / "clip" / "clip_l.safetensors")
    write_json(models / "diffusers" / "sd-turbo" / "model_index.json", {"_class_name": "StableDiffusionPipeline"})
    return root


def build_a1111(root: Path, forge: bool = False) -> Path:
    models = root / "models"
    write_safetensors(models / "Stable-diffusion" / "v1-5-pruned-emaonly.safetensors")
    write_safetensors(models / "VAE" / "vae-ft-mse-840000-ema-pruned.safetensors")
    write_safetensors(models / "ESRGAN" / "4x_foolhardy_Remacri.safetensors")
    write_safetensors(models / "RealESRGAN" / "RealESRGAN_x2plus.safetensors")
    write_safetensors(models / "Lora" / "style.safetensors")
    if forge:
        (root / "modules_forge").mkdir(parents=True)
    return root


# --- before / after --------------------------------------------------------------------------

def listing(root: Path) -> dict[str, tuple]:
    """Every entry below `root` (links not followed) with its type, size and times."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            found[path] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return found
