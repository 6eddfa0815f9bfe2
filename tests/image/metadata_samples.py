"""Images as other tools write them, built here (tiny PIL images) from each tool's writer code:

- A1111 modules/images.py + infotext: `parameters` tEXt in PNG; in JPEG/WebP the EXIF
  UserComment, "UNICODE\\0" + UTF-16 (piexif.helper.UserComment.dump).
- Forge modules/stealth_infotext.py (and sd-webui-stealth-pnginfo): the A1111 text in the
  lowest bits of the alpha or RGB channels, column by column: 15-byte signature,
  32-bit length in bits, payload (gzip for the "comp" signatures).
- ComfyUI nodes.py SaveImage: `prompt` (API graph) and `workflow` (UI graph) tEXt; WebP:
  EXIF IFD0 Model = "prompt:{json}", Make = "workflow:{json}" (comfy_extras/nodes_images.py).
- Fooocus modules/private_logger.py + meta_parser.py: `parameters` = JSON + `fooocus_scheme`
  in PNG; EXIF IFD0 UserComment + MakerNote (scheme) in JPEG/WebP; or A1111 text.
- InvokeAI 2.x ldm/invoke/args.py: `Dream` (the command line) and `sd-metadata` (RFC 266
  JSON); 3.x-5.x: `invokeai_metadata` JSON.
- NovelAI: tEXt Title, Description, Software, Source, Comment (JSON); the same keys as one
  JSON object in stealth_pngcomp alpha bits.

Each sample is (name, tool, file suffix, bytes, expected): `expected` holds the fields a
reader should find, as ImageSettings names them (A1111 sampler names).
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import zlib
from dataclasses import dataclass, field

import numpy
from PIL import Image
from PIL.PngImagePlugin import PngInfo


@dataclass
class Sample:
    name: str
    tool: str
    suffix: str
    data: bytes
    expected: dict = field(default_factory=dict)


# -- writers -------------------------------------------------------------------------------

def png(chunks: dict | None = None, mode: str = "RGB", size=(64, 48), image=None) -> bytes:
    info = PngInfo()
    for key, value in (chunks or {}).items():
        info.add_text(key, value)
    buffer = io.BytesIO()
    (image or Image.new(mode, size, (180, 120, 60, 255)[: len(mode)])).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def exif_image(fmt: str, exif: Image.Exif, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(buffer, fmt, exif=exif.tobytes(), quality=90)
    return buffer.getvalue()


def a1111_exif(text: str, byte_order: str = "utf-16-be") -> Image.Exif:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"UNICODE\0" + text.encode(byte_order)
    return exif


def stealth_image(payload: str, mode: str = "alpha", compressed: bool = True, size=(96, 96),
                  image_mode: str = "RGBA") -> Image.Image:
    """Forge's add_data, in numpy: signature, 32-bit bit length, payload bits, written
    column by column into the alpha LSB (alpha mode) or the R, G, B LSBs (rgb mode)."""
    signature = f"stealth_{'png' if mode == 'alpha' else 'rgb'}{'comp' if compressed else 'info'}".encode()
    body = gzip.compress(payload.encode()) if compressed else payload.encode()
    bits = numpy.unpackbits(numpy.frombuffer(signature + struct.pack(">I", len(body) * 8) + body, numpy.uint8))
    rng = numpy.random.default_rng(7)
    pixels = rng.integers(0, 256, (size[1], size[0], len(image_mode)), dtype=numpy.uint8)
    if mode == "alpha":
        pixels[..., 3] = 255  # Forge: putalpha(255) before writing
    columns = pixels.transpose(1, 0, 2).reshape(-1, len(image_mode)).copy()  # column-major pixel order
    lanes = [3] if mode == "alpha" else [0, 1, 2]
    flat = columns[:, lanes].reshape(-1)
    assert len(bits) <= len(flat), "image too small for the payload"
    flat[: len(bits)] = (flat[: len(bits)] & 0xFE) | bits
    columns[:, lanes] = flat.reshape(-1, len(lanes))
    return Image.fromarray(columns.reshape(size[0], size[1], len(image_mode)).transpose(1, 0, 2).copy(), image_mode)


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def truncated_png(cut: str) -> bytes:
    """A PNG whose `parameters` chunk comes first, cut inside the image data ("idat") or
    inside a later text chunk ("chunk")."""
    head = png({"parameters": A1111_TEXT}, size=(256, 256), image=Image.effect_noise((256, 256), 60).convert("RGB"))
    idat = head.index(b"IDAT") - 4
    if cut == "idat":
        return head[: idat + 8 + 100]
    later = chunk(b"tEXt", b"Comment\0" + b"x" * 500)
    return head[:idat] + later[:200]


# -- the texts ------------------------------------------------------------------------------

A1111_TEXT = ("masterpiece, a lighthouse at dusk, (oil painting:1.2)\nNegative prompt: lowres, blurry\n"
              "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567890, "
              "Size: 832x1216, Model hash: 7f96a1a9ca, Model: sd_xl_base_1.0, "
              'Lora hashes: "detail: a1b2c3d4e5f6", Version: v1.10.1')
A1111_EXPECTED = {"prompt": "masterpiece, a lighthouse at dusk, (oil painting:1.2)", "negative": "lowres, blurry",
                  "steps": 28, "sampler": "DPM++ 2M", "scheduler": "Karras", "guidance": 6.5, "seed": 1234567890,
                  "width": 832, "height": 1216, "model_name": "sd_xl_base_1.0", "model_hash": "7f96a1a9ca"}
FORGE_TEXT = ("a red fox in snow\nNegative prompt: text\nSteps: 20, Sampler: Euler a, Schedule type: Automatic, "
              "CFG scale: 3.5, Seed: 77, Size: 1024x1024, Model hash: 4d2a3b6b1e, Model: flux1-dev-bnb-nf4, "
              "Distilled CFG Scale: 3.5, Version: f2.0.1v1.10.1-previous-669-gdfdcbab6")
FORGE_EXPECTED = {"prompt": "a red fox in snow", "negative": "text", "steps": 20, "sampler": "Euler a",
                  "guidance": 3.5, "seed": 77, "width": 1024, "height": 1024, "model_name": "flux1-dev-bnb-nf4",
                  "source": "forge"}


# -- ComfyUI graphs -------------------------------------------------------------------------

def comfy_ksampler_graph() -> dict:
    """The default workflow, with a LoRA between the checkpoint and the sampler."""
    return {
        "3": {"class_type": "KSampler", "inputs": {
            "seed": 156680208700286, "steps": 20, "cfg": 8.0, "sampler_name": "euler", "scheduler": "normal",
            "denoise": 1.0, "model": ["10", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
        "10": {"class_type": "LoraLoader", "inputs": {"model": ["4", 0], "clip": ["4", 1], "lora_name": "x.safetensors",
                                                      "strength_model": 1.0, "strength_clip": 1.0}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 768, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "beautiful scenery nature glass bottle", "clip": ["10", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["10", 1]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
    }


COMFY_KSAMPLER_EXPECTED = {"prompt": "beautiful scenery nature glass bottle", "negative": "text, watermark",
                           "seed": 156680208700286, "steps": 20, "guidance": 8.0, "sampler": "Euler",
                           "scheduler": "Normal", "width": 512, "height": 768,
                           "model_name": "v1-5-pruned-emaonly.safetensors"}


def comfy_custom_advanced_graph() -> dict:
    """SamplerCustomAdvanced: seed from RandomNoise, cfg and conditioning from CFGGuider,
    sampler from KSamplerSelect, steps/schedule from BasicScheduler; the positive combines
    a main prompt with an area prompt; the negative is zeroed out beside a real one."""
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "juggernautXL_v9.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a castle on a hill", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "a red dragon", "clip": ["1", 1]}},
        "4": {"class_type": "ConditioningSetArea", "inputs": {"conditioning": ["3", 0], "width": 512, "height": 512,
                                                              "x": 0, "y": 0, "strength": 1.0}},
        "5": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["2", 0], "conditioning_2": ["4", 0]}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry, lowres", "clip": ["1", 1]}},
        "16": {"class_type": "CLIPTextEncode", "inputs": {"text": "ignored: zeroed", "clip": ["1", 1]}},
        "17": {"class_type": "ConditioningZeroOut", "inputs": {"conditioning": ["16", 0]}},
        "18": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["17", 0]}},
        "7": {"class_type": "CFGGuider", "inputs": {"model": ["1", 0], "positive": ["5", 0], "negative": ["18", 0],
                                                    "cfg": 5.5}},
        "8": {"class_type": "RandomNoise", "inputs": {"noise_seed": 987654321}},
        "9": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "dpmpp_2m_sde_gpu"}},
        "10": {"class_type": "BasicScheduler", "inputs": {"model": ["1", 0], "scheduler": "karras", "steps": 30,
                                                          "denoise": 1.0}},
        "11": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 1024, "batch_size": 1}},
        "12": {"class_type": "SamplerCustomAdvanced", "inputs": {
            "noise": ["8", 0], "guider": ["7", 0], "sampler": ["9", 0], "sigmas": ["10", 0], "latent_image": ["11", 0]}},
    }


COMFY_CUSTOM_ADVANCED_EXPECTED = {"prompt": "a castle on a hill\na red dragon", "negative": "blurry, lowres",
                                  "seed": 987654321, "steps": 30, "guidance": 5.5, "sampler": "DPM++ 2M SDE",
                                  "scheduler": "Karras", "width": 1024, "height": 1024,
                                  "model_name": "juggernautXL_v9.safetensors"}


def comfy_sampler_custom_graph() -> dict:
    """SamplerCustom with a Karras sigma chain through SplitSigmas, a sampler node, and the
    conditioning through ControlNetApplyAdvanced (positive out of slot 0, negative slot 1)."""
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "dreamshaper_8.safetensors"}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "portrait of a knight", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "deformed hands", "clip": ["1", 1]}},
        "4": {"class_type": "ControlNetApplyAdvanced", "inputs": {
            "positive": ["2", 0], "negative": ["3", 0], "control_net": ["20", 0], "image": ["21", 0],
            "strength": 0.8, "start_percent": 0.0, "end_percent": 1.0}},
        "5": {"class_type": "KarrasScheduler", "inputs": {"steps": 24, "sigma_max": 14.6, "sigma_min": 0.03, "rho": 7.0}},
        "6": {"class_type": "SplitSigmas", "inputs": {"sigmas": ["5", 0], "step": 0}},
        "7": {"class_type": "SamplerDPMPP_2M_SDE", "inputs": {"solver_type": "midpoint", "eta": 1.0, "s_noise": 1.0,
                                                              "noise_device": "gpu"}},
        "8": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 640, "batch_size": 1}},
        "9": {"class_type": "SamplerCustom", "inputs": {
            "model": ["1", 0], "add_noise": True, "noise_seed": 4242, "cfg": 7.0, "positive": ["4", 0],
            "negative": ["4", 1], "sampler": ["7", 0], "sigmas": ["6", 1], "latent_image": ["8", 0]}},
        "20": {"class_type": "ControlNetLoader", "inputs": {"control_net_name": "canny.safetensors"}},
        "21": {"class_type": "LoadImage", "inputs": {"image": "edges.png"}},
    }


COMFY_SAMPLER_CUSTOM_EXPECTED = {"prompt": "portrait of a knight", "negative": "deformed hands", "seed": 4242,
                                 "steps": 24, "guidance": 7.0, "sampler": "DPM++ 2M SDE", "scheduler": "Karras",
                                 "width": 512, "height": 640, "model_name": "dreamshaper_8.safetensors"}


def comfy_sdxl_refiner_graph() -> dict:
    """SDXL base + refiner with KSamplerAdvanced: the base pass (from the empty latent) is
    the main one; CLIPTextEncodeSDXL's G and L texts differ; the negative is concatenated."""
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"}},
        "2": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sd_xl_refiner_1.0.safetensors"}},
        "3": {"class_type": "CLIPTextEncodeSDXL", "inputs": {
            "clip": ["1", 1], "width": 4096, "height": 4096, "crop_w": 0, "crop_h": 0, "target_width": 4096,
            "target_height": 4096, "text_g": "a cozy cabin in the woods", "text_l": "film grain"}},
        "4": {"class_type": "CLIPTextEncode", "inputs": {"text": "people", "clip": ["1", 1]}},
        "14": {"class_type": "CLIPTextEncode", "inputs": {"text": "watermark", "clip": ["1", 1]}},
        "15": {"class_type": "ConditioningConcat", "inputs": {"conditioning_to": ["4", 0], "conditioning_from": ["14", 0]}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 1024, "height": 768, "batch_size": 1}},
        "6": {"class_type": "KSamplerAdvanced", "inputs": {
            "model": ["2", 0], "add_noise": "disable", "noise_seed": 0, "steps": 25, "cfg": 8.0,
            "sampler_name": "euler", "scheduler": "normal", "positive": ["7", 0], "negative": ["8", 0],
            "latent_image": ["9", 0], "start_at_step": 20, "end_at_step": 10000, "return_with_leftover_noise": "disable"}},
        "7": {"class_type": "CLIPTextEncodeSDXLRefiner", "inputs": {"ascore": 6.0, "width": 1024, "height": 1024,
                                                                    "text": "refiner text", "clip": ["2", 1]}},
        "8": {"class_type": "CLIPTextEncodeSDXLRefiner", "inputs": {"ascore": 2.5, "width": 1024, "height": 1024,
                                                                    "text": "refiner negative", "clip": ["2", 1]}},
        "9": {"class_type": "KSamplerAdvanced", "inputs": {
            "model": ["1", 0], "add_noise": "enable", "noise_seed": 721897303308196, "steps": 25, "cfg": 8.0,
            "sampler_name": "dpmpp_2m", "scheduler": "karras", "positive": ["3", 0], "negative": ["15", 0],
            "latent_image": ["5", 0], "start_at_step": 0, "end_at_step": 20, "return_with_leftover_noise": "enable"}},
    }


