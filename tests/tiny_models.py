"""Tiny random-weight models written inside the tests (no downloads)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

WORDS = ["▁the", "▁a", "▁cat", "▁dog", "▁sat", "▁on", "▁mat", "▁hello", "▁world", "▁def",
         "▁return", "▁print", "(", ")", ":", "▁=", "▁+", "▁1", "▁0", "\n", "▁is", "▁and"]
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def write_tiny_llama(path: Path, *, chat_template: str | None = None, n_ctx: int = 512,
                     seed: int = 0, hidden: int = 64, layers: int = 2, endless: bool = False) -> Path:
    """A 2-layer llama GGUF with a byte-fallback SentencePiece-style vocab; llama.cpp
    loads it in milliseconds and it generates (noise) in milliseconds.

    `endless`: the model can never emit an end-of-generation or control token, so a
    generation runs until max_tokens or cancel (random weights otherwise stop at random).
    Done by keeping residual dimension 0 at a positive constant and giving control tokens
    a strongly negative output weight on it."""
    import gguf

    rng = np.random.default_rng(seed)
    tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL,
             gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    tokens += ["▁"] + WORDS
    types += [gguf.TokenType.NORMAL] * (len(WORDS) + 1)
    scores = [0.0] * 261 + [-float(i) for i in range(len(WORDS) + 1)]
    n_vocab, ff, heads = len(tokens), hidden * 2, 4

    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("Tiny Llama")
    writer.add_context_length(n_ctx)
    writer.add_embedding_length(hidden)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(ff)
    writer.add_head_count(heads)
    writer.add_head_count_kv(heads)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(hidden // heads)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    if chat_template:
        writer.add_chat_template(chat_template)

    def weights(*shape):
        return rng.normal(0, 0.5, size=shape).astype(np.float32)

    embedding = weights(n_vocab, hidden)
    output = weights(n_vocab, hidden)
    if endless:
        embedding[:, 0] = 8.0          # residual dim 0 stays positive ...
        output[:, 0] = 3.0
        output[:5, :] = 0.0
        output[:5, 0] = -3.0           # ... so control tokens always score far below the rest
    writer.add_tensor("token_embd.weight", embedding)
    for i in range(layers):
        writer.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(hidden, dtype=np.float32))
        for part in ("attn_q", "attn_k", "attn_v"):
            writer.add_tensor(f"blk.{i}.{part}.weight", weights(hidden, hidden))
        attn_out, ffn_down = weights(hidden, hidden), weights(hidden, ff)
        if endless:
            attn_out[0, :] = 0.0
            ffn_down[0, :] = 0.0
        writer.add_tensor(f"blk.{i}.attn_output.weight", attn_out)
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(hidden, dtype=np.float32))
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weights(ff, hidden))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weights(ff, hidden))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", ffn_down)
    writer.add_tensor("output_norm.weight", np.ones(hidden, dtype=np.float32))
    writer.add_tensor("output.weight", output)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(path)


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible byte -> printable character table."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars, extra = printable[:], 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return dict(zip(printable, map(chr, chars)))


def tiny_clip_tokenizer():
    """A byte-level CLIP tokenizer built in memory (no vocab files to download)."""
    from transformers import CLIPTokenizer

    symbols = list(_bytes_to_unicode().values())
    vocab = {s: i for i, s in enumerate(symbols)}
    for s in symbols:
        vocab[s + "</w>"] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=77)


def tiny_sd_pipeline(inpainting: bool = False, seed: int = 0):
    """A random-weight Stable Diffusion 1.x pipeline of ~1.7 M parameters."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    tokenizer = tiny_clip_tokenizer()
    text_encoder = CLIPTextModel(CLIPTextConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=77, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id or 0))
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=9 if inpainting else 4, out_channels=4, layers_per_block=1,
        block_out_channels=(32, 64), down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32, norm_num_groups=16,
        attention_head_dim=8)
    vae = AutoencoderKL(block_out_channels=(32, 64), in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
                        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"), norm_num_groups=16,
                        sample_size=32)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       steps_offset=1)
    return StableDiffusionPipeline(vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet,
                                   scheduler=scheduler, safety_checker=None, feature_extractor=None,
                                   requires_safety_checker=False)


def write_tiny_sd(folder: Path, inpainting: bool = False) -> Path:
    tiny_sd_pipeline(inpainting).save_pretrained(folder)
    return Path(folder)


