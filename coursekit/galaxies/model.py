"""ResNet18 morphology classifier: build, train, transfer, predict (rotation-averaged), save/load, attribution.

The network is ResNet18 (He et al. 2016, CVPR; :mod:`coursekit.galaxies.resnet`, the same network and weights as
torchvision's, without importing torchvision) with the course guide's head (dropout, 256
hidden units, one output per class). Transfer learning follows the guide's recipe (Yosinski et al. 2014;
Dieleman et al. 2015 for galaxies): take a network trained on other images (ImageNet, or here also our
simulated galaxies), **replace the head** with a fresh one for the new classes, **freeze the stem and the
first residual stage** (generic edge and colour filters), and train the rest with **AdamW**, a **cosine**
learning-rate schedule and **label smoothing** (:func:`transfer_setup`).

A galaxy has no preferred orientation on the sky, so training batches are rotated by arbitrary angles and
mirrored (:class:`SkyAugment`, on the model's device), and :func:`predict` can average the class
probabilities over rotated and mirrored copies, the test-time trick of Dieleman, Willett & Dambre (2015,
MNRAS 450, 1441).

Inputs everywhere are ``(n, 3, H, W)`` float32 colour images in [0, 1]
(:func:`coursekit.galaxies.simulate.flux_to_rgb`, :func:`coursekit.galaxies.data.uint8_to_rgb`).
"""

from __future__ import annotations

import copy
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from coursekit.galaxies.config import TrainConfig
from coursekit.training import release_memory

#: ImageNet channel statistics (what the pretrained ResNet18 expects after scaling to [0, 1]).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

#: Layers frozen by the transfer recipe: the stem and the first residual stage.
EARLY_LAYERS: tuple[str, ...] = ("conv1", "bn1", "layer1")

TOPIC = "galaxies"


class GalaxyClassifier(nn.Module):
    """Channel normalisation + ResNet18 trunk (its ``fc`` is the head); (n, 3, H, W) in [0, 1] -> (n, C) logits."""

    def __init__(self, trunk: nn.Module, classes: Sequence[str]):
        super().__init__()
        self.trunk = trunk
        self.classes = tuple(classes)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The 512 pooled features the head sees: (n, 3, H, W) -> (n, 512)."""
        t = self.trunk
        x = (x - self.mean) / self.std
        x = t.maxpool(t.relu(t.bn1(t.conv1(x))))
        x = t.layer4(t.layer3(t.layer2(t.layer1(x))))
        return torch.flatten(t.avgpool(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected images of shape (n, 3, H, W), got {tuple(x.shape)}")
        return self.trunk((x - self.mean) / self.std)


def _check_weights_available(url: str) -> None:
    """Fail in seconds, with what to do, when ImageNet weights are neither cached nor downloadable."""
    from coursekit.data import host_reachable

    cached = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)
    if cached.exists() or host_reachable(url):
        return
    raise RuntimeError(
        f"ResNet18 ImageNet weights are not cached ({cached}) and {url} cannot be reached (no network?). "
        "Train from scratch instead (pretrained=False), or on a machine with network run "
        "`python -c \"from coursekit.galaxies.resnet import resnet18; resnet18(pretrained=True)\"` "
        f"and copy {cached.name} into {cached.parent} here (or set TORCH_HOME to a shared folder)."
    )


def imagenet_weights_available() -> bool:
    """True when the ResNet18 ImageNet weights are cached here or their host answers (a quick check)."""
    from coursekit.galaxies.resnet import IMAGENET_URL

    try:
        _check_weights_available(IMAGENET_URL)
    except RuntimeError:
        return False
    return True


def classifier_head(in_features: int, n_classes: int, *, hidden: int = 256, dropout: float = 0.3) -> nn.Sequential:
    """The guide's head: Dropout -> Linear(in_features, hidden) -> ReLU -> Dropout -> Linear(hidden, n_classes)."""
    return nn.Sequential(nn.Dropout(dropout), nn.Linear(in_features, hidden), nn.ReLU(inplace=True),
                         nn.Dropout(dropout), nn.Linear(hidden, n_classes))


