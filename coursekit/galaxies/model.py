"""ResNet18 morphology classifier, sky-respecting augmentation, rotation-averaged prediction.

The network is torchvision's ResNet18 (He et al. 2016) built with the weights API,
its classification layer replaced by the course guide's head (dropout, 256 hidden
units, one output per class). With ImageNet weights (full mode) the stem and the
first residual stage are frozen, the transfer-learning scheme of the guide; in
reduced mode nothing can be downloaded, so the network starts from random
weights and every layer trains.

A galaxy has no preferred orientation on the sky, so training batches are rotated
by arbitrary angles and mirrored (:class:`SkyAugment`, run on the model's
device), and :func:`predict` can average the class probabilities over rotated
and mirrored copies of each image, the test-time trick of Dieleman, Willett &
Dambre (2015, MNRAS 450, 1441).

Inputs everywhere are ``(n, 3, H, W)`` float32 colour images in [0, 1] as made by
:func:`coursekit.galaxies.preprocess.flux_to_rgb` or ``uint8_to_rgb``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

#: ImageNet channel statistics (what the pretrained ResNet18 expects after scaling to [0, 1]).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class GalaxyClassifier(nn.Module):
    """Channel normalisation + ResNet18 trunk + dropout/256/n_classes head.

    ``forward`` takes (n, 3, H, W) images in [0, 1] and returns (n, n_classes) logits.
    """

    def __init__(self, trunk: nn.Module, classes: Sequence[str]):
        super().__init__()
        self.trunk = trunk
        self.classes = tuple(classes)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected images of shape (n, 3, H, W), got {tuple(x.shape)}")
        return self.trunk((x - self.mean) / self.std)


def _check_weights_available(url: str) -> None:
    """Fail in seconds, with what to do, when ImageNet weights are neither cached nor downloadable.

    torchvision would otherwise try the download with no time-out and end in a bare ``URLError``.
    """
    import os

    from coursekit.data import host_reachable

    cached = Path(torch.hub.get_dir()) / "checkpoints" / os.path.basename(url)
    if cached.exists() or host_reachable(url):
        return
    raise RuntimeError(
        f"ResNet18 ImageNet weights are not cached ({cached}) and {url} cannot be reached (no network?).\n"
        "  * Train from scratch instead: pretrained=False (what reduced mode does), or\n"
        "  * on a machine with network run\n"
        "    `python -c \"import torchvision; torchvision.models.resnet18(weights='IMAGENET1K_V1')\"`\n"
        f"    and copy {cached.name} into {cached.parent} here (or set TORCH_HOME to a shared folder)."
    )


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

    Parameters
    ----------
    classes:
        Class names (or their number; then named ``class_0`` ...).
    pretrained:
        Start from ``ResNet18_Weights.IMAGENET1K_V1`` (downloads ~45 MB once; needs network).
    freeze_early:
        Freeze the stem and ``layer1`` (default: ``True`` when ``pretrained``, else ``False``:
        freezing random filters would only hurt).
    stem:
        ``"imagenet"`` keeps the 7×7/2 convolution + max-pool (a 64×64 image reaches
        the last stage at 2×2; cheap, the choice for a CPU), ``"small"`` uses a 3×3/1
        convolution without pooling, as for CIFAR-sized inputs (4×4 more resolution in
        every stage, ~10× the compute; only worth it on a GPU).
    """
    from torchvision.models import ResNet18_Weights, resnet18

    names = tuple(f"class_{i}" for i in range(classes)) if isinstance(classes, int) else tuple(classes)
    if len(names) < 2:
        raise ValueError(f"need at least two classes, got {names}")
    if stem not in {"imagenet", "small"}:
        raise ValueError(f"stem must be 'imagenet' or 'small', got {stem!r}")
    weights = ResNet18_Weights.IMAGENET1K_V1 if pretrained else None
    if weights is not None:
        _check_weights_available(weights.url)
    net = resnet18(weights=weights)
    if stem == "small":
        net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        net.maxpool = nn.Identity()
    net.fc = nn.Sequential(
        nn.Dropout(dropout), nn.Linear(net.fc.in_features, hidden), nn.ReLU(inplace=True),
        nn.Dropout(dropout), nn.Linear(hidden, len(names)),
    )
    if freeze_early is None:
        freeze_early = pretrained
    if freeze_early:
        for module in (net.conv1, net.bn1, net.layer1):
            for p in module.parameters():
                p.requires_grad_(False)
    return GalaxyClassifier(net, names)


# --------------------------------------------------------------------------- augmentation