COMFY_SDXL_EXPECTED = {"prompt": "a cozy cabin in the woods\nfilm grain", "negative": "people\nwatermark",
                       "seed": 721897303308196, "steps": 25, "guidance": 8.0, "sampler": "DPM++ 2M",
                       "scheduler": "Karras", "width": 1024, "height": 768, "model_name": "sd_xl_base_1.0.safetensors"}


def comfy_flux_graph() -> dict:
    """Flux dev: UNETLoader, BasicGuider over FluxGuidance (the guidance people set), cfg 1,
    the prompt typed in a PrimitiveStringMultiline node feeding CLIPTextEncode's text."""
    return {
        "1": {"class_type": "UNETLoader", "inputs": {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}},
        "2": {"class_type": "DualCLIPLoader", "inputs": {"clip_name1": "t5xxl_fp16.safetensors",
                                                         "clip_name2": "clip_l.safetensors", "type": "flux"}},
        "3": {"class_type": "PrimitiveStringMultiline", "inputs": {"value": "a neon sign that says hello"}},
        "4": {"class_type": "CLIPTextEncode", "inputs": {"text": ["3", 0], "clip": ["2", 0]}},
        "5": {"class_type": "FluxGuidance", "inputs": {"conditioning": ["4", 0], "guidance": 3.5}},
        "6": {"class_type": "BasicGuider", "inputs": {"model": ["1", 0], "conditioning": ["5", 0]}},
        "7": {"class_type": "RandomNoise", "inputs": {"noise_seed": 31337}},
        "8": {"class_type": "KSamplerSelect", "inputs": {"sampler_name": "euler"}},
        "9": {"class_type": "BasicScheduler", "inputs": {"model": ["1", 0], "scheduler": "simple", "steps": 28,
                                                         "denoise": 1.0}},
        "10": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1216, "height": 832, "batch_size": 1}},
        "11": {"class_type": "SamplerCustomAdvanced", "inputs": {
            "noise": ["7", 0], "guider": ["6", 0], "sampler": ["8", 0], "sigmas": ["9", 0], "latent_image": ["10", 0]}},
    }


