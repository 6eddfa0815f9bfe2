"""The real SD-Turbo, SDXL-Turbo and SD 1.5 (LCM) architectures with random weights, built
from their public configuration numbers (no download): timing does not depend on weight
values. Each is saved once as a diffusers folder under a cache folder and reused, so both
plain diffusers and Atelier's own loaders open it; TAESD / TAESDXL sit beside them under the
names Atelier looks for (`taesd`, `taesdxl`).

Weights are stored in fp16 (half the disk); loaders cast them to the dtype they run in."""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = Path.home() / ".cache" / "atelier-bench"
CLIP_VOCAB = 49408  # the embedding table's real size; the offline tokenizer's ids all fall inside it


@dataclass(frozen=True)
class Architecture:
    name: str
    steps: int
    guidance: float
    sdxl: bool


ARCHITECTURES = {
    "sd-turbo": Architecture("sd-turbo", steps=1, guidance=0.0, sdxl=False),
    "sdxl-turbo": Architecture("sdxl-turbo", steps=1, guidance=0.0, sdxl=True),
    "sd15-lcm": Architecture("sd15-lcm", steps=4, guidance=8.0, sdxl=False),
}


def clip_tokenizer():
    """CLIP's tokenizer built in memory (tests/tiny_models.py): byte-level, so a prompt has
    more tokens than with the real merges, but every pipeline pads to 77 anyway — the text
    encoder's work is the same."""
    sys.path.insert(0, str(ROOT / "tests"))
    from tiny_models import tiny_clip_tokenizer

    return tiny_clip_tokenizer()


def _clip_text(tokenizer, hidden: int, layers: int, heads: int, intermediate: int, act: str,
               projection: int | None = None):
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    config = CLIPTextConfig(vocab_size=CLIP_VOCAB, hidden_size=hidden, intermediate_size=intermediate,
                            num_hidden_layers=layers, num_attention_heads=heads, hidden_act=act,
                            max_position_embeddings=77, projection_dim=projection or hidden,
                            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                            pad_token_id=tokenizer.pad_token_id or 0)
    return (CLIPTextModelWithProjection if projection else CLIPTextModel)(config)


def _sd_vae(sdxl: bool):
    """SD's KL autoencoder (SDXL's has the same shape, another scaling factor and fp32 upcast)."""
    from diffusers import AutoencoderKL

    return AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2,
                         block_out_channels=(128, 256, 512, 512), norm_num_groups=32,
                         down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                         sample_size=1024 if sdxl else 512, scaling_factor=0.13025 if sdxl else 0.18215,
                         force_upcast=sdxl)


def _sd_unet(cross_attention_dim: int, heads, linear_projection: bool, time_cond_proj_dim=None):
    """SD 1.x / 2.x UNet: 865 M parameters (SD 2.1: heads 5/10/20/20 of 64, OpenCLIP's 1024)."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=64, in_channels=4, out_channels=4, layers_per_block=2,
        block_out_channels=(320, 640, 1280, 1280), attention_head_dim=heads,
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        cross_attention_dim=cross_attention_dim, use_linear_projection=linear_projection,
        time_cond_proj_dim=time_cond_proj_dim)


def _sdxl_unet():
    """SDXL's UNet: 2.57 G parameters, 10 transformer layers in its innermost level."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        sample_size=64, in_channels=4, out_channels=4, layers_per_block=2, block_out_channels=(320, 640, 1280),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(5, 10, 20), transformer_layers_per_block=(1, 2, 10), cross_attention_dim=2048,
        use_linear_projection=True, addition_embed_type="text_time", addition_time_embed_dim=256,
        projection_class_embeddings_input_dim=2816)


def _euler(ancestral: bool = False):
    from diffusers import EulerAncestralDiscreteScheduler, EulerDiscreteScheduler

    scheduler = EulerAncestralDiscreteScheduler if ancestral else EulerDiscreteScheduler
    return scheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", steps_offset=1,
                     timestep_spacing="trailing")