def rotate(x: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Rotate each image of (n, C, H, W) ``x`` by ``angle`` (n,) radians about its centre.

    Bilinear interpolation; corners brought in from outside are empty sky (zeros).
    """
    c, s = torch.cos(angle), torch.sin(angle)
    zero = torch.zeros_like(c)
    theta = torch.stack([torch.stack([c, -s, zero], 1), torch.stack([s, c, zero], 1)], 1)
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@dataclass(frozen=True)
class SkyAugment:
    """Random rotation (any angle), mirror flip and mild brightness/contrast, applied to a batch.

    Used as ``fit(..., batch_transform=SkyAugment())``: it runs after the batch is
    on the model's device, so a GPU does the work. ``brightness`` and ``contrast``
    are the half-widths of uniform multiplicative jitters.
    """

    rotate: bool = True
    flip: bool = True
    brightness: float = 0.1
    contrast: float = 0.1

    def __call__(self, inputs: list[torch.Tensor], y: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        x = inputs[0]
        n = x.shape[0]
        if self.rotate:
            x = rotate(x, torch.rand(n, device=x.device) * (2 * math.pi))
        if self.flip:
            mask = torch.rand(n, device=x.device) < 0.5
            x = torch.where(mask.view(-1, 1, 1, 1), x.flip(-1), x)
        if self.contrast > 0:
            c = 1 + (torch.rand(n, 1, 1, 1, device=x.device) * 2 - 1) * self.contrast
            mean = x.mean(dim=(1, 2, 3), keepdim=True)
            x = (x - mean) * c + mean
        if self.brightness > 0:
            x = x * (1 + (torch.rand(n, 1, 1, 1, device=x.device) * 2 - 1) * self.brightness)
        return [x.clamp(0, 1), *inputs[1:]], y


# --------------------------------------------------------------------------- prediction

def _views(tta: bool | int) -> list[tuple[int, bool, float]]:
    """(k rot90, flip, extra angle) triples describing the test-time views."""
    if tta is True:  # (before the int test: True == 1 in Python)
        return [(k, f, 0.0) for f in (False, True) for k in range(4)]  # the 8 symmetries of a square
    if tta is False or tta is None or tta == 0 or tta == 1:
        return [(0, False, 0.0)]
    if isinstance(tta, int) and tta > 1:
        return [(0, False, 2 * math.pi * j / tta) for j in range(tta)]
    raise ValueError(f"tta must be False, True (8 rotations/flips) or an int >= 1 of rotations, got {tta!r}")


def _check_images(images) -> torch.Tensor:
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
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


@torch.no_grad()
def predict(
    model: nn.Module,
    images: np.ndarray | torch.Tensor,
    *,
    tta: bool | int = False,
    batch_size: int = 256,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """Class probabilities (n, n_classes) for (n, 3, H, W) images in [0, 1].

    ``tta=True`` averages the softmax over the 8 rotations by 90° and their mirror
    images (exact, no interpolation); ``tta=k`` averages over k rotations by
    360°/k (bilinear). ``tta=False`` is a single pass.
    """
    x = _check_images(images)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    views = _views(tta)
    total = None
    for i in range(0, len(x), batch_size):
        xb = x[i : i + batch_size].to(device)
        acc = torch.zeros(len(xb), 0, device=device)
        for k, flip, angle in views:
            v = xb.flip(-1) if flip else xb
            if k:
                v = torch.rot90(v, k, dims=(-2, -1))
            if angle:
                quarter = round(angle / (math.pi / 2))
                if abs(angle - quarter * math.pi / 2) < 1e-9:  # exact and cheaper than interpolating
                    v = torch.rot90(v, quarter % 4, dims=(-2, -1))
                else:
                    v = rotate(v, torch.full((len(v),), angle, device=device))
            p = torch.softmax(model(v).float(), dim=1)
            acc = p if acc.shape[1] == 0 else acc + p
        out = (acc / len(views)).cpu()
        total = out if total is None else torch.cat([total, out])
    return total.numpy()


# --------------------------------------------------------------------------- training

@dataclass(frozen=True)
class TrainConfig:
    """How to train the classifier (one frozen object per run size)."""

    epochs: int = 6
    batch_size: int = 64
    lr: float = 2e-3
    weight_decay: float = 0.05
    label_smoothing: float = 0.05
    warmup_fraction: float = 0.1
    pretrained: bool = False
    freeze_early: bool | None = None
    stem: str = "imagenet"
    augment: bool = True
    val_fraction: float = 0.1
    patience: int | None = None
    seed: int = 0


def make_scheduler(optimizer: torch.optim.Optimizer, total_steps: int, warmup_fraction: float = 0.1):
    """Linear warm-up then cosine decay to zero, stepped every batch."""
    warm = max(1, int(round(total_steps * warmup_fraction)))

    def factor(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        progress = min(1.0, (step - warm) / max(1, total_steps - warm))
        return 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def accuracy_metric(logits: torch.Tensor, y: torch.Tensor) -> float:
    return float((logits.argmax(1) == y).float().mean())


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
    """Train (or fine-tune ``model`` in place, if given) with AdamW, warm-up + cosine LR,
    label-smoothed cross-entropy and :class:`SkyAugment`, through :func:`coursekit.training.fit`.

    ``images``: (n, 3, H, W) float32 in [0, 1]; ``labels``: (n,) int class indices.
    A fraction ``config.val_fraction`` is held out for validation; the weights of the
    best validation epoch are kept. Returns ``(model, history)``.
    """
    from coursekit.config import get_device
    from coursekit.training import fit, make_loaders

    x = _check_images(images)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.long)
    if len(y) != len(x):
        raise ValueError(f"images and labels differ in length: {len(x)} vs {len(y)}")
    if y.min() < 0 or y.max() >= len(classes):
        raise ValueError(f"labels must be in [0, {len(classes) - 1}], got range [{int(y.min())}, {int(y.max())}]")
    torch.manual_seed(config.seed)
    if model is None:
        model = build_model(classes, pretrained=config.pretrained, freeze_early=config.freeze_early, stem=config.stem)
    device = torch.device(device) if device is not None else get_device()
    train_loader, val_loader = make_loaders(x, y, batch_size=config.batch_size, val_fraction=config.val_fraction,
                                            seed=config.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = make_scheduler(optimizer, config.epochs * len(train_loader), config.warmup_fraction)
    history = fit(
        model, train_loader, val_loader,
        loss_fn=nn.CrossEntropyLoss(label_smoothing=config.label_smoothing),
        epochs=config.epochs, optimizer=optimizer, scheduler=scheduler, scheduler_step="batch",
        device=device, patience=config.patience, batch_transform=SkyAugment() if config.augment else None,
        metrics={"accuracy": accuracy_metric}, progress=progress, desc=desc, amp=device.type == "cuda",
    )
    return model, history