COMFY_FLUX_EXPECTED = {"prompt": "a neon sign that says hello", "seed": 31337, "steps": 28, "guidance": 3.5,
                       "sampler": "Euler", "scheduler": "Simple", "width": 1216, "height": 832,
                       "model_name": "flux1-dev.safetensors"}


def comfy_ui_workflow() -> dict:
    """The UI graph alone (what people share when they strip the API graph): KSampler fed
    through a Reroute and a ConditioningCombine; links in the list form."""
    return {
        "last_node_id": 9, "last_link_id": 9, "version": 0.4,
        "nodes": [
            {"id": 3, "type": "KSampler", "mode": 0, "widgets_values": [42, "fixed", 25, 7, "dpmpp_2m", "karras", 1],
             "inputs": [{"name": "model", "type": "MODEL", "link": 1}, {"name": "positive", "type": "CONDITIONING", "link": 4},
                        {"name": "negative", "type": "CONDITIONING", "link": 6},
                        {"name": "latent_image", "type": "LATENT", "link": 2}]},
            {"id": 4, "type": "CheckpointLoaderSimple", "mode": 0, "widgets_values": ["realisticVision_v51.safetensors"]},
            {"id": 5, "type": "EmptyLatentImage", "mode": 0, "widgets_values": [640, 448, 1]},
            {"id": 6, "type": "CLIPTextEncode", "mode": 0, "widgets_values": ["a red fox"]},
            {"id": 8, "type": "CLIPTextEncode", "mode": 0, "widgets_values": ["autumn forest"]},
            {"id": 9, "type": "ConditioningCombine", "mode": 0, "widgets_values": [],
             "inputs": [{"name": "conditioning_1", "link": 7}, {"name": "conditioning_2", "link": 8}]},
            {"id": 10, "type": "Reroute", "mode": 0, "inputs": [{"name": "", "type": "*", "link": 9}]},
            {"id": 7, "type": "CLIPTextEncode", "mode": 0, "widgets_values": ["blurry"]},
            {"id": 11, "type": "KSampler", "mode": 4, "widgets_values": [1, "fixed", 2, 1, "euler", "normal", 1],
             "inputs": [{"name": "positive", "link": 6}]},
        ],
        "links": [[1, 4, 0, 3, 0, "MODEL"], [2, 5, 0, 3, 3, "LATENT"], [4, 10, 0, 3, 1, "CONDITIONING"],
                  [6, 7, 0, 3, 2, "CONDITIONING"], [7, 6, 0, 9, 0, "CONDITIONING"], [8, 8, 0, 9, 1, "CONDITIONING"],
                  [9, 9, 0, 10, 0, "CONDITIONING"]],
    }