def freeze_early_layers(model: GalaxyClassifier, layers: Sequence[str] = EARLY_LAYERS) -> None:
    """Stop the gradients of the stem and first stage (``requires_grad = False``) in place."""
    for name in layers:
        for p in getattr(model.trunk, name).parameters():
            p.requires_grad_(False)


def build_model(
    classes: Sequence[str] | int = 4,
    *,
    pretrained: bool = False,
    freeze_early: bool | None = None,
    stem: str = "imagenet",
    hidden: int = 256,
    dropout: float = 0.3,
) -> GalaxyClassifier:
    """ResNet18 for galaxy morphology.

    ``classes``: names (or their number). ``pretrained``: start from torchvision's ImageNet weights
    (``IMAGENET1K_V1``; cached, or downloaded ~45 MB). ``freeze_early``: freeze :data:`EARLY_LAYERS` (default: only when
    pretrained; freezing random filters would only hurt). ``stem``: ``"imagenet"`` keeps the 7x7/2
    convolution + max-pool (cheap on a CPU), ``"small"`` a 3x3/1 convolution without pooling (CIFAR-style,
    ~10x the compute).
    """
    from coursekit.galaxies.resnet import IMAGENET_URL, resnet18

    names = tuple(f"class_{i}" for i in range(classes)) if isinstance(classes, int) else tuple(classes)
    if len(names) < 2:
        raise ValueError(f"need at least two classes, got {names}")
    if stem not in {"imagenet", "small"}:
        raise ValueError(f"stem must be 'imagenet' or 'small', got {stem!r}")
    if pretrained:
        _check_weights_available(IMAGENET_URL)
    net = resnet18(pretrained=pretrained)
    if stem == "small":
        net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        net.maxpool = nn.Identity()
    net.fc = classifier_head(net.fc.in_features, len(names), hidden=hidden, dropout=dropout)
    model = GalaxyClassifier(net, names)
    if pretrained if freeze_early is None else freeze_early:
        freeze_early_layers(model)
    return model


def transfer_setup(model: GalaxyClassifier, classes: Sequence[str], lr: float = 1e-3, weight_decay: float = 0.05, *,
                   hidden: int = 256, dropout: float = 0.3, freeze: bool = True, seed: int = 0):
    """The transfer-learning recipe on a *copy* of a trained ``model``: returns ``(new_model, optimizer)``.

    1. deep-copy the model (the original is left as it was) and make every parameter trainable;
    2. replace the head ``trunk.fc`` with a fresh :func:`classifier_head` for ``classes``
       (initialised after ``torch.manual_seed(seed)``) and set ``new_model.classes``;
    3. if ``freeze``, freeze :data:`EARLY_LAYERS` (:func:`freeze_early_layers`);
    4. AdamW over the trainable parameters only, with ``lr`` and ``weight_decay``.
    """
    new = copy.deepcopy(model)
    for p in new.parameters():
        p.requires_grad_(True)
    torch.manual_seed(seed)
    in_features = new.trunk.fc[1].in_features if isinstance(new.trunk.fc, nn.Sequential) else new.trunk.fc.in_features
    new.trunk.fc = classifier_head(in_features, len(classes), hidden=hidden, dropout=dropout)
    new.classes = tuple(classes)
    if freeze:
        freeze_early_layers(new)
    optimizer = torch.optim.AdamW([p for p in new.parameters() if p.requires_grad], lr=lr, weight_decay=weight_decay)
    return new, optimizer


# --------------------------------------------------------------------------- augmentation

