"""Real-ESRGAN's generator (RRDBNet), written out here and loaded from .safetensors.

Why not spandrel: spandrel imports torchvision, and PyPI's torchvision does not load beside
the CPU build of torch that Atelier installs where there is no GPU. The architecture is
small and fixed, so the official Real-ESRGAN x4plus / x2plus weights (converted to
.safetensors) load here directly, by their own key names.
"""

from __future__ import annotations

import re


def _modules():
    import torch
    from torch import nn
    from torch.nn import functional as F

    class DenseBlock(nn.Module):  # "ResidualDenseBlock" in Real-ESRGAN
        def __init__(self, features: int, growth: int):
            super().__init__()
            self.conv1 = nn.Conv2d(features, growth, 3, 1, 1)
            self.conv2 = nn.Conv2d(features + growth, growth, 3, 1, 1)
            self.conv3 = nn.Conv2d(features + 2 * growth, growth, 3, 1, 1)
            self.conv4 = nn.Conv2d(features + 3 * growth, growth, 3, 1, 1)
            self.conv5 = nn.Conv2d(features + 4 * growth, features, 3, 1, 1)
            self.act = nn.LeakyReLU(0.2, inplace=True)

        def forward(self, x):
            x1 = self.act(self.conv1(x))
            x2 = self.act(self.conv2(torch.cat((x, x1), 1)))
            x3 = self.act(self.conv3(torch.cat((x, x1, x2), 1)))
            x4 = self.act(self.conv4(torch.cat((x, x1, x2, x3), 1)))
            return self.conv5(torch.cat((x, x1, x2, x3, x4), 1)) * 0.2 + x

    class RRDB(nn.Module):
        def __init__(self, features: int, growth: int):
            super().__init__()
            self.rdb1, self.rdb2, self.rdb3 = (DenseBlock(features, growth) for _ in range(3))

        def forward(self, x):
            return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x

    class RRDBNet(nn.Module):
        def __init__(self, scale: int, features: int = 64, blocks: int = 23, growth: int = 32):
            super().__init__()
            self.scale = scale
            in_channels = 3 * (16 if scale == 1 else 4 if scale == 2 else 1)  # pixel-unshuffled input
            self.conv_first = nn.Conv2d(in_channels, features, 3, 1, 1)
            self.body = nn.Sequential(*(RRDB(features, growth) for _ in range(blocks)))
            self.conv_body = nn.Conv2d(features, features, 3, 1, 1)
            self.conv_up1 = nn.Conv2d(features, features, 3, 1, 1)
            self.conv_up2 = nn.Conv2d(features, features, 3, 1, 1)
            self.conv_hr = nn.Conv2d(features, features, 3, 1, 1)
            self.conv_last = nn.Conv2d(features, 3, 3, 1, 1)
            self.act = nn.LeakyReLU(0.2, inplace=True)

        def forward(self, x):
            if self.scale in (1, 2):
                x = F.pixel_unshuffle(x, 4 if self.scale == 1 else 2)
            feat = self.conv_first(x)
            feat = feat + self.conv_body(self.body(feat))
            feat = self.act(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
            feat = self.act(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
            return self.conv_last(self.act(self.conv_hr(feat)))

    return RRDBNet


def build_from_state_dict(state: dict):
    """An RRDBNet shaped by the weights themselves (block count, width, scale)."""
    if "params_ema" in state or "params" in state:
        state = state.get("params_ema", state.get("params"))
    if "conv_first.weight" not in state:
        raise ValueError("these weights are not a Real-ESRGAN (RRDBNet) model")
    blocks = 1 + max(int(m.group(1)) for k in state if (m := re.match(r"body\.(\d+)\.", k)))
    features = state["conv_first.weight"].shape[0]
    growth = state["body.0.rdb1.conv1.weight"].shape[0]
    in_channels = state["conv_first.weight"].shape[1]
    scale = {3: 4, 12: 2, 48: 1}.get(in_channels)
    if scale is None:
        raise ValueError(f"unexpected input channels {in_channels}")
    model = _modules()(scale, features, blocks, growth)
    model.load_state_dict(state, strict=True)
    return model.eval()


def rrdbnet_class():
    return _modules()