COMFY_UI_EXPECTED = {"prompt": "a red fox\nautumn forest", "negative": "blurry", "seed": 42, "steps": 25,
                     "guidance": 7.0, "sampler": "DPM++ 2M", "scheduler": "Karras", "width": 640, "height": 448,
                     "model_name": "realisticVision_v51.safetensors"}


def comfy_ui_custom_workflow() -> dict:
    """The UI graph of SamplerCustomAdvanced, links in the object form (newer frontends)."""
    link = lambda i, o, s, t, ts: {"id": i, "origin_id": o, "origin_slot": s, "target_id": t, "target_slot": ts}  # noqa: E731
    return {
        "nodes": [
            {"id": 1, "type": "SamplerCustomAdvanced", "widgets_values": [],
             "inputs": [{"name": "noise", "link": 1}, {"name": "guider", "link": 2}, {"name": "sampler", "link": 3},
                        {"name": "sigmas", "link": 4}, {"name": "latent_image", "link": 5}]},
            {"id": 2, "type": "RandomNoise", "widgets_values": [5555, "randomize"]},
            {"id": 3, "type": "CFGGuider", "widgets_values": [4.5],
             "inputs": [{"name": "model", "link": 9}, {"name": "positive", "link": 6}, {"name": "negative", "link": 7}]},
            {"id": 4, "type": "KSamplerSelect", "widgets_values": ["euler_ancestral"]},
            {"id": 5, "type": "BasicScheduler", "widgets_values": ["sgm_uniform", 8, 1],
             "inputs": [{"name": "model", "link": 10}]},
            {"id": 6, "type": "EmptyLatentImage", "widgets_values": [768, 768, 1]},
            {"id": 7, "type": "CLIPTextEncode", "widgets_values": ["a paper boat on a pond"]},
            {"id": 8, "type": "CLIPTextEncode", "widgets_values": ["ugly"]},
            {"id": 9, "type": "CheckpointLoaderSimple", "widgets_values": ["sdxl_lightning_8step.safetensors"]},
        ],
        "links": [link(1, 2, 0, 1, 0), link(2, 3, 0, 1, 1), link(3, 4, 0, 1, 2), link(4, 5, 0, 1, 3),
                  link(5, 6, 0, 1, 4), link(6, 7, 0, 3, 1), link(7, 8, 0, 3, 2), link(9, 9, 0, 3, 0),
                  link(10, 9, 0, 5, 0)],
    }