def tiny_sdxl_pipeline(seed: int = 0):
    """A random-weight SDXL pipeline: two text encoders and a text_time-conditioned UNet."""
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

    torch.manual_seed(seed)
    tokenizer = tiny_clip_tokenizer()
    config = dict(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, max_position_embeddings=77, bos_token_id=tokenizer.bos_token_id,
                  eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id or 0)
    text_encoder = CLIPTextModel(CLIPTextConfig(**config))
    text_encoder_2 = CLIPTextModelWithProjection(CLIPTextConfig(**config, projection_dim=32))
    unet = UNet2DConditionModel(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=1, block_out_channels=(32, 64),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4), use_linear_projection=True, addition_embed_type="text_time",
        addition_time_embed_dim=8, transformer_layers_per_block=(1, 2),
        projection_class_embeddings_input_dim=80, cross_attention_dim=64, norm_num_groups=16)
    vae = AutoencoderKL(block_out_channels=(32, 64), in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
                        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"), norm_num_groups=16,
                        sample_size=32)
    scheduler = EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                       steps_offset=1, timestep_spacing="leading")
    return StableDiffusionXLPipeline(vae=vae, text_encoder=text_encoder, text_encoder_2=text_encoder_2,
                                     tokenizer=tokenizer, tokenizer_2=tiny_clip_tokenizer(), unet=unet,
                                     scheduler=scheduler)


def write_tiny_sdxl(folder: Path) -> Path:
    tiny_sdxl_pipeline().save_pretrained(folder)
    return Path(folder)


def write_tiny_esrgan(path: Path, scale: int = 4, seed: int = 0) -> Path:
    """A Real-ESRGAN-shaped RRDBNet (1 block, 8 features) saved as .safetensors."""
    import torch
    from safetensors.torch import save_file

    from desktop.core.image.esrgan import rrdbnet_class

    torch.manual_seed(seed)
    model = rrdbnet_class()(scale, features=8, blocks=1, growth=4)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return Path(path)


def write_tiny_autoencoder(folder: Path, seed: int = 0) -> Path:
    """A random-weight TAESD-shaped AutoencoderTiny, for step previews."""
    import torch
    from diffusers import AutoencoderTiny

    torch.manual_seed(seed)
    AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
                    num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1)).save_pretrained(folder)
    return Path(folder)


def write_tiny_vits(folder: Path, seed: int = 0) -> Path:
    """A VITS text-to-speech model (MMS-TTS layout) with a character vocabulary, ~70 k
    parameters: random weights, so what it says is noise of a plausible length."""
    import json

    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {c: i for i, c in enumerate(["<pad>"] + list("abcdefghijklmnopqrstuvwxyz '.,?!-"))}
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    VitsTokenizer(str(folder / "vocab.json"), phonemize=False, add_blank=True, normalize=True).save_pretrained(folder)
    torch.manual_seed(seed)
    config = VitsConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=16, flow_size=16,
        spectrogram_bins=17, upsample_initial_channel=16, upsample_rates=[4, 4], upsample_kernel_sizes=[8, 8],
        resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1, 3]], prior_encoder_num_flows=1,
        prior_encoder_num_wavenet_layers=1, posterior_encoder_num_wavenet_layers=1,
        duration_predictor_filter_channels=16, depth_separable_num_layers=1, sampling_rate=16000)
    VitsModel(config).save_pretrained(folder, safe_serialization=True)
    return folder


def write_tiny_musicgen(folder: Path, seed: int = 0) -> Path:
    """MusicGen with a tiny T5 text encoder (SentencePiece-style vocabulary written here),
    a tiny EnCodec at 16 kHz / 50 frames per second and a 4-codebook decoder."""
    import torch
    from transformers import (EncodecConfig, EncodecFeatureExtractor, MusicgenConfig, MusicgenDecoderConfig,
                              MusicgenForConditionalGeneration, MusicgenProcessor, T5Config, T5Tokenizer)

    folder.mkdir(parents=True, exist_ok=True)
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + \
        [(f"▁{w}", -1.0) for w in "calm piano rain soft drums fast slow music".split()] + \
        [(c, -2.0) for c in "abcdefghijklmnopqrstuvwxyz"]
    tokenizer = T5Tokenizer(vocab=pieces, extra_ids=0)
    text = T5Config(vocab_size=len(pieces), d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
                    decoder_start_token_id=0)
    audio = EncodecConfig(codebook_size=64, hidden_size=16, num_filters=4, num_residual_layers=1,
                          upsampling_ratios=[8, 5, 4, 2], codebook_dim=16, sampling_rate=16000,
                          target_bandwidths=[2.0], audio_channels=1)
    decoder = MusicgenDecoderConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                    ffn_dim=32, num_codebooks=4, max_position_embeddings=1024,
                                    pad_token_id=64, bos_token_id=64)
    torch.manual_seed(seed)
    model = MusicgenForConditionalGeneration(MusicgenConfig(text_encoder=text.to_dict(), audio_encoder=audio.to_dict(),
                                                            decoder=decoder.to_dict()))
    model.generation_config.decoder_start_token_id = 64
    model.generation_config.pad_token_id = 64
    model.save_pretrained(folder, safe_serialization=True)
    MusicgenProcessor(feature_extractor=EncodecFeatureExtractor(sampling_rate=16000, feature_size=1),
                      tokenizer=tokenizer).save_pretrained(folder)
    return folder
