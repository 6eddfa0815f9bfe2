"""Metadata that travels with images: written by Atelier, read back, and read from the
formats other tools write (samples built here from their documented layouts)."""

import io
import json

import pytest

PIL = pytest.importorskip("PIL")  # the image extra; installed by the README's commands
from PIL import Image  # noqa: E402
from PIL.PngImagePlugin import PngInfo  # noqa: E402

from desktop.core.image import a1111_parameters  # noqa: E402
from desktop.core.image.image_metadata import (encode_image, is_marked_ai_generated,  # noqa: E402
                                         read_settings)
from desktop.core.image.image_settings import ImageSettings  # noqa: E402

SETTINGS = ImageSettings(prompt="a lighthouse at dusk, oil painting", negative="blurry, text", steps=4,
                         guidance=1.5, seed=1234, width=64, height=48, sampler="Euler a",
                         model_name="tiny-sd", model_hash="0123456789abcdef")


def image():
    return Image.new("RGB", (64, 48), (200, 120, 40))


@pytest.mark.parametrize("fmt, suffix", [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp")])
def test_round_trip_and_ai_mark(tmp_path, fmt, suffix):
    details = {"settings": SETTINGS.as_dict(), "scheduler": "EulerAncestralDiscreteScheduler",
               "versions": {"diffusers": "x"}}
    path = tmp_path / f"out{suffix}"
    path.write_bytes(encode_image(image(), fmt, SETTINGS, details))
    read = read_settings(path)
    assert read.source == "atelier"
    for field in ("prompt", "negative", "steps", "guidance", "seed", "width", "height", "sampler", "model_hash"):
        assert getattr(read, field) == getattr(SETTINGS, field), field
    assert is_marked_ai_generated(path)


def test_png_also_carries_a1111_parameters_for_other_tools(tmp_path):
    path = tmp_path / "out.png"
    path.write_bytes(encode_image(image(), "PNG", SETTINGS, {"settings": SETTINGS.as_dict()}))
    with Image.open(path) as img:
        parameters = img.text["parameters"]
    assert parameters.splitlines()[0] == SETTINGS.prompt
    assert "Steps: 4, Sampler: Euler a, CFG scale: 1.5, Seed: 1234, Size: 64x48" in parameters


def png_with(**chunks) -> bytes:
    info = PngInfo()
    for key, value in chunks.items():
        info.add_text(key.replace("_", "-") if key == "sd_metadata" else key, value)
    buffer = io.BytesIO()
    image().save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def test_reads_a1111_png(tmp_path):
    text = ("masterpiece, a cat\nNegative prompt: lowres, bad hands\nSteps: 28, Sampler: DPM++ 2M, "
            "Schedule type: Karras, CFG scale: 6.5, Seed: 99, Size: 832x1216, Model hash: 7f96a1a9ca, "
            'Model: sd_xl_base, Lora hashes: "detail: a1b2, style: c3d4", Version: v1.9.4')
    path = tmp_path / "a1111.png"
    path.write_bytes(png_with(parameters=text))
    s = read_settings(path)
    assert (s.source, s.prompt, s.negative) == ("a1111", "masterpiece, a cat", "lowres, bad hands")
    assert (s.steps, s.sampler, s.scheduler, s.guidance, s.seed) == (28, "DPM++ 2M", "Karras", 6.5, 99)
    assert (s.width, s.height, s.model_hash, s.model_name) == (832, 1216, "7f96a1a9ca", "sd_xl_base")
    assert s.extra["Lora hashes"] == "detail: a1b2, style: c3d4"


def test_reads_comfyui_api_graph(tmp_path):
    graph = {
        "3": {"class_type": "KSampler", "inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8.0,
              "sampler_name": "euler", "scheduler": "normal", "denoise": 1.0, "model": ["10", 0],
              "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
        "10": {"class_type": "LoraLoader", "inputs": {"model": ["4", 0], "clip": ["4", 1], "lora_name": "x"}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 768, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "beautiful scenery nature glass bottle", "clip": ["10", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["10", 1]}},
    }
    path = tmp_path / "comfy.png"
    path.write_bytes(png_with(prompt=json.dumps(graph), workflow=json.dumps({"nodes": []})))
    s = read_settings(path)
    assert (s.source, s.prompt, s.negative) == ("comfyui", "beautiful scenery nature glass bottle", "text, watermark")
    assert (s.seed, s.steps, s.guidance, s.sampler, s.scheduler) == (156680208700286, 20, 8.0, "Euler", "Normal")
    assert (s.width, s.height, s.model_name) == (512, 768, "v1-5-pruned-emaonly.safetensors")


def test_reads_comfyui_workflow_only(tmp_path):
    workflow = {
        "nodes": [
            {"id": 3, "type": "KSampler", "widgets_values": [42, "fixed", 25, 7, "dpmpp_2m", "karras", 1],
             "inputs": [{"name": "positive", "link": 4}, {"name": "negative", "link": 6},
                        {"name": "latent_image", "link": 2}]},
            {"id": 5, "type": "EmptyLatentImage", "widgets_values": [640, 448, 1]},
            {"id": 6, "type": "CLIPTextEncode", "widgets_values": ["a red fox"]},
            {"id": 7, "type": "CLIPTextEncode", "widgets_values": ["blurry"]},
        ],
        "links": [[2, 5, 0, 3, 3, "LATENT"], [4, 6, 0, 3, 1, "CONDITIONING"], [6, 7, 0, 3, 2, "CONDITIONING"]],
    }
    path = tmp_path / "comfy-ui.png"
    path.write_bytes(png_with(workflow=json.dumps(workflow)))
    s = read_settings(path)
    assert (s.prompt, s.negative, s.seed, s.steps, s.guidance) == ("a red fox", "blurry", 42, 25, 7.0)
    assert (s.sampler, s.scheduler, s.width, s.height) == ("DPM++ 2M", "Karras", 640, 448)


def test_reads_invokeai_metadata(tmp_path):
    meta = {"generation_mode": "txt2img", "positive_prompt": "a cozy cabin", "negative_prompt": "people",
            "width": 1024, "height": 768, "seed": 3141, "steps": 30, "cfg_scale": 5.5, "scheduler": "dpmpp_2m_k",
            "model": {"name": "sdxl-base-1.0", "base": "sdxl", "hash": "blake3:8e3f"}}
    path = tmp_path / "invoke.png"
    path.write_bytes(png_with(invokeai_metadata=json.dumps(meta)))
    s = read_settings(path)
    assert (s.source, s.prompt, s.negative, s.seed, s.steps, s.guidance) == (
        "invokeai", "a cozy cabin", "people", 3141, 30, 5.5)
    assert (s.width, s.height, s.sampler, s.scheduler, s.model_name, s.model_hash) == (
        1024, 768, "DPM++ 2M", "Karras", "sdxl-base-1.0", "blake3:8e3f")


@pytest.mark.parametrize("fmt, byte_order", [("JPEG", "utf-16-be"), ("WEBP", "utf-16-le")])
def test_reads_a1111_parameters_from_exif(tmp_path, fmt, byte_order):
    exif = Image.Exif()
    text = "a koi pond\nSteps: 12, Sampler: Euler, CFG scale: 4, Seed: 77, Size: 64x48"
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + text.encode(byte_order)
    path = tmp_path / f"a1111.{fmt.lower()}"
    image().save(path, fmt, exif=exif.tobytes())
    s = read_settings(path)
    assert (s.source, s.prompt, s.steps, s.seed, s.guidance) == ("a1111", "a koi pond", 12, 77, 4.0)


def test_plain_images_have_no_settings(tmp_path):
    path = tmp_path / "plain.png"
    image().save(path)
    assert read_settings(path) is None
    assert not is_marked_ai_generated(path)


def test_a1111_text_round_trips_tricky_values():
    s = ImageSettings(prompt="one, two\nthree", negative="bad", steps=8, seed=5, model_name='name, "quoted"',
                      extra={"Note": "a: b, c"})
    back = a1111_parameters.parse_parameters(a1111_parameters.format_parameters(s))
    assert (back.prompt, back.negative, back.model_name, back.extra) == (s.prompt, s.negative, s.model_name, s.extra)
