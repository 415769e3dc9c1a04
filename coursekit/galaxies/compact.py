"""A compact convolutional network for a few hundred labelled cut-outs, and an ensemble of such networks.

ResNet18 has 11 million weights; trained from random weights on ~200 real galaxies it did not beat the
morphology features + random forest baseline (notebook 02, ``galaxies train --data``). This network has four
stages of two 3x3 convolutions (batch norm, ReLU) and a 2x2 max-pool, ``width``, 2, 4 and 8 x ``width``
channels, global average pooling and a dropout + linear head: about 0.3 million weights for ``width=16``, the
shape of the small galaxy CNNs of Dieleman, Willett & Dambre (2015, MNRAS 450, 1441) and Domínguez Sánchez et
al. (2018, MNRAS 476, 3661) scaled down to 32-pixel inputs.

:class:`GalaxyEnsemble` averages the class probabilities of independently trained members (a deep ensemble,
Lakshminarayanan, Pritzel & Blundell 2017): better accuracy and calibration than one member. Its ``forward``
returns the logarithm of the mean probability, so ``softmax(ensemble(x))`` is that mean and every function
that takes logits (``predict``, test-time augmentation) works unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

#: Per-channel centring of colour images in [0, 1] (the typical sky-dominated cut-out is dark).
INPUT_MEAN, INPUT_STD = 0.2, 0.2


def _stage(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class CompactGalaxyNet(nn.Module):
    """(n, 3, H, W) colour images in [0, 1] -> (n, C) logits; H, W >= 16 (four 2x2 pools)."""

    def __init__(self, classes: Sequence[str], width: int = 16, dropout: float = 0.3):
        super().__init__()
        if width < 1:
            raise ValueError(f"width must be a positive number of channels, got {width}")
        self.classes = tuple(classes)
        self.width = int(width)
        w = self.width
        self.features = nn.Sequential(_stage(3, w), _stage(w, 2 * w), _stage(2 * w, 4 * w), _stage(4 * w, 8 * w))
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(8 * w, len(self.classes)))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled features the head sees: (n, 3, H, W) -> (n, 8 * width)."""
        return self.features((x - INPUT_MEAN) / INPUT_STD).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected images of shape (n, 3, H, W), got {tuple(x.shape)}")
        if min(x.shape[-2:]) < 16:
            raise ValueError(f"images must be at least 16x16 pixels for four 2x2 pools, got {tuple(x.shape[-2:])}")
        return self.head(self.embed(x))


class GalaxyEnsemble(nn.Module):
    """Members with the same classes; ``forward`` -> log of the members' mean softmax probability, (n, C)."""

    def __init__(self, members: Sequence[nn.Module]):
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        classes = {tuple(m.classes) for m in members}
        if len(classes) != 1:
            raise ValueError(f"ensemble members disagree on the classes: {sorted(classes)}")
        self.members = nn.ModuleList(members)
        self.classes = tuple(members[0].classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = torch.stack([torch.softmax(m(x).float(), dim=1) for m in self.members]).mean(0)
        return torch.log(p.clamp_min(1e-12))