COMFY_UI_CUSTOM_EXPECTED = {"prompt": "a paper boat on a pond", "negative": "ugly", "seed": 5555, "steps": 8,
                            "guidance": 4.5, "sampler": "Euler a", "scheduler": "SGM Uniform", "width": 768,
                            "height": 768, "model_name": "sdxl_lightning_8step.safetensors"}


def comfy_webp(graph: dict, workflow: dict) -> bytes:
    exif = Image.Exif()
    exif[0x0110] = "prompt:" + json.dumps(graph)
    exif[0x010F] = "workflow:" + json.dumps(workflow)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, "WEBP", exif=exif, lossless=True)
    return buffer.getvalue()


# -- Fooocus --------------------------------------------------------------------------------

FOOOCUS_JSON = json.dumps(dict(sorted({
    "adm_guidance": "(1.5, 0.8, 0.3)", "base_model": "juggernautXL_v8Rundiffusion", "base_model_hash": "aeb7e9e689",
    "full_negative_prompt": ["(worst quality, low quality:1.4)", "unrealistic"],
    "full_prompt": ["cinematic still a girl reading . emotional, harmonious", "a girl reading, intricate, elegant"],
    "guidance_scale": 4.0, "loras": [["sd_xl_offset_example-lora_1.0", 0.1, "4852686128"]],
    "metadata_scheme": "fooocus", "negative_prompt": "", "performance": "Speed", "prompt": "a girl reading",
    "prompt_expansion": "a girl reading, intricate, elegant", "refiner_model": "None", "refiner_switch": 0.5,
    "resolution": "(1152, 896)", "sampler": "dpmpp_2m_sde_gpu", "scheduler": "karras", "seed": "2960137960",
    "sharpness": 2.0, "steps": 30, "styles": "['Fooocus V2', 'Fooocus Photograph']", "vae": "Default (model)",
    "version": "Fooocus v2.5.5"}.items())))
