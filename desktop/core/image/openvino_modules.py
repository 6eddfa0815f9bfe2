"""Stand-ins for a pipeline's UNet and its decoder that run OpenVINO-compiled graphs and look
to diffusers like the torch modules they replace.

Each keeps its torch module: attributes the pipelines read (config, dtype, add_embedding,
encoder_hid_proj, …) come from it, and calls the graph does not cover run on it — ControlNet
residuals, IP-Adapter inputs, attention kwargs, and latent sizes the UNet's upsampling cannot
trace (not a multiple of its overall factor, where diffusers passes explicit output sizes).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import numpy as np

from desktop.core.image.openvino_runtime import CompiledGraph

log = logging.getLogger(__name__)


def _float32(tensor) -> np.ndarray:
    import torch

    return tensor.detach().to(torch.float32).contiguous().numpy()


# ---- the graphs traced for conversion: plain tensors in, one float32 tensor out ----

def unet_inputs(unet) -> tuple[str, ...]:
    """The UNet graph's inputs for this model (LCM's guidance embedding, SDXL's text_time)."""
    names = ["sample", "time_embedding", "encoder_hidden_states"]
    if unet.config.time_cond_proj_dim is not None:
        names.append("timestep_cond")
    if unet.config.addition_embed_type == "text_time":
        names += ["text_embeds", "time_ids_embedding"]
    return tuple(names)


def sinusoidal_inputs(unet, sample, timestep, time_ids=None) -> dict:
    """The UNet's sinusoidal embeddings of the timestep (and of SDXL's size conditioning),
    computed in float32 by torch as diffusers does, outside the graph: OpenVINO in bf16 would
    round 999 to 1000 before the sine and turn the embedding to noise."""
    import torch

    embedded = {"time_embedding": type(unet).get_time_embed(unet, sample=sample.to(torch.float32),
                                                            timestep=timestep)}
    if time_ids is not None:
        embedded["time_ids_embedding"] = unet.add_time_proj(time_ids.to(torch.float32).flatten())
    return embedded


@contextmanager
def _embeddings_as_inputs(unet):
    """While tracing: the UNet takes the embeddings above in place of the timestep and time_ids."""
    import torch

    add_time_proj = getattr(unet, "add_time_proj", None)
    unet.get_time_embed = lambda sample, timestep: timestep.to(sample.dtype)
    if add_time_proj is not None:
        unet.add_time_proj = torch.nn.Identity()
    try:
        yield
    finally:
        del unet.get_time_embed
        if add_time_proj is not None:
            unet.add_time_proj = add_time_proj


def unet_graph(unet, names: tuple[str, ...]):
    """The UNet as a function of the named tensors, in `names` order (tracing takes them
    positionally; the optional inputs a model lacks are simply not among them)."""
    import torch

    class UNetGraph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.unet = unet

        def forward(self, *tensors):
            given = {name: tensor.to(self.unet.dtype) for name, tensor in zip(names, tensors)}
            added = None
            if "text_embeds" in given:
                added = {"text_embeds": given["text_embeds"], "time_ids": given["time_ids_embedding"]}
            with _embeddings_as_inputs(self.unet):
                return self.unet(given["sample"], given["time_embedding"], given["encoder_hidden_states"],
                                 timestep_cond=given.get("timestep_cond"), added_cond_kwargs=added,
                                 return_dict=False)[0].to(torch.float32)

    return UNetGraph().eval()


def unet_example(unet, names: tuple[str, ...]) -> dict:
    """Example tensors for tracing at the model's own sample size (shapes stay dynamic)."""
    import torch

    config, side = unet.config, unet.config.sample_size
    side = side if isinstance(side, int) else side[0]
    sample = torch.randn(1, config.in_channels, side, side)
    time_ids = None
    if "text_embeds" in names:
        time_ids = torch.tensor([[side * 8.0, side * 8.0, 0.0, 0.0, side * 8.0, side * 8.0]])
    with torch.no_grad():
        example = {"sample": sample, **sinusoidal_inputs(unet, sample, torch.tensor(999), time_ids),
                   "encoder_hidden_states": torch.randn(1, 77, config.cross_attention_dim)}
    if "timestep_cond" in names:
        example["timestep_cond"] = torch.randn(1, config.time_cond_proj_dim)
    if "text_embeds" in names:
        pooled = unet.add_embedding.linear_1.in_features - 6 * config.addition_time_embed_dim
        example["text_embeds"] = torch.randn(1, pooled)
    return {name: example[name] for name in names}


