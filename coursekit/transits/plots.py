"""Figures for notebook 05; every function takes ``ax=None`` and returns the Axes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from coursekit.plotting import get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_lightcurve(time: np.ndarray, flux: np.ndarray, ax: Axes | None = None, *,
                    trend: np.ndarray | None = None, transit_times: np.ndarray | None = None,
                    label: str = "flux") -> Axes:
    """Flux (ppt relative to 1) against time (days), optional trend and marked transit times."""
    ax = get_ax(ax, figsize=(10, 3))
    ax.plot(time, (np.asarray(flux) - 1) * 1e3, ".", ms=1.5, color="0.3", label=label, rasterized=True)
    if trend is not None:
        ax.plot(time, (np.asarray(trend) - 1) * 1e3, color="C1", lw=1, label="trend")
    if transit_times is not None:
        for tt in np.atleast_1d(transit_times):
            ax.axvline(tt, color="C3", alpha=0.3, lw=1)
    ax.set_xlabel("time [BKJD, days]")
    ax.set_ylabel("flux - 1 [ppt]")
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_periodogram(periods: np.ndarray, power: np.ndarray, ax: Axes | None = None, *,
                     best: float | None = None, truth: float | None = None) -> Axes:
    """BLS power against trial period (log axis), the best and the true period marked."""
    ax = get_ax(ax, figsize=(8, 3))
    ax.plot(periods, power, lw=0.6, color="0.2")
    if best is not None:
        ax.axvline(best, color="C0", ls="--", lw=1, label=f"best {best:.4f} d")
    if truth is not None:
        ax.axvline(truth, color="C3", ls=":", lw=1.5, label=f"true {truth:.4f} d")
    ax.set_xscale("log")
    ax.set_xlabel("trial period [days]")
    ax.set_ylabel("BLS power")
    if best is not None or truth is not None:
        ax.legend(fontsize=8)
    return ax


def plot_folded(time: np.ndarray, flux: np.ndarray, period: float, t0: float, ax: Axes | None = None, *,
                window: float | None = None, duration: float | None = None, bins: int = 60) -> Axes:
    """Flux folded on ``period`` around ``t0`` (hours from mid-transit), with a binned median."""
    from coursekit.transits.preprocess import median_bin, phase_fold

    ax = get_ax(ax, figsize=(5, 3.5))
    ph = phase_fold(time, period, t0)
    if window is None:
        window = 3 * duration if duration else 0.1 * period
    m = np.abs(ph) < window
    ax.plot(ph[m] * 24, (flux[m] - 1) * 1e3, ".", ms=2, color="0.6", alpha=0.6, rasterized=True)
    if m.sum() > bins:
        v, _ = median_bin(ph[m], flux[m], bins, x_min=-window, x_max=window)
        centres = np.linspace(-window, window, bins + 1)
        centres = 0.5 * (centres[:-1] + centres[1:])
        ax.plot(centres * 24, (v - 1) * 1e3, "o-", ms=3, color="C0", label="median in bins")
        ax.legend(fontsize=8, loc="lower right")
    ax.set_xlabel("hours from mid-transit")
    ax.set_ylabel("flux - 1 [ppt]")
    ax.set_title(f"P = {period:.4f} d", fontsize=10)
    return ax


def plot_views(global_view: np.ndarray, local_view: np.ndarray, axes: Any = None, *, title: str = "") -> Any:
    """The two CNN inputs side by side; returns the pair of Axes."""
    if axes is None:
        import matplotlib.pyplot as plt

        from coursekit.plotting import use_style

        use_style()
        _, axes = plt.subplots(1, 2, figsize=(10, 2.8), gridspec_kw={"width_ratios": [2, 1]})
    ag, al = axes
    ag.plot(np.linspace(-0.5, 0.5, len(global_view)), global_view, ".", ms=1.5, color="C0")
    ag.set_xlabel("phase")
    ag.set_ylabel("normalised flux")
    ag.set_title(f"global view ({len(global_view)} bins) {title}", fontsize=10)
    al.plot(np.linspace(-4, 4, len(local_view)), local_view, ".-", ms=2, lw=0.5, color="C1")
    al.set_xlabel("transit durations")
    al.set_title(f"local view ({len(local_view)} bins)", fontsize=10)
    return axes


def plot_roc(curves: dict[str, tuple[np.ndarray, np.ndarray, float]], ax: Axes | None = None) -> Axes:
    """ROC curves: ``{name: (fpr, tpr, auc)}``."""
    ax = get_ax(ax, figsize=(4.5, 4))
    for name, (fpr, tpr, auc) in curves.items():
        ax.plot(fpr, tpr, label=f"{name} (AUC {auc:.3f})")
    ax.plot([0, 1], [0, 1], color="0.7", ls=":", lw=1)
    ax.set_xlabel("false-positive rate")
    ax.set_ylabel("true-positive rate (planets recovered)")
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_pr(curves: dict[str, tuple[np.ndarray, np.ndarray, float]], ax: Axes | None = None) -> Axes:
    """Precision-recall curves: ``{name: (recall, precision, average_precision)}``."""
    ax = get_ax(ax, figsize=(4.5, 4))
    for name, (rec, prec, ap) in curves.items():
        ax.plot(rec, prec, label=f"{name} (AP {ap:.3f})")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_ylim(0.4, 1.02)
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_score_vs_snr(snr: np.ndarray, score: np.ndarray, kind: np.ndarray, ax: Axes | None = None,
                      threshold: float = 0.5) -> Axes:
    """Classifier score against measured SNR, one colour per kind of object."""
    ax = get_ax(ax, figsize=(6, 4))
    for i, k in enumerate(sorted(set(np.asarray(kind).tolist()))):
        m = np.asarray(kind) == k
        ax.scatter(np.clip(snr[m], 0.5, None), score[m], s=8, alpha=0.6, color=f"C{i}", label=k)
    ax.axhline(threshold, color="0.5", ls="--", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("measured transit SNR")
    ax.set_ylabel("planet score")
    ax.legend(fontsize=8, markerscale=2)
    return ax
