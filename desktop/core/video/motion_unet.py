"""AnimateDiff's motion UNet built without a second copy of the weights.

diffusers' `UNetMotionModel.from_unet2d` first builds a full model with fresh random weights
(in float32, whatever the base's dtype), then copies the base UNet's and the adapter's weights
into it: for Stable Diffusion 1.5 that is 5.2 GB allocated next to the 3.4 GB (fp32) base UNet
while loading — the moment that decides whether a clip fits in 8 GB (bench/video_memory.py).
Here the model's skeleton is made on the "meta" device (no memory), and the base UNet's and the
adapter's own tensors are put into it (`assign=True`): nothing is copied and no random weight
is ever drawn. The layout matches by name — from_unet2d copies block by block under the same
names, and the adapter's keys are the motion UNet's `*.motion_modules.*` keys. Anything this
cannot place (a PIA adapter with its own conv_in, a base UNet with IP-Adapter processors, a
diffusers version whose names differ) falls back to from_unet2d, which is slower and heavier
but right."""

from __future__ import annotations


def motion_unet(unet, adapter):
    """A UNetMotionModel with `unet`'s and `adapter`'s tensors (shared, not copied)."""
    import torch
    from diffusers import UNetMotionModel

    if adapter.config.get("conv_in_channels") or getattr(unet, "encoder_hid_proj", None) is not None:
        return UNetMotionModel.from_unet2d(unet, adapter)
    with torch.device("meta"):
        model = UNetMotionModel.from_unet2d(unet, adapter, load_weights=False)
    state = {**unet.state_dict(), **adapter.state_dict()}
    expected = set(model.state_dict())
    if not expected <= set(state):
        return UNetMotionModel.from_unet2d(unet, adapter)
    model.load_state_dict({name: state[name] for name in expected}, strict=True, assign=True)
    if any(t.is_meta for t in (*model.parameters(), *model.buffers())):  # a buffer that is not in a state dict
        return UNetMotionModel.from_unet2d(unet, adapter)
    return model.to(unet.dtype).eval()