FOOOCUS_EXPECTED = {"prompt": "cinematic still a girl reading . emotional, harmonious, a girl reading, intricate, elegant",
                    "negative": "(worst quality, low quality:1.4), unrealistic", "steps": 30, "guidance": 4.0,
                    "seed": 2960137960, "width": 1152, "height": 896, "sampler": "DPM++ 2M SDE", "scheduler": "Karras",
                    "model_name": "juggernautXL_v8Rundiffusion", "model_hash": "aeb7e9e689", "source": "fooocus"}
FOOOCUS_A1111_TEXT = (
    "cinematic still a girl reading . emotional, harmonious, a girl reading, intricate, elegant\n"
    "Negative prompt: (worst quality, low quality:1.4), unrealistic\n"
    'Steps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 2960137960, Size: 1152x896, CFG scale: 4.0, Sharpness: 2.0, '
    'ADM Guidance: "(1.5, 0.8, 0.3)", Model: juggernautXL_v8Rundiffusion, Model hash: aeb7e9e689, '
    'Performance: Speed, Scheduler: karras, VAE: Default (model), Raw prompt: a girl reading, '
    'Lora hashes: "sd_xl_offset_example-lora_1.0: 4852686128", Version: Fooocus v2.5.5')


def fooocus_exif(text: str, scheme: str) -> Image.Exif:
    """meta_parser.get_exif: IFD0 UserComment, Software, MakerNote."""
    exif = Image.Exif()
    exif[0x9286] = text
    exif[0x0131] = "Fooocus v2.5.5"
    exif[0x927C] = scheme
    return exif


# -- InvokeAI -------------------------------------------------------------------------------

INVOKE2_DREAM = '"a (tiny:1.1) robot watering plants [blurry] [lowres, jpeg artifacts]" -s 50 -S 3357757885 -W 512 -H 640 -C 7.5 -A k_euler_a'
INVOKE2_EXPECTED = {"prompt": "a (tiny:1.1) robot watering plants", "negative": "blurry, lowres, jpeg artifacts",
                    "steps": 50, "seed": 3357757885, "width": 512, "height": 640, "guidance": 7.5, "sampler": "Euler a"}
INVOKE2_SD_METADATA = json.dumps({
    "model": "stable diffusion", "model_id": "stable-diffusion-1.5",
    "model_hash": "cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516", "app_id": "invoke-ai/InvokeAI",
    "app_version": "2.2.5", "image": {
        "prompt": [{"prompt": "a (tiny:1.1) robot watering plants [blurry] [lowres, jpeg artifacts]", "weight": 1.0}],
        "steps": 50, "cfg_scale": 7.5, "threshold": 0, "perlin": 0, "height": 640, "width": 512,
        "seed": 3357757885, "seamless": False, "hires_fix": False, "type": "txt2img", "postprocessing": None,
        "sampler": "k_euler_a", "variations": []}})
INVOKE2_SD_EXPECTED = {**INVOKE2_EXPECTED, "model_name": "stable-diffusion-1.5"}
INVOKE3_METADATA = json.dumps({
    "app_version": "3.3.0post3", "generation_mode": "txt2img", "positive_prompt": "landscape, mountains",
    "negative_prompt": "low quality", "width": 768, "height": 432, "seed": 356120443, "rand_device": "cpu",
    "cfg_scale": 7.5, "steps": 50, "scheduler": "dpmpp_2m_sde_k", "clip_skip": 0,
    "model": {"model_name": "amixx_3Prunedfp16", "base_model": "sd-1", "model_type": "main"},
    "controlnets": [], "ipAdapters": [], "t2iAdapters": [], "loras": [],
    "vae": {"model_name": "sd-vae-ft-mse", "base_model": "sd-1"}})
INVOKE3_EXPECTED = {"prompt": "landscape, mountains", "negative": "low quality", "width": 768, "height": 432,
                    "seed": 356120443, "guidance": 7.5, "steps": 50, "sampler": "DPM++ 2M SDE", "scheduler": "Karras",
                    "model_name": "amixx_3Prunedfp16"}