def rotate(x: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rotate each image of (n, C, H, W) ``x`` by ``angle`` (n,) radians about its centre (bilinear; empty sky
    brought in at the corners)."""
    c, s = torch.cos(angle), torch.sin(angle)
    zero = torch.zeros_like(c)
    theta = torch.stack([torch.stack([c, -s, zero], 1), torch.stack([s, c, zero], 1)], 1)
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def random_affine(x: torch.Tensor, *, rotate: bool = True, flip: bool | torch.Tensor = True, scale: float = 0.0,
                  shift: float = 0.0, padding: str = "border") -> torch.Tensor:
    """One random similarity transform per image of (n, C, H, W) ``x``: rotation by any angle (``rotate``), mirror
    (``flip``: half of the images, or an (n,) bool tensor of those to mirror), magnification by a factor uniform in
    [1 - scale, 1 + scale] and a shift uniform in +-``shift`` of the half-width, bilinear. ``padding="border"``
    repeats the edge pixels (the sky of a real cut-out is not zero), ``"zeros"`` brings in black."""
    n, dev = x.shape[0], x.device
    angle = torch.rand(n, device=dev) * (2 * math.pi) if rotate else torch.zeros(n, device=dev)
    mag = 1 + (torch.rand(n, device=dev) * 2 - 1) * scale
    c, s = torch.cos(angle) / mag, torch.sin(angle) / mag
    t = (torch.rand(n, 2, device=dev) * 2 - 1) * shift
    theta = torch.stack([torch.stack([c, -s, t[:, 0]], 1), torch.stack([s, c, t[:, 1]], 1)], 1)
    if isinstance(flip, torch.Tensor):  # which images to mirror, (n,) bool
        theta[:, :, 0] *= torch.where(flip.to(dev), -1.0, 1.0).view(-1, 1)
    elif flip:
        theta[:, :, 0] *= torch.where(torch.rand(n, device=dev) < 0.5, -1.0, 1.0).view(-1, 1)
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode=padding, align_corners=False)


class SkyAugment:
    """Random rotation (any angle), mirror flip and mild brightness/contrast, applied to a batch on its device;
    optionally magnification and shift jitter (``scale``, ``shift``, :func:`random_affine`) and Gaussian
    pixel noise of standard deviation ``noise``.

    Used as ``fit(..., batch_transform=SkyAugment())``. ``brightness`` and ``contrast`` are the half-widths
    of uniform multiplicative jitters. All of these leave a galaxy's class unchanged: the sky has no preferred
    orientation or handedness that our classes depend on, and distance changes size and flux, not morphology.
    """

    def __init__(self, rotate: bool = True, flip: bool = True, brightness: float = 0.1, contrast: float = 0.1,
                 *, scale: float = 0.0, shift: float = 0.0, noise: float = 0.0, padding: str = "zeros",
                 mirror_labels: Sequence[int] | None = None):
        if padding not in {"zeros", "border"}:
            raise ValueError(f"padding must be 'zeros' or 'border', got {padding!r}")
        self.rotate, self.flip, self.brightness, self.contrast = rotate, flip, brightness, contrast
        self.scale, self.shift, self.noise, self.padding = scale, shift, noise, padding
        self.mirror_labels = torch.as_tensor(list(mirror_labels), dtype=torch.long) if mirror_labels else None

    def __call__(self, inputs: list[torch.Tensor], y: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        x = inputs[0]
        n = x.shape[0]
        mask = None  # which images were mirrored, where the labels must follow
        if self.scale or self.shift or self.padding != "zeros":
            flip = self.flip
            if self.flip and self.mirror_labels is not None:
                flip = mask = torch.rand(n, device=x.device) < 0.5
            x = random_affine(x, rotate=self.rotate, flip=flip, scale=self.scale, shift=self.shift,
                              padding=self.padding)
        else:
            if self.rotate:
                x = rotate(x, torch.rand(n, device=x.device) * (2 * math.pi))
            if self.flip:
                mask = torch.rand(n, device=x.device) < 0.5
                x = torch.where(mask.view(-1, 1, 1, 1), x.flip(-1), x)
        if self.mirror_labels is not None and mask is not None:  # a mirrored clockwise spiral is an anticlockwise one
            y = torch.where(mask.to(y.device), self.mirror_labels.to(y.device)[y], y)
        if self.contrast > 0:
            c = 1 + (torch.rand(n, 1, 1, 1, device=x.device) * 2 - 1) * self.contrast
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            x = (x - mean) * c + mean
        if self.brightness > 0:
            x = x * (1 + (torch.rand(n, 1, 1, 1, device=x.device) * 2 - 1) * self.brightness)
        if self.noise > 0:
            x = x + self.noise * torch.randn_like(x)
        return [x.clamp(0, 1), *inputs[1:]], y


# --------------------------------------------------------------------------- prediction

def _check_images(images) -> torch.Tensor:
    x = images if isinstance(images, torch.Tensor) else torch.as_tensor(np.asarray(images))
    if x.ndim == 3:
        x = x.unsqueeze(0)
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(
            f"images must have shape (n, 3, H, W) (colour images in [0, 1]; use flux_to_rgb or uint8_to_rgb), "
            f"got {tuple(x.shape)}"
        )
    if not x.is_floating_point():
        raise ValueError(f"images must be float in [0, 1], got dtype {x.dtype}; divide 8-bit images by 255")
    return x.float()


def dihedral_views(x: torch.Tensor) -> list[torch.Tensor]:
    """The 8 symmetries of the square of (n, C, H, W) images: rotations by 0, 90, 180, 270 degrees of the image
    and of its mirror image (``flip(-1)``), in that order. Exact: no interpolation."""
    return [torch.rot90(v, k, dims=(-2, -1)) for v in (x, x.flip(-1)) for k in range(4)]


@torch.no_grad()
def predict_tta(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Rotation/flip test-time augmentation (Dieleman et al. 2015): the mean of the softmax probabilities
    over the 8 :func:`dihedral_views` of (n, 3, H, W) images; returns (n, C) probabilities."""
    model.eval()
    return torch.stack([torch.softmax(model(v), dim=1) for v in dihedral_views(images)]).mean(0)


def _views(tta: bool | int, mirror: bool = False) -> list[tuple[int, bool, float]]:
    """(k rot90, flip, extra angle) triples describing the test-time views (``mirror``: each also mirrored)."""
    if tta is True:
        views = [(k, f, 0.0) for f in (False, True) for k in range(4)]
        mirror = False  # the eight already hold the mirror images
    elif tta is False or tta is None or tta == 0 or tta == 1:
        views = [(0, False, 0.0)]
    elif isinstance(tta, int) and tta > 1:
        views = [(0, False, 2 * math.pi * j / tta) for j in range(tta)]
    else:
        raise ValueError(f"tta must be False, True (8 rotations/flips) or an int >= 1 of rotations, got {tta!r}")
    return views + [(k, True, a) for k, _, a in views] if mirror else views


@torch.no_grad()
def predict(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    *,
    tta: bool | int = False,
    angle: float = 0.0,
    mirror: bool = False,
    mirror_labels: Sequence[int] | None = None,
    batch_size: int = 128,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """Class probabilities (n, n_classes) for (n, 3, H, W) images in [0, 1].

    ``tta=True`` averages the softmax over the 8 rotations by 90 degrees and their mirror images (exact),
    ``tta=k`` over k rotations by 360/k degrees (bilinear; exact at multiples of 90), and with ``mirror=True``
    over their mirror images too (2k views); ``tta=False`` is one pass. ``angle`` (radians)
    first rotates every test image (to measure how a model copes with rotated galaxies). ``mirror_labels``: the
    class each class becomes in a mirror image (a permutation, e.g. clockwise <-> anticlockwise spirals,
    :func:`~coursekit.galaxies.data.mirror_permutation`): a mirrored view's probabilities are mapped back.
    """
    x = _check_images(images)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    perm = torch.as_tensor(list(mirror_labels), dtype=torch.long, device=device) if mirror_labels else None
    model.eval()
    views = _views(tta, mirror)
    out = []
    for i in range(0, len(x), batch_size):
        xb = x[i : i + batch_size].to(device)
        if angle:
            xb = rotate(xb, torch.full((len(xb),), float(angle), device=device))
        acc = 0.0
        for k, flip, a in views:
            v = xb.flip(-1) if flip else xb
            if k:
                v = torch.rot90(v, k, dims=(-2, -1))
            if a:
                quarter = round(a / (math.pi / 2))
                if abs(a - quarter * math.pi / 2) < 1e-9:  # exact and cheaper than interpolating
                    v = torch.rot90(v, quarter % 4, dims=(-2, -1))
                else:
                    v = rotate(v, torch.full((len(v),), a, device=device))
            p = torch.softmax(model(v).float(), dim=1)
            acc = acc + (p[:, perm] if flip and perm is not None else p)
        out.append((acc / len(views)).cpu())
    return torch.cat(out).numpy()


@torch.no_grad()
def predict_mc_dropout(model: GalaxyClassifier, images: np.ndarray | torch.Tensor, *, n_samples: int = 30,
                       batch_size: int = 128, seed: int = 0) -> np.ndarray:
    """MC-dropout probabilities (Gal & Ghahramani 2016): the mean softmax over ``n_samples`` passes with the
    head's dropout switched on (batch norm stays in evaluation mode). The trunk runs once per image; only
    the head is sampled. Returns (n, n_classes)."""
    x = _check_images(images)
    device = next(model.parameters()).device
    model.eval()
    head = model.trunk.fc
    gen_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    out = []
    try:
        head.train()
        for i in range(0, len(x), batch_size):
            z = model.embed(x[i : i + batch_size].to(device))
            out.append(torch.stack([torch.softmax(head(z), 1) for _ in range(n_samples)]).mean(0).cpu())
    finally:
        head.eval()
        torch.random.set_rng_state(gen_state)
    return torch.cat(out).numpy()


# --------------------------------------------------------------------------- training

def make_scheduler(optimizer: torch.optim.Optimizer, total_steps: int, warmup_fraction: float = 0.1):
    """Linear warm-up then cosine decay to zero (Loshchilov & Hutter 2017), stepped every batch."""
    warm = max(1, int(round(total_steps * warmup_fraction))) if warmup_fraction > 0 else 0

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = min(1.0, (step - warm) / max(1, total_steps - warm))
        return 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def accuracy_metric(logits: torch.Tensor, y: torch.Tensor) -> float:
    from coursekit.metrics import accuracy_from_logits

    return accuracy_from_logits(logits, y)


def _check_training_set(x: torch.Tensor, y: torch.Tensor, classes: Sequence[str]) -> None:
    if len(y) != len(x):
        raise ValueError(f"images and labels differ in length: {len(x)} vs {len(y)}")
    if len(y) < 2:
        raise ValueError(f"need at least two training images, got {len(y)}")
    if y.min() < 0 or y.max() >= len(classes):
        raise ValueError(f"labels must be in [0, {len(classes) - 1}], got range [{int(y.min())}, {int(y.max())}]")
    present = torch.unique(y)
    if len(present) < 2:
        raise ValueError(f"the training labels hold a single class ({classes[int(present[0])]!r}); "
                         "a classifier needs examples of at least two classes")


def _loaders(x: torch.Tensor, y: torch.Tensor, config: TrainConfig):
    from torch.utils.data import DataLoader, TensorDataset

    if config.val_fraction and config.val_fraction > 0:
        from coursekit.training import make_loaders

        return make_loaders(x, y, batch_size=config.batch_size, val_fraction=config.val_fraction, seed=config.seed)
    g = torch.Generator().manual_seed(config.seed)
    return DataLoader(TensorDataset(x, y), batch_size=config.batch_size, shuffle=True, generator=g), None


def _train(model, optimizer, x, y, config: TrainConfig, *, device, progress, desc):
    from coursekit.config import get_device
    from coursekit.training import fit

    device = torch.device(device) if device is not None else get_device()
    train_loader, val_loader = _loaders(x, y, config)
    scheduler = make_scheduler(optimizer, config.epochs * len(train_loader), config.warmup_fraction)
    augment = SkyAugment(rotate=config.rotate, scale=config.scale, shift=config.shift, noise=config.noise,
                         padding=config.padding, mirror_labels=config.mirror_labels) if config.augment else None
    history = fit(
        model, train_loader, val_loader,
        loss_fn=nn.CrossEntropyLoss(label_smoothing=config.label_smoothing),
        epochs=config.epochs, optimizer=optimizer, scheduler=scheduler, scheduler_step="batch",
        device=device, patience=config.patience, batch_transform=augment,
        metrics={"accuracy": accuracy_metric} if val_loader is not None else None,
        progress=progress, desc=desc, amp=device.type == "cuda",
    )
    model.zero_grad(set_to_none=True)  # the gradients are not needed after training (and would be copied with it)
    del optimizer, scheduler, train_loader, val_loader  # the AdamW moments: twice the weights
    release_memory()
    return history


def train_classifier(
    images: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    config: TrainConfig = TrainConfig(),
    *,
    model: GalaxyClassifier | None = None,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    desc: str = "ResNet18",
):
    """Train a new ResNet18 (or continue training ``model`` in place) through :func:`coursekit.training.fit`:
    AdamW, warm-up + cosine LR, label-smoothed cross-entropy, :class:`SkyAugment`.

    ``images``: (n, 3, H, W) float32 in [0, 1]; ``labels``: (n,) int class indices (two classes at least).
    With ``config.val_fraction > 0`` that share is held out and the best validation epoch kept.
    Returns ``(model, history)``.
    """
    x = _check_images(images)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    _check_training_set(x, y, classes)
    if model is None and config.members > 1:
        return _train_ensemble(x, y, classes, config, device=device, progress=progress, desc=desc)
    torch.manual_seed(config.seed)
    if model is None:
        model = _build_for(config, classes, size=x.shape[-1], progress=progress)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config.lr,
                                  weight_decay=config.weight_decay)
    history = _train(model, optimizer, x, y, config, device=device, progress=progress, desc=desc)
    return model, history


def _build_for(config: TrainConfig, classes: Sequence[str], *, size: int = 32, base: nn.Module | None = None,
               progress: bool | None = None) -> nn.Module:
    """A network to train for ``config``: a compact net (from random weights, or ``base`` / the simulation-pretrained
    net of ``config.pretrain_n`` galaxies of ``size`` pixels with a new head seeded by ``config.seed``) or a
    ResNet18."""
    if config.arch == "compact":
        from coursekit.galaxies.compact import CompactGalaxyNet, simulation_pretrained, with_new_head

        if config.pretrain_n > 0 or base is not None:
            if base is None:
                base = simulation_pretrained(config.width, size, n=config.pretrain_n, epochs=config.pretrain_epochs,
                                             progress=progress)
            return with_new_head(base, classes, seed=config.seed)
        return CompactGalaxyNet(classes, width=config.width)
    if config.arch != "resnet18":
        raise ValueError(f"arch must be 'resnet18' or 'compact', got {config.arch!r}")
    return build_model(classes, pretrained=config.pretrained, freeze_early=config.freeze_early, stem=config.stem)


def _train_ensemble(x, y, classes, config: TrainConfig, *, device, progress, desc):
    """``config.members`` networks, member k trained with seed ``config.seed + k`` (its own initial weights, batch
    order and augmentations); returns ``(GalaxyEnsemble, history of the last member)``."""
    from dataclasses import replace

    from coursekit.galaxies.compact import GalaxyEnsemble

    members, history, base = [], None, None
    if config.arch == "compact" and config.pretrain_n > 0:  # pretrained once, shared by the members
        from coursekit.galaxies.compact import simulation_pretrained

        base = simulation_pretrained(config.width, x.shape[-1], n=config.pretrain_n, epochs=config.pretrain_epochs,
                                     progress=progress)
    for k in range(config.members):
        cfg = replace(config, seed=config.seed + k, members=1)
        torch.manual_seed(cfg.seed)
        member = _build_for(cfg, classes, size=x.shape[-1], base=base)
        optimizer = torch.optim.AdamW(member.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        history = _train(member, optimizer, x, y, cfg, device=device, progress=progress,
                         desc=f"{desc} {k + 1}/{config.members}")
        members.append(member.eval())
    return GalaxyEnsemble(members).eval(), history


def fine_tune(
    model: GalaxyClassifier,
    images: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    config: TrainConfig,
    *,
    device: torch.device | str | None = None,
    progress: bool | None = None,
    desc: str = "fine-tune",
):
    """Transfer learning: :func:`transfer_setup` on a copy of ``model`` (new head for ``classes``, early layers
    frozen when ``config.freeze_early`` is not False), then train it on the new images. Returns ``(model, history)``."""
    x = _check_images(images)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    _check_training_set(x, y, classes)
    new, optimizer = transfer_setup(model, classes, lr=config.lr, weight_decay=config.weight_decay,
                                    freeze=config.freeze_early is not False, seed=config.seed)
    torch.manual_seed(config.seed)
    history = _train(new, optimizer, x, y, config, device=device, progress=progress, desc=desc)
    return new, history


# --------------------------------------------------------------------------- model files

#: Prefix of the forest's node arrays in a model file that carries the features + forest beside the network.
FOREST_PREFIX = "baseline_forest."


def save_model(model: GalaxyClassifier, path: str | os.PathLike, *, size: int, crop: float = 0.5,
               config: TrainConfig | None = None, extra: dict | None = None, forest=None,
               forest_input: dict | None = None) -> Path:
    """Save weights, class names and preprocessing (input size, crop, stem) through :mod:`coursekit.checkpoint`.

    ``forest`` (a :class:`~coursekit.galaxies.baseline.TreeForest`) is stored beside the network, as tensors
    covered by the file's digest, with ``forest_input`` (``{"size", "crop", "weight"}``: the images its features
    are measured on and the network's share of the combined probabilities); :func:`load_model` returns it.
    """
    from dataclasses import asdict

    from coursekit.checkpoint import save_model as save

    cfg = {"classes": list(model.classes), "size": int(size), "crop": float(crop), **_architecture(model),
           "train": asdict(config) if config is not None else {}}
    state = dict(model.state_dict())
    if forest is not None:
        if not forest_input or set(forest_input) != {"size", "crop", "weight"}:
            raise ValueError("a forest needs forest_input={'size', 'crop', 'weight'}")
        cfg["forest"] = {"size": int(forest_input["size"]), "crop": float(forest_input["crop"]),
                         "weight": float(forest_input["weight"])}
        state.update({FOREST_PREFIX + k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in forest.arrays().items()})
    info = {"preprocessing": "colour images in [0, 1]: simulations via flux_to_rgb (Lupton asinh, R,G,B = z,r,g); "
                             "JPEG/PNG via uint8_to_rgb (centre crop, resize)", **(extra or {})}
    return save(path, topic=TOPIC, state_dict=state, config=cfg, extra=info)


def combined_proba(p_network: np.ndarray, p_forest: np.ndarray, weight: float,
                   mirror_labels: Sequence[int] | None = None) -> np.ndarray:
    """``weight`` x the network's class probabilities + (1 - weight) x the forest's: (n, n_classes).

    ``mirror_labels`` (a class permutation, :func:`~coursekit.galaxies.data.mirror_permutation`): the forest's
    morphology features do not change under a mirror flip, so it cannot tell a class from its mirror image (a
    clockwise from an anticlockwise spiral); its probability of each mirror pair is shared out in the network's
    ratio within the pair, and the pair's total keeps the forest's vote.
    """
    if not 0.0 <= weight <= 1.0:
        raise ValueError(f"the network's weight must lie in [0, 1], got {weight}")
    p_net, p_forest = np.asarray(p_network, float), np.asarray(p_forest, float)
    if mirror_labels:
        perm = np.asarray(list(mirror_labels))
        pair_net = p_net + p_net[:, perm]
        share = np.where(pair_net > 0, p_net / np.where(pair_net > 0, pair_net, 1.0), 0.5)
        p_forest = np.where(perm == np.arange(len(perm)), p_forest, (p_forest + p_forest[:, perm]) * share)
    return weight * p_net + (1.0 - weight) * p_forest


def _architecture(model: nn.Module) -> dict:
    """What :func:`load_model` needs to rebuild ``model`` (a ResNet18 classifier, a compact net or an ensemble)."""
    from coursekit.galaxies.compact import CompactGalaxyNet, GalaxyEnsemble

    ensemble = isinstance(model, GalaxyEnsemble)
    members = list(model.members) if ensemble else [model]
    first, shape = members[0], {"members": len(members), "ensemble": ensemble}
    if isinstance(first, CompactGalaxyNet):
        return {"arch": "compact", "width": first.width, **shape}
    stem = "small" if isinstance(first.trunk.maxpool, nn.Identity) else "imagenet"
    return {"arch": "resnet18", "stem": stem, "hidden": int(first.trunk.fc[1].out_features), **shape}


def _rebuild(cfg: dict) -> nn.Module:
    from coursekit.galaxies.compact import CompactGalaxyNet, GalaxyEnsemble

    classes, arch, k = tuple(cfg["classes"]), cfg.get("arch", "resnet18"), int(cfg.get("members", 1))
    if arch == "compact":
        members = [CompactGalaxyNet(classes, width=int(cfg["width"])) for _ in range(k)]
    elif arch == "resnet18":
        members = [build_model(classes, stem=cfg.get("stem", "imagenet"), hidden=cfg.get("hidden", 256))
                   for _ in range(k)]
    else:
        raise ValueError(f"unknown architecture {arch!r}")
    return GalaxyEnsemble(members) if cfg.get("ensemble", False) else members[0]


def load_model(path: str | os.PathLike) -> tuple[nn.Module, dict]:
    """Rebuild a classifier saved by :func:`save_model` (a ResNet18, a compact net or an ensemble); returns
    ``(model, metadata)`` (``ModelFileError`` if the file is not a verified galaxies model)."""
    from coursekit.checkpoint import ModelFileError
    from coursekit.checkpoint import load_model as load

    ck = load(path, topic=TOPIC)
    cfg = ck.config or {}
    state = {k: v for k, v in ck.state_dict.items() if not k.startswith(FOREST_PREFIX)}
    arrays = {k[len(FOREST_PREFIX):]: v.numpy() for k, v in ck.state_dict.items() if k.startswith(FOREST_PREFIX)}
    forest = None
    try:
        model = _rebuild(cfg)
        model.load_state_dict(state)
        if arrays or "forest" in cfg:
            from coursekit.galaxies.baseline import TreeForest

            forest = TreeForest(**arrays)
            if forest.value.shape[1] != len(cfg["classes"]) or not 0 <= float(cfg["forest"]["weight"]) <= 1:
                raise ValueError("its forest does not fit the classes or weight")
    except (KeyError, RuntimeError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path}: its weights do not fit a galaxies {cfg.get('arch', 'resnet18')} network "
                             f"({str(exc).splitlines()[0][:120]}); retrain it with `python -m coursekit galaxies train`"
                             ) from None
    model.eval()
    meta = {**cfg, **(ck.extra or {})}
    if forest is not None:
        meta["forest_model"] = forest
    return model, meta


# --------------------------------------------------------------------------- attribution

def saliency(model: GalaxyClassifier, images: np.ndarray, target: np.ndarray | None = None) -> np.ndarray:
    """|d logit_target / d pixel| (Simonyan et al. 2014), maximum over colour: (n, H, W), each map scaled to [0, 1].

    ``target`` defaults to the predicted class.
    """
    x = _check_images(images).to(next(model.parameters()).device)
    model.eval()
    x = x.clone().requires_grad_(True)
    logits = model(x)
    t = logits.argmax(1) if target is None else torch.as_tensor(np.asarray(target), device=x.device)
    logits.gather(1, t.view(-1, 1)).sum().backward()
    sal = x.grad.abs().amax(dim=1)
    sal = sal / sal.flatten(1).amax(1).clamp_min(1e-12).view(-1, 1, 1)
    return sal.detach().cpu().numpy()


def grad_cam(model: GalaxyClassifier, images: np.ndarray, target: np.ndarray | None = None, layer=None) -> np.ndarray:
    """Grad-CAM maps (Selvaraju et al. 2017), (n, H, W) in [0, 1], from ``layer`` (default ``layer4``):
    feature maps weighted by their spatially averaged gradients, summed, rectified, upsampled bilinearly."""
    x = _check_images(images).to(next(model.parameters()).device)
    model.eval()
    layer = layer if layer is not None else model.trunk.layer4
    store = {}
    h1 = layer.register_forward_hook(lambda m, i, o: store.__setitem__("act", o))
    h2 = layer.register_full_backward_hook(lambda m, gi, go: store.__setitem__("grad", go[0]))
    try:
        logits = model(x)
        t = logits.argmax(1) if target is None else torch.as_tensor(np.asarray(target), device=x.device)
        model.zero_grad(set_to_none=True)
        logits.gather(1, t.view(-1, 1)).sum().backward()
    finally:
        h1.remove()
        h2.remove()
    weights = store["grad"].mean(dim=(2, 3), keepdim=True)
    cam = torch.relu((weights * store["act"]).sum(1, keepdim=True))
    cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)[:, 0]
    cam = cam / cam.flatten(1).amax(1).clamp_min(1e-12).view(-1, 1, 1)
    return cam.detach().cpu().numpy()
