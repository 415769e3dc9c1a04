"""Figures for notebook 08. Every function takes ``ax=None`` and returns the Axes (or an array of Axes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coursekit.plotting import get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _stretch(data: np.ndarray, lo: float = 1.0, hi: float = 99.7):
    from astropy.visualization import AsinhStretch, ImageNormalize, PercentileInterval  # noqa: F401

    finite = data[np.isfinite(data)]
    vmin, vmax = np.percentile(finite, [lo, hi])
    return ImageNormalize(vmin=vmin, vmax=vmax, stretch=AsinhStretch(0.1))


def plot_field(data: np.ndarray, wcs=None, *, ax: Axes | None = None, detections=None, truth=None,
               title: str | None = None, marker_size: float = 90) -> Axes:
    """The image (asinh stretch) with sky axes when ``wcs`` is given (and ``ax`` is None), detections as circles
    and injected sources as crosses (stars) / squares (galaxies)."""
    if ax is None:
        ax = get_ax(None, figsize=(6.5, 6), subplot_kw={"projection": wcs} if wcs is not None else {})
    ax.imshow(data, origin="lower", cmap="gray_r", norm=_stretch(data), interpolation="nearest")
    if truth is not None:
        star = np.asarray(truth["type"]) == "star"
        ax.scatter(np.asarray(truth["x"])[star], np.asarray(truth["y"])[star], marker="+", s=30, c="C0", lw=0.8,
                   label="injected star")
        ax.scatter(np.asarray(truth["x"])[~star], np.asarray(truth["y"])[~star], marker="s", s=30, facecolors="none",
                   edgecolors="C2", lw=0.8, label="injected galaxy")
    if detections is not None and len(detections):
        ax.scatter(np.asarray(detections["x"]), np.asarray(detections["y"]), s=marker_size, facecolors="none",
                   edgecolors="C3", lw=0.6, label="detected")
    if truth is not None or detections is not None:
        ax.legend(loc="upper right", fontsize=8, framealpha=0.8)
    if wcs is not None and hasattr(ax, "coords"):
        ax.set_xlabel("RA" if "RA" in wcs.wcs.ctype[0] else wcs.wcs.ctype[0][:4])
        ax.set_ylabel("Dec" if "DEC" in wcs.wcs.ctype[1] else wcs.wcs.ctype[1][:4])
    else:
        ax.set_xlabel("x [pix]")
        ax.set_ylabel("y [pix]")
    ax.grid(False)
    if title:
        ax.set_title(title)
    return ax


def plot_completeness(centres: np.ndarray, fraction: np.ndarray, mag_limit: float, *, ax: Axes | None = None,
                      target: float = 0.95) -> Axes:
    """Detected fraction of injected sources per magnitude bin, with the stated limit and the target."""
    ax = get_ax(ax)
    ax.plot(centres, fraction, "o-", label="detected fraction")
    ax.axvline(mag_limit, color="0.4", ls="--", label=f"stated limit m = {mag_limit}")
    ax.axhline(target, color="C3", ls=":", label=f"target {target:.0%}")
    ax.set_xlabel("injected magnitude")
    ax.set_ylabel("completeness")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(loc="lower left")
    return ax


def plot_offsets(dx: np.ndarray, dy: np.ndarray, *, ax: Axes | None = None, limit: float = 0.5) -> Axes:
    """Detected minus injected positions (pixels) with the target radius."""
    ax = get_ax(ax)
    ax.scatter(dx, dy, s=8, alpha=0.6)
    t = np.linspace(0, 2 * np.pi, 200)
    ax.plot(limit * np.cos(t), limit * np.sin(t), color="C3", ls=":", label=f"{limit} px")
    rms = float(np.sqrt(np.mean(np.asarray(dx) ** 2 + np.asarray(dy) ** 2)))
    ax.set_title(f"position offsets, RMS {rms:.3f} px")
    ax.set_xlabel(r"$\Delta x$ [pix]")
    ax.set_ylabel(r"$\Delta y$ [pix]")
    ax.set_aspect("equal")
    ax.legend()
    return ax


def plot_stamps(stamps: np.ndarray, titles=None, *, ncols: int = 8, axes=None):
    """A grid of stamps (each with its own asinh stretch); returns the array of Axes."""
    import matplotlib.pyplot as plt

    n = len(stamps)
    nrows = int(np.ceil(n / ncols))
    if axes is None:
        from coursekit.plotting import use_style

        use_style()
        _, axes = plt.subplots(nrows, ncols, figsize=(1.4 * ncols, 1.5 * nrows), squeeze=False)
    flat = np.asarray(axes).ravel()
    for i, a in enumerate(flat):
        a.set_axis_off()
        if i >= n:
            continue
        s = np.asarray(stamps[i], float)
        a.imshow(np.where(np.isfinite(s), s, np.nan), origin="lower", cmap="gray_r", norm=_stretch(s, 0.5, 99.9))
        if titles is not None:
            a.set_title(str(titles[i]), fontsize=7)
    return np.asarray(axes)


def plot_accuracy_vs_mag(mag: np.ndarray, truth: np.ndarray, predictions: dict[str, np.ndarray], *,
                         bins: np.ndarray | None = None, mag_limit: float | None = None,
                         ax: Axes | None = None) -> Axes:
    """Star/galaxy accuracy per magnitude bin for each named set of boolean predictions, with binomial error bars
    (:func:`coursekit.metrics.binomial_err`)."""
    from coursekit.metrics import binomial_err

    ax = get_ax(ax)
    mag = np.asarray(mag, float)
    bins = np.arange(np.floor(mag.min()), np.ceil(mag.max()) + 0.51, 0.75) if bins is None else bins
    centres = 0.5 * (bins[1:] + bins[:-1])
    which = np.digitize(mag, bins) - 1
    for k, (name, pred) in enumerate(predictions.items()):
        correct = np.asarray(pred, bool) == np.asarray(truth, bool)
        n = np.array([np.sum(which == i) for i in range(len(centres))])
        hits = np.array([np.sum(correct[which == i]) for i in range(len(centres))])
        acc = np.where(n > 0, hits / np.maximum(n, 1), np.nan)
        err = [binomial_err(h, m) if m else np.nan for h, m in zip(hits, n)]
        ax.errorbar(centres + 0.05 * (k - 1), acc, yerr=err, fmt="o-", color=f"C{k}", label=name, capsize=2)
    if mag_limit is not None:
        ax.axvline(mag_limit, color="0.4", ls="--", label="stated limit")
    ax.axhline(0.95, color="C3", ls=":", label="target 0.95")
    ax.set_xlabel("injected magnitude")
    ax.set_ylabel("star/galaxy accuracy")
    ax.set_ylim(0.4, 1.02)
    ax.legend(loc="lower left", fontsize=8)
    return ax


def plot_density(peak, *, reference=None, ax: Axes | None = None, radius_arcmin: float = 5.0) -> Axes:
    """Smoothed star density (stars/arcmin^2) in arcmin offsets, its peak (+) and a reference centre (x) with
    a circle of ``radius_arcmin``. East is to the left, as on the sky."""
    from astropy import units as u

    ax = get_ax(ax)
    x0, x1, y0, y1 = peak.extent
    im = ax.imshow(peak.density, origin="lower", extent=(x0, x1, y0, y1), cmap="magma")
    ax.figure.colorbar(im, ax=ax, label=r"stars arcmin$^{-2}$")

    def offsets(c):
        off = c.icrs.transform_to(peak.origin.skyoffset_frame())
        return off.lon.to_value(u.arcmin), off.lat.to_value(u.arcmin)

    px, py = offsets(peak.center)
    ax.plot(px, py, "+", color="cyan", ms=14, mew=2, label="densest point")
    if reference is not None:
        rx, ry = offsets(reference)
        ax.plot(rx, ry, "x", color="lime", ms=10, mew=2, label="catalogue centre")
        t = np.linspace(0, 2 * np.pi, 200)
        ax.plot(rx + radius_arcmin * np.cos(t), ry + radius_arcmin * np.sin(t), color="lime", ls=":",
                label=f"{radius_arcmin:g} arcmin")
    ax.set_xlim(x1, x0)  # east left
    ax.set_xlabel(r"$\Delta\alpha\cos\delta$ [arcmin] (east left)")
    ax.set_ylabel(r"$\Delta\delta$ [arcmin]")
    ax.grid(False)
    ax.legend(loc="upper right", fontsize=8)
    return ax
