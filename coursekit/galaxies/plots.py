"""Figures of the galaxy-morphology lesson. Every function takes ``ax=None`` and returns the Axes.

Galleries are drawn as one mosaic image in a single Axes, so they compose into a
student's own figure like any other plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from coursekit.plotting import get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def mosaic(images: np.ndarray, ncols: int, pad: int = 2) -> np.ndarray:
    """Tile (n, 3, H, W) images into one (rows*(H+pad), ncols*(W+pad), 3) array (white gaps)."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must be (n, 3, H, W), got {images.shape}")
    n, _, h, w = images.shape
    rows = int(np.ceil(n / ncols))
    out = np.ones((rows * (h + pad) - pad, ncols * (w + pad) - pad, 3), dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = images[i].transpose(1, 2, 0)
    return np.clip(out, 0, 1)


def _captions(ax, n: int, ncols: int, h: int, w: int, texts: Sequence[str], pad: int = 2, color="w") -> None:
    for i, t in enumerate(texts[:n]):
        r, c = divmod(i, ncols)
        ax.text(c * (w + pad) + 1.5, r * (h + pad) + 1.5, t, color=color, fontsize=7, va="top", ha="left")


def plot_gallery(images: np.ndarray, labels: np.ndarray, classes: Sequence[str], *, per_class: int = 6,
                 ax: Axes | None = None) -> Axes:
    """One row per class with ``per_class`` example colour images (n, 3, H, W) in [0, 1]."""
    labels = np.asarray(labels)
    ax = get_ax(ax, figsize=(1.2 * per_class + 1.5, 1.25 * len(classes)))
    picks, h = [], images.shape[-2]
    for c in range(len(classes)):
        idx = np.flatnonzero(labels == c)[:per_class]
        block = np.zeros((per_class, *images.shape[1:]), dtype=np.float32) + 1.0
        block[: len(idx)] = images[idx]
        picks.append(block)
    ax.imshow(mosaic(np.concatenate(picks), per_class), interpolation="nearest", origin="upper")
    ax.set_yticks([(h + 2) * c + h / 2 for c in range(len(classes))], list(classes))
    ax.set_xticks([])
    ax.grid(False)
    return ax


def plot_confusion(cm: np.ndarray, classes: Sequence[str], *, normalize: bool = True, ax: Axes | None = None,
                   title: str | None = None) -> Axes:
    """Confusion matrix (rows true, columns predicted); ``normalize`` shows recall fractions per row."""
    cm = np.asarray(cm, dtype=float)
    shown = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1) if normalize else cm
    ax = get_ax(ax, figsize=(4.2, 3.8))
    ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None, origin="upper")
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            txt = f"{shown[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
            ax.text(j, i, txt, ha="center", va="center", fontsize=8,
                    color="w" if shown[i, j] > 0.6 * shown.max() else "k")
    ax.set_xticks(range(len(classes)), list(classes), rotation=30, ha="right")
    ax.set_yticks(range(len(classes)), list(classes))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_reliability(probs: np.ndarray, labels: np.ndarray, *, n_bins: int = 10, ax: Axes | None = None,
                     label: str | None = None) -> Axes:
    """Reliability diagram: accuracy against confidence per bin, with the ECE in the legend."""
    from coursekit.galaxies.metrics import calibration

    cal = calibration(probs, labels, n_bins)
    ax = get_ax(ax, figsize=(4, 4))
    if not any(line.get_label() == "perfectly calibrated" for line in ax.get_lines()):
        ax.plot([0, 1], [0, 1], ls="--", color="0.5", lw=1, label="perfectly calibrated")
    ok = cal.count > 0
    ax.plot(cal.confidence[ok], cal.accuracy[ok], "o-", label=f"{label or 'model'} (ECE {cal.ece:.3f})")
    ax.set_xlabel("confidence (top-class probability)")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(loc="upper left")
    return ax


def plot_mistakes(images: np.ndarray, probs: np.ndarray, labels: np.ndarray, classes: Sequence[str], *,
                  k: int = 8, ncols: int = 4, ax: Axes | None = None) -> Axes:
    """The ``k`` most confident wrong predictions, captioned 'true -> predicted (p)'."""
    from coursekit.galaxies.metrics import confident_mistakes

    idx = confident_mistakes(probs, labels, k)
    ax = get_ax(ax, figsize=(2.0 * ncols, 2.0 * max(1, int(np.ceil(len(idx) / ncols)))))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if len(idx) == 0:
        ax.text(0.5, 0.5, "no mistakes", ha="center", va="center", transform=ax.transAxes)
        return ax
    ncols = min(ncols, len(idx))
    ax.imshow(mosaic(images[idx], ncols), interpolation="nearest", origin="upper")
    pred = np.asarray(probs)[idx].argmax(1)
    texts = [f"{classes[labels[i]][:5]}→{classes[p][:5]} {probs[i, p]:.2f}" for i, p in zip(idx, pred)]
    _captions(ax, len(idx), ncols, images.shape[-2], images.shape[-1], texts)
    ax.set_title("most confident mistakes (true → predicted, probability)")
    return ax


def plot_attribution(images: np.ndarray, maps: np.ndarray, *, titles: Sequence[str] | None = None,
                     alpha: float = 0.5, ax: Axes | None = None) -> Axes:
    """Each image (top row) above its attribution map (saliency/Grad-CAM, (n, H, W) in [0, 1]) overlaid."""
    import matplotlib

    images, maps = np.asarray(images), np.asarray(maps)
    if maps.shape != (images.shape[0], *images.shape[2:]):
        raise ValueError(f"maps must be (n, H, W) matching the images, got {maps.shape} for {images.shape}")
    heat = matplotlib.colormaps["inferno"](maps)[..., :3].transpose(0, 3, 1, 2)
    overlay = (1 - alpha) * images + alpha * heat
    n = len(images)
    ax = get_ax(ax, figsize=(1.6 * n, 3.4))
    ax.imshow(mosaic(np.concatenate([images, overlay]), n), interpolation="nearest", origin="upper")
    if titles is not None:
        _captions(ax, n, n, images.shape[-2], images.shape[-1], list(titles))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    return ax


def plot_comparison(results: dict, *, ax: Axes | None = None, xlabel: str = "test accuracy",
                    reference: float | None = None, reference_label: str = "majority class") -> Axes:
    """Horizontal bars of ``{name: Measurement}`` with 95 % error bars (1.96 sigma); an optional reference line."""
    names = list(results)
    values = np.array([results[k].value for k in names])
    errs = 1.96 * np.array([results[k].err for k in names])
    ax = get_ax(ax, figsize=(6, 0.45 * len(names) + 1.2))
    pos = np.arange(len(names))[::-1]
    ax.barh(pos, values, xerr=errs, color="C0", alpha=0.7, capsize=4)
    ax.set_yticks(pos, names)
    if reference is not None:
        ax.axvline(reference, color="0.4", ls="--", lw=1, label=reference_label)
        ax.legend(loc="lower right")
    ax.set_xlabel(f"{xlabel} (bars: 95 % intervals)")
    ax.set_xlim(0, 1)
    return ax