INVOKE5_METADATA = json.dumps({
    "generation_mode": "sdxl_txt2img", "positive_prompt": "a cozy reading nook", "negative_prompt": "people",
    "positive_style_prompt": "warm light, photography", "negative_style_prompt": "people", "width": 1024,
    "height": 1024, "seed": 1911386734, "rand_device": "cpu", "cfg_scale": 5.5, "cfg_rescale_multiplier": 0,
    "steps": 30, "scheduler": "euler_a", "model": {"key": "5d9a1b2c", "hash": "blake3:8e3f0ab1",
                                                   "name": "Juggernaut XL v9", "base": "sdxl", "type": "main"},
    "loras": [], "app_version": "5.6.0"})
INVOKE5_EXPECTED = {"prompt": "a cozy reading nook\nwarm light, photography", "negative": "people", "width": 1024,
                    "height": 1024, "seed": 1911386734, "guidance": 5.5, "steps": 30, "sampler": "Euler a",
                    "model_name": "Juggernaut XL v9", "model_hash": "blake3:8e3f0ab1"}


# -- NovelAI --------------------------------------------------------------------------------

NAI3_COMMENT = {
    "prompt": "1girl, best quality, amazing quality, very aesthetic", "steps": 28, "height": 1216, "width": 832,
    "scale": 5.0, "uncond_scale": 1.0, "cfg_rescale": 0.0, "seed": 2345678901, "n_samples": 1,
    "hide_debug_overlay": False, "noise_schedule": "native", "legacy_v3_extend": False, "sm": False,
    "sm_dyn": False, "sampler": "k_euler_ancestral", "strength": 0.7, "noise": 0.0,
    "uc": "nsfw, lowres, bad anatomy", "request_type": "PromptGenerateRequest", "signed_hash": "abc"}
NAI3_TEXTS = {"Title": "AI generated image", "Description": NAI3_COMMENT["prompt"], "Software": "NovelAI",
              "Source": "Stable Diffusion XL C1E1DE52", "Generation time": "5.5", "Comment": json.dumps(NAI3_COMMENT)}
NAI3_EXPECTED = {"prompt": NAI3_COMMENT["prompt"], "negative": "nsfw, lowres, bad anatomy", "steps": 28,
                 "guidance": 5.0, "seed": 2345678901, "width": 832, "height": 1216, "sampler": "Euler a",
                 "model_name": "Stable Diffusion XL", "model_hash": "C1E1DE52", "source": "novelai"}
NAI4_COMMENT = {
    "prompt": "2girls, cafe", "steps": 23, "height": 832, "width": 1216, "scale": 6.0, "seed": 1200000001,
    "noise_schedule": "karras", "sampler": "k_dpmpp_2m", "n_samples": 1, "uc": "blurry",
    "v4_prompt": {"caption": {"base_caption": "2girls, cafe", "char_captions": [
        {"char_caption": "girl, red hair", "centers": [{"x": 0.3, "y": 0.5}]},
        {"char_caption": "girl, glasses", "centers": [{"x": 0.7, "y": 0.5}]}]}, "use_coords": True, "use_order": True},
    "v4_negative_prompt": {"caption": {"base_caption": "blurry", "char_captions": []}},
    "request_type": "PromptGenerateRequest"}
NAI4_STEALTH = json.dumps({"Title": "NovelAI generated image", "Description": "2girls, cafe", "Software": "NovelAI",
                           "Source": "NovelAI Diffusion V4.5 4BDE2A90", "Generation time": "7.1",
                           "Comment": json.dumps(NAI4_COMMENT)})
NAI4_EXPECTED = {"prompt": "2girls, cafe\ngirl, red hair\ngirl, glasses", "negative": "blurry", "steps": 23,
                 "guidance": 6.0, "seed": 1200000001, "width": 1216, "height": 832, "sampler": "DPM++ 2M",
                 "scheduler": "Karras", "model_name": "NovelAI Diffusion V4.5", "model_hash": "4BDE2A90",
                 "source": "novelai"}


