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
from pathlib import Path

import torch
from torch import nn

from coursekit.galaxies.config import PRETRAIN_EPOCHS, PRETRAIN_N, PRETRAIN_SEED

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


# --------------------------------------------------------------------------- pretraining on simulated galaxies

def pretrain_path(width: int, size: int, n: int, epochs: int, seed: int) -> Path:
    """Where :func:`simulation_pretrained` keeps its weights: ``cache_dir()/galaxies/`` (one file per setting)."""
    from coursekit.config import cache_dir

    return cache_dir() / "galaxies" / f"compact-sim-pretrained-w{width}-{size}px-n{n}-e{epochs}-seed{seed}.pt"


def pretrain_on_simulations(width: int = 16, size: int = 32, *, n: int = PRETRAIN_N, epochs: int = PRETRAIN_EPOCHS,
                            seed: int = PRETRAIN_SEED, progress: bool | None = None) -> CompactGalaxyNet:
    """A :class:`CompactGalaxyNet` trained on ``n`` simulated galaxies of ``size`` pixels
    (:func:`~coursekit.galaxies.simulate.simulate_rgb`, seed ``seed``; four classes) with the augmentation of
    ``galaxies train --data`` (:data:`~coursekit.galaxies.config.FOLDER_TRAIN`) for ``epochs`` epochs.

    Its filters (edges, colours, discs, bulges, arms) are the starting point of the networks fine-tuned on a
    user's few hundred real cut-outs (Yosinski et al. 2014 on transfer; Dieleman et al. 2015 for galaxies).
    Deterministic for a given seed and number of threads.
    """
    from dataclasses import replace

    from coursekit.galaxies.config import FOLDER_TRAIN
    from coursekit.galaxies.model import train_classifier
    from coursekit.galaxies.simulate import CLASSES, simulate_rgb

    x, y = simulate_rgb(n, size=size, seed=seed)
    cfg = replace(FOLDER_TRAIN, width=width, members=1, epochs=epochs, seed=seed, pretrain_n=0)
    model, _ = train_classifier(x, y, CLASSES, cfg, progress=progress, desc="compact CNN (simulations)")
    return model.eval()


def simulation_pretrained(width: int = 16, size: int = 32, *, n: int = PRETRAIN_N, epochs: int = PRETRAIN_EPOCHS,
                          seed: int = PRETRAIN_SEED, cache: bool = True, progress: bool | None = None,
                          verbose: bool = True) -> CompactGalaxyNet:
    """:func:`pretrain_on_simulations`, made once and kept in :func:`pretrain_path` (a checked coursekit model file;
    one that no longer verifies is made again). ``cache=False`` always trains and writes nothing."""
    from coursekit.checkpoint import ModelFileError
    from coursekit.galaxies.model import load_model, save_model

    path = pretrain_path(width, size, n, epochs, seed)
    if cache and path.exists():
        try:
            model, meta = load_model(path)
            if isinstance(model, CompactGalaxyNet) and model.width == width and int(meta["size"]) == size:
                return model
        except ModelFileError as exc:
            if verbose:
                print(f"pretrained weights {path} unusable ({exc}); pretraining again")
    if verbose:
        print(f"pretraining the compact CNN on {n} simulated galaxies ({epochs} epochs; once, then cached in "
              f"{path.parent})", flush=True)
    model = pretrain_on_simulations(width, size, n=n, epochs=epochs, seed=seed, progress=progress)
    if cache:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_model(model, path, size=size, crop=1.0,
                   extra={"data": f"{n} simulated galaxies, seed {seed}", "epochs": epochs})
    return model


def with_new_head(base: CompactGalaxyNet, classes: Sequence[str], *, seed: int = 0,
                  dropout: float = 0.3) -> CompactGalaxyNet:
    """A copy of ``base`` (every weight trainable) with a fresh head for ``classes``, initialised after
    ``torch.manual_seed(seed)``: the start of fine-tuning."""
    import copy

    net = copy.deepcopy(base)
    for p in net.parameters():
        p.requires_grad_(True)
    torch.manual_seed(seed)
    net.classes = tuple(classes)
    net.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(8 * net.width, len(net.classes)))
    return net.train()
