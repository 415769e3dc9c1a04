"""How good, how calibrated, and looking where? Metrics and attribution maps for the classifier.

* :func:`confusion_matrix`, :func:`per_class_report` (precision, recall, F1);
* :func:`calibration` and the expected calibration error (ECE, Naeini et al. 2015;
  Guo et al. 2017): bin the top-class confidence, compare mean confidence with
  accuracy per bin, ``ECE = Σ_b (n_b / n) |acc_b - conf_b|``;
* :func:`confident_mistakes`: wrong predictions sorted by confidence;
* :func:`saliency` (Simonyan et al. 2014) and :func:`grad_cam` (Selvaraju et al. 2017).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def _check_probs(probs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels)
    if probs.ndim != 2 or len(probs) != len(labels):
        raise ValueError(f"probs must be (n, n_classes) with one label each; got {probs.shape} and {labels.shape}")
    return probs, labels.astype(np.int64)


def accuracy(probs_or_pred: np.ndarray, labels: np.ndarray) -> float:
    """Fraction correct, from probabilities (n, C) or predicted labels (n,)."""
    p = np.asarray(probs_or_pred)
    pred = p.argmax(1) if p.ndim == 2 else p
    return float(np.mean(pred == np.asarray(labels)))


def confusion_matrix(labels: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(C, C) counts; row = true class, column = predicted class."""
    labels, pred = np.asarray(labels, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    if labels.shape != pred.shape:
        raise ValueError(f"labels and predictions differ in shape: {labels.shape} vs {pred.shape}")
    return np.bincount(labels * n_classes + pred, minlength=n_classes**2).reshape(n_classes, n_classes)


def per_class_report(labels: np.ndarray, pred: np.ndarray, classes: Sequence[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per class (precision of a never-predicted class is 0)."""
    cm = confusion_matrix(labels, pred, len(classes))
    tp = np.diag(cm).astype(float)
    precision = tp / np.maximum(cm.sum(axis=0), 1)
    recall = tp / np.maximum(cm.sum(axis=1), 1)
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    return {c: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                "support": int(cm[i].sum())} for i, c in enumerate(classes)}


@dataclass(frozen=True)
class Calibration:
    """Reliability-diagram data: per-bin mean confidence, accuracy and counts, and the ECE."""

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray
    ece: float


def calibration(probs: np.ndarray, labels: np.ndarray, n_bins: int = 10) -> Calibration:
    """Bin the top-class probability into ``n_bins`` equal-width bins over [0, 1]."""
    probs, labels = _check_probs(probs, labels)
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    safe = np.maximum(count, 1)
    mean_conf = np.bincount(which, weights=conf, minlength=n_bins) / safe
    mean_acc = np.bincount(which, weights=correct, minlength=n_bins) / safe
    ece = float(np.sum(count / len(conf) * np.abs(mean_acc - mean_conf)))
    nan = np.where(count > 0, 1.0, np.nan)
    return Calibration(edges, mean_conf * nan, mean_acc * nan, count, ece)


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, n_bins: int = 10) -> float:
    return calibration(probs, labels, n_bins).ece


def confident_mistakes(probs: np.ndarray, labels: np.ndarray, k: int = 8) -> np.ndarray:
    """Indices of the ``k`` wrong predictions with the highest top-class probability."""
    probs, labels = _check_probs(probs, labels)
    wrong = np.flatnonzero(probs.argmax(1) != labels)
    order = np.argsort(-probs[wrong].max(1), kind="stable")
    return wrong[order[:k]]


def _as_tensor(model, images):
    import torch

    from coursekit.galaxies.model import _check_images

    x = _check_images(images)
    device = next(model.parameters()).device
    return x.to(device), device, torch


def saliency(model, images: np.ndarray, target: np.ndarray | None = None) -> np.ndarray:
    """|∂ logit_target / ∂ pixel|, maximum over colour channels: (n, H, W), each map scaled to [0, 1].

    ``target`` defaults to the predicted class.
    """
    x, _, torch = _as_tensor(model, images)
    model.eval()
    x = x.clone().requires_grad_(True)
    logits = model(x)
    t = logits.argmax(1) if target is None else torch.as_tensor(np.asarray(target), device=x.device)
    logits.gather(1, t.view(-1, 1)).sum().backward()
    sal = x.grad.abs().amax(dim=1)
    sal = sal / sal.flatten(1).amax(1).clamp_min(1e-12).view(-1, 1, 1)
    return sal.detach().cpu().numpy()


def grad_cam(model, images: np.ndarray, target: np.ndarray | None = None, layer=None) -> np.ndarray:
    """Grad-CAM maps (n, H, W) in [0, 1] from the last residual stage (``layer4``) by default.

    The feature maps are weighted by their spatially averaged gradients, summed,
    rectified and upsampled bilinearly to the input size.
    """
    import torch.nn.functional as F

    x, _, torch = _as_tensor(model, images)
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