def build(name: str):
    """The pipeline `name` with random weights (seeded: the same bytes every time)."""
    import torch
    from diffusers import LatentConsistencyModelPipeline, LCMScheduler, StableDiffusionPipeline
    from diffusers import StableDiffusionXLPipeline

    torch.manual_seed(0)
    tokenizer = clip_tokenizer()
    if name == "sd-turbo":  # stabilityai/sd-turbo: SD 2.1 + OpenCLIP-H (penultimate layer: 23 of 24)
        return StableDiffusionPipeline(
            vae=_sd_vae(False), text_encoder=_clip_text(tokenizer, 1024, 23, 16, 4096, "gelu"),
            tokenizer=tokenizer, unet=_sd_unet(1024, (5, 10, 20, 20), True), scheduler=_euler(),
            safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    if name == "sdxl-turbo":  # stabilityai/sdxl-turbo: CLIP ViT-L + OpenCLIP bigG
        return StableDiffusionXLPipeline(
            vae=_sd_vae(True), text_encoder=_clip_text(tokenizer, 768, 12, 12, 3072, "quick_gelu"),
            text_encoder_2=_clip_text(tokenizer, 1280, 32, 20, 5120, "gelu", projection=1280),
            tokenizer=tokenizer, tokenizer_2=clip_tokenizer(), unet=_sdxl_unet(), scheduler=_euler(ancestral=True))
    if name == "sd15-lcm":  # an LCM-distilled SD 1.5 (LCM_Dreamshaper_v7's shape: guidance as an embedding)
        return LatentConsistencyModelPipeline(
            vae=_sd_vae(False), text_encoder=_clip_text(tokenizer, 768, 12, 12, 3072, "quick_gelu"),
            tokenizer=tokenizer, unet=_sd_unet(768, 8, False, time_cond_proj_dim=256),
            scheduler=LCMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear"),
            safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    raise ValueError(f"unknown architecture {name!r}; one of {', '.join(ARCHITECTURES)}")


def _save_once(folder: Path, make) -> tuple[Path, bool]:
    """Write through a temporary folder renamed at the end: a run stopped midway leaves no
    half-written model that a later run would take for a whole one."""
    if folder.exists():
        return folder, False
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    make(partial)
    partial.rename(folder)
    return folder, True


def ensure_saved(name: str, cache: Path = DEFAULT_CACHE) -> Path:
    """The diffusers folder of `name` (and its tiny autoencoder beside it), built on first use."""
    import torch
    from diffusers import AutoencoderTiny

    arch = ARCHITECTURES[name]
    cache.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    folder, built = _save_once(cache / name, lambda path: build(name).to(torch.float16).save_pretrained(path))
    if built:
        print(f"built {name} in {time.perf_counter() - started:.0f} s: {folder} ({disk_gb(folder):.2f} GB)")
    # TAESD and TAESDXL share one shape (diffusers' AutoencoderTiny defaults); only weights differ.
    tiny = "taesdxl" if arch.sdxl else "taesd"
    _save_once(cache / tiny, lambda path: (torch.manual_seed(0), AutoencoderTiny().save_pretrained(path)))
    return folder


def fits_in_memory(need_bytes: float) -> tuple[bool, str]:
    """Whether `need_bytes` fits in the memory available now (the machine may be shared), and
    the two figures."""
    import psutil

    available = psutil.virtual_memory().available
    return need_bytes < available, f"{need_bytes / 1e9:.1f} GB needed, {available / 1e9:.1f} GB available"


def fits_on_disk(folder: Path, need_bytes: float, spare: float = 5e9) -> tuple[bool, str]:
    """Whether `need_bytes` can be written under `folder` leaving `spare` for everyone else."""
    free = shutil.disk_usage(folder).free
    return need_bytes + spare < free, f"{need_bytes / 1e9:.1f} GB of disk needed, {free / 1e9:.1f} GB free"


def disk_gb(folder: Path) -> float:
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file()) / 1e9


def parameter_count(module) -> int:
    return sum(p.numel() for p in module.parameters())


def unet_inputs(config, dtype, device="cpu", side: int = 512) -> dict:
    """One UNet call's arguments at side² (batch 1: Turbo and LCM run without a negative)."""
    import torch

    latent = side // 8
    inputs = dict(sample=torch.randn(1, config.in_channels, latent, latent, dtype=dtype, device=device),
                  timestep=torch.tensor(999, device=device),
                  encoder_hidden_states=torch.randn(1, 77, config.cross_attention_dim, dtype=dtype, device=device))
    if config.addition_embed_type == "text_time":
        pooled = config.projection_class_embeddings_input_dim - 6 * config.addition_time_embed_dim
        inputs["added_cond_kwargs"] = {"text_embeds": torch.randn(1, pooled, dtype=dtype, device=device),
                                       "time_ids": torch.tensor([[side, side, 0, 0, side, side]], dtype=dtype,
                                                                device=device)}
    if config.time_cond_proj_dim:
        inputs["timestep_cond"] = torch.randn(1, config.time_cond_proj_dim, dtype=dtype, device=device)
    return inputs


def component_calls(pipe, tiny, dtype, prompt: str, side: int = 512) -> dict:
    """name -> (the modules it uses, a callable running it once at side² in `dtype`): the text
    encoder(s) on 77 tokens, one UNet step, the full VAE's decode and TAESD's (`tiny`, if any)."""
    import torch

    encoders = [e for e in (pipe.text_encoder, getattr(pipe, "text_encoder_2", None)) if e is not None]
    ids = pipe.tokenizer(prompt, padding="max_length", max_length=77, truncation=True, return_tensors="pt").input_ids
    unet_in = unet_inputs(pipe.unet.config, dtype, side=side)
    latents = torch.randn(1, 4, side // 8, side // 8, dtype=dtype)
    calls = {"text encoder": (encoders, lambda: [e(ids, output_hidden_states=True) for e in encoders]),
             "UNet step": ([pipe.unet], lambda: pipe.unet(**unet_in)),
             "full VAE decode": ([pipe.vae], lambda: pipe.vae.decode(latents))}
    if tiny is not None:
        calls["TAESD decode"] = ([tiny], lambda: tiny.decode(latents))
    return calls


def unet_flops(config, side: int = 512) -> int:
    """FLOPs of one UNet call, counted on the meta device: no weights, no time, and attention
    counted too (on real CPU tensors the flop counter misses SDPA's CPU kernel)."""
    import torch
    from diffusers import UNet2DConditionModel
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        unet = UNet2DConditionModel.from_config(config)
        inputs = unet_inputs(unet.config, torch.float32, "meta", side)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        unet(**inputs)
    return counter.get_total_flops()