def decoder_graph(vae, names=("latents",)):
    """The autoencoder's decode (AutoencoderKL: post-quant conv + decoder; AutoencoderTiny:
    its decoder), called through the class so a patched instance never traces itself."""
    import torch

    class DecoderGraph(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.vae = vae

        def forward(self, latents):
            decoded = type(self.vae).decode(self.vae, latents.to(self.vae.dtype), return_dict=False)[0]
            return decoded.to(torch.float32)

    return DecoderGraph().eval()


def decoder_example(vae) -> dict:
    import torch

    return {"latents": torch.randn(1, vae.config.latent_channels, 8, 8)}


# ---- the stand-ins ----

class OpenVINOUNet:
    """Called as diffusers calls UNet2DConditionModel.forward; returns what it returns."""

    def __init__(self, unet, compiled: CompiledGraph, names: tuple[str, ...]):
        self.torch_module = unet
        self.compiled = compiled
        self.names = names
        # The upsamplers double sizes blindly only when the latent divides by 2^upsamplers.
        self.size_factor = 2 ** sum(1 for block in unet.up_blocks if getattr(block, "upsamplers", None))

    def __getattr__(self, name):  # config, dtype, device, add_embedding, … from the torch module
        return getattr(self.__dict__["torch_module"], name)

    def __call__(self, sample, timestep, encoder_hidden_states, *args, timestep_cond=None,
                 added_cond_kwargs=None, return_dict=True, **kwargs):
        covered = self._covered(sample, args, kwargs, added_cond_kwargs, timestep_cond)
        if not covered:
            return self.torch_module(sample, timestep, encoder_hidden_states, *args, timestep_cond=timestep_cond,
                                     added_cond_kwargs=added_cond_kwargs, return_dict=return_dict, **kwargs)
        import torch

        time_ids = added_cond_kwargs["time_ids"] if "text_embeds" in self.names else None
        embedded = sinusoidal_inputs(self.torch_module, sample, timestep, time_ids)
        tensors = {name: _float32(tensor) for name, tensor in embedded.items()}
        tensors.update(sample=_float32(sample), encoder_hidden_states=_float32(encoder_hidden_states))
        if "timestep_cond" in self.names:
            tensors["timestep_cond"] = _float32(timestep_cond)
        if "text_embeds" in self.names:
            tensors["text_embeds"] = _float32(added_cond_kwargs["text_embeds"])
        try:
            output = torch.from_numpy(self.compiled.run(tensors)).to(sample.dtype)
        except Exception:  # a shape that does not compile: this call on torch, logged
            log.exception("OpenVINO UNet failed for %s; running it on torch", tuple(sample.shape))
            return self.torch_module(sample, timestep, encoder_hidden_states, timestep_cond=timestep_cond,
                                     added_cond_kwargs=added_cond_kwargs, return_dict=return_dict)
        if not return_dict:
            return (output,)
        from diffusers.models.unets.unet_2d_condition import UNet2DConditionOutput

        return UNet2DConditionOutput(sample=output)

    forward = __call__

    def _covered(self, sample, args, kwargs, added_cond_kwargs, timestep_cond) -> bool:
        """Whether this call is one the compiled graph computes exactly."""
        if args or any(value is not None for value in kwargs.values()):
            return False
        if sample.shape[-1] % self.size_factor or sample.shape[-2] % self.size_factor:
            return False
        if ("timestep_cond" in self.names) != (timestep_cond is not None):
            return False
        wanted = {"text_embeds", "time_ids"} if "text_embeds" in self.names else set()
        return set(added_cond_kwargs or {}) == wanted


class OpenVINODecode:
    """Set as `vae.decode` on the instance: the pipelines' final decode runs compiled; the
    encoder (image-to-image, inpainting) stays on torch."""

    def __init__(self, vae, compiled: CompiledGraph):
        self.vae = vae
        self.compiled = compiled

    def __call__(self, z, *args, return_dict=True, generator=None, **kwargs):
        if args or kwargs:
            return type(self.vae).decode(self.vae, z, *args, return_dict=return_dict, generator=generator, **kwargs)
        import torch
        from diffusers.models.autoencoders.vae import DecoderOutput

        try:
            decoded = torch.from_numpy(self.compiled.run({"latents": _float32(z)})).to(z.dtype)
        except Exception:
            log.exception("OpenVINO decoder failed for %s; decoding on torch", tuple(z.shape))
            return type(self.vae).decode(self.vae, z, return_dict=return_dict, generator=generator)
        return DecoderOutput(sample=decoded) if return_dict else (decoded,)