def stealth_png(payload: str, **options) -> bytes:
    image = stealth_image(payload, **options)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def samples() -> list[Sample]:
    """Every sample, built now (a few milliseconds each)."""
    workflow_default = {"nodes": [], "links": []}
    return [
        Sample("a1111-png", "A1111", ".png", png({"parameters": A1111_TEXT}), A1111_EXPECTED),
        Sample("a1111-jpeg", "A1111", ".jpg", exif_image("JPEG", a1111_exif(A1111_TEXT)), A1111_EXPECTED),
        Sample("a1111-webp", "A1111", ".webp", exif_image("WEBP", a1111_exif(A1111_TEXT, "utf-16-le")), A1111_EXPECTED),
        Sample("forge-png", "Forge", ".png", png({"parameters": FORGE_TEXT}), FORGE_EXPECTED),
        Sample("forge-stealth-alpha-gzip", "Forge", ".png", stealth_png(FORGE_TEXT), FORGE_EXPECTED),
        Sample("a1111-stealth-alpha-plain", "A1111", ".png", stealth_png(A1111_TEXT, compressed=False, size=(128, 128)),
               A1111_EXPECTED),
        Sample("a1111-stealth-rgb-gzip", "A1111", ".png", stealth_png(A1111_TEXT, mode="rgb", image_mode="RGB"),
               A1111_EXPECTED),
        Sample("forge-stealth-rgb-plain", "Forge", ".png",
               stealth_png(FORGE_TEXT, mode="rgb", compressed=False, image_mode="RGBA"), FORGE_EXPECTED),
        Sample("comfyui-ksampler", "ComfyUI", ".png",
               png({"prompt": json.dumps(comfy_ksampler_graph()), "workflow": json.dumps(workflow_default)}),
               COMFY_KSAMPLER_EXPECTED),
        Sample("comfyui-custom-advanced-combine", "ComfyUI", ".png",
               png({"prompt": json.dumps(comfy_custom_advanced_graph()), "workflow": json.dumps(workflow_default)}),
               COMFY_CUSTOM_ADVANCED_EXPECTED),
        Sample("comfyui-sampler-custom-controlnet", "ComfyUI", ".png",
               png({"prompt": json.dumps(comfy_sampler_custom_graph()), "workflow": json.dumps(workflow_default)}),
               COMFY_SAMPLER_CUSTOM_EXPECTED),
        Sample("comfyui-sdxl-refiner", "ComfyUI", ".png",
               png({"prompt": json.dumps(comfy_sdxl_refiner_graph()), "workflow": json.dumps(workflow_default)}),
               COMFY_SDXL_EXPECTED),
        Sample("comfyui-flux", "ComfyUI", ".png",
               png({"prompt": json.dumps(comfy_flux_graph()), "workflow": json.dumps(workflow_default)}),
               COMFY_FLUX_EXPECTED),
        Sample("comfyui-ui-only", "ComfyUI", ".png", png({"workflow": json.dumps(comfy_ui_workflow())}),
               COMFY_UI_EXPECTED),
        Sample("comfyui-ui-custom-advanced", "ComfyUI", ".png", png({"workflow": json.dumps(comfy_ui_custom_workflow())}),
               COMFY_UI_CUSTOM_EXPECTED),
        Sample("comfyui-webp", "ComfyUI", ".webp", comfy_webp(comfy_ksampler_graph(), comfy_ui_workflow()),
               COMFY_KSAMPLER_EXPECTED),
        Sample("fooocus-json-png", "Fooocus", ".png", png({"parameters": FOOOCUS_JSON, "fooocus_scheme": "fooocus"}),
               FOOOCUS_EXPECTED),
        Sample("fooocus-json-jpeg", "Fooocus", ".jpg", exif_image("JPEG", fooocus_exif(FOOOCUS_JSON, "fooocus")),
               FOOOCUS_EXPECTED),
        Sample("fooocus-a1111-png", "Fooocus", ".png", png({"parameters": FOOOCUS_A1111_TEXT, "fooocus_scheme": "a1111"}),
               FOOOCUS_EXPECTED),
        Sample("fooocus-a1111-webp", "Fooocus", ".webp", exif_image("WEBP", fooocus_exif(FOOOCUS_A1111_TEXT, "a1111")),
               FOOOCUS_EXPECTED),
        Sample("invokeai2-dream", "InvokeAI", ".png", png({"Dream": INVOKE2_DREAM}), INVOKE2_EXPECTED),
        Sample("invokeai2-sd-metadata", "InvokeAI", ".png",
               png({"Dream": INVOKE2_DREAM, "sd-metadata": INVOKE2_SD_METADATA}), INVOKE2_SD_EXPECTED),
        Sample("invokeai3", "InvokeAI", ".png", png({"invokeai_metadata": INVOKE3_METADATA}), INVOKE3_EXPECTED),
        Sample("invokeai5-sdxl", "InvokeAI", ".png", png({"invokeai_metadata": INVOKE5_METADATA}), INVOKE5_EXPECTED),
        Sample("novelai-v3", "NovelAI", ".png", png(NAI3_TEXTS, mode="RGBA"), NAI3_EXPECTED),
        Sample("novelai-v4-stealth", "NovelAI", ".png", stealth_png(NAI4_STEALTH, size=(128, 128)), NAI4_EXPECTED),
        Sample("a1111-png-cut-in-image-data", "truncated", ".png", truncated_png("idat"), A1111_EXPECTED),
        Sample("a1111-png-cut-in-a-chunk", "truncated", ".png", truncated_png("chunk"), A1111_EXPECTED),
    ]
