"""Figures for notebook 04. Every function takes ``ax=None`` and returns the Axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coursekit.plotting import get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_asd(freqs: np.ndarray, psds: dict[str, np.ndarray], ax: Axes | None = None, f_range=(10, 1024),
             label_suffix: str = "") -> Axes:
    """Amplitude spectral densities sqrt(S(f)) [1/sqrt(Hz)] on log axes."""
    ax = get_ax(ax)
    m = (freqs >= f_range[0]) & (freqs <= f_range[1])
    for name, p in psds.items():
        ax.loglog(freqs[m], np.sqrt(p[m]), label=f"{name}{label_suffix}", lw=1)
    ax.set_xlabel("frequency [Hz]")
    ax.set_ylabel(r"ASD [1/$\sqrt{\rm Hz}$]")
    ax.legend()
    return ax


def plot_whitened(times: np.ndarray, data: np.ndarray, detectors, ax: Axes | None = None, offset: float = 6.0,
                  signal: np.ndarray | None = None) -> Axes:
    """Whitened strain (n_det, n) against time, one trace per detector; optional noiseless ``signal`` overlay."""
    ax = get_ax(ax)
    for d, name in enumerate(detectors):
        ax.plot(times, data[d] + d * offset, lw=0.6, label=name)
        if signal is not None:
            ax.plot(times, signal[d] + d * offset, color="k", lw=1.0, label="injected signal" if d == 0 else None)
    ax.set_xlabel("time [s]")
    ax.set_ylabel("whitened strain (offset per detector)")
    ax.legend(loc="upper left")
    return ax


def plot_qtransform(series: np.ndarray, fs: float, t0: float = 0.0, ax: Axes | None = None,
                    outseg: tuple[float, float] | None = None, frange=(20, 500), whiten: bool = False,
                    vmax: float = 25.0) -> Axes:
    """Q-transform (normalised energy) of a strain series with ``gwpy`` (Chatterji et al. 2004)."""
    from gwpy.timeseries import TimeSeries

    ax = get_ax(ax)
    ts = TimeSeries(np.asarray(series, dtype=np.float64), t0=t0, sample_rate=fs)
    q = ts.q_transform(outseg=outseg, frange=frange, whiten=whiten, qrange=(4, 64))
    t = q.xindex.value
    f = q.yindex.value
    mesh = ax.pcolormesh(t - t0, f, q.value.T, shading="auto", vmin=0, vmax=vmax, cmap="viridis")
    ax.set_yscale("log")
    ax.set_xlabel(f"time [s] after {t0:.2f}")
    ax.set_ylabel("frequency [Hz]")
    ax.figure.colorbar(mesh, ax=ax, label="normalised energy")
    return ax


def plot_roc(noise: dict[str, np.ndarray], signal: dict[str, np.ndarray], ax: Axes | None = None,
             title: str | None = None) -> Axes:
    """ROC (efficiency vs false-alarm probability per window, log x) for each method."""
    from coursekit.gw.metrics import roc_curve

    ax = get_ax(ax)
    for name in noise:
        fap, eff = roc_curve(noise[name], signal[name])
        ax.semilogx(fap, eff, label=name, drawstyle="steps-post")
    ax.set_xlabel("false-alarm probability per 1 s window")
    ax.set_ylabel("efficiency")
    ax.set_ylim(0, 1.02)
    if title:
        ax.set_title(title)
    ax.legend()
    return ax


def plot_efficiency(rows: list[dict], ax: Axes | None = None) -> Axes:
    """Efficiency vs optimal network SNR per method and false-alarm probability (rows from ``efficiency_table``)."""
    ax = get_ax(ax)
    methods = sorted({r["method"] for r in rows})
    faps = sorted({r["fap"] for r in rows}, reverse=True)
    for i, m in enumerate(methods):
        for j, fap in enumerate(faps):
            rr = sorted((r for r in rows if r["method"] == m and r["fap"] == fap), key=lambda r: r["snr"])
            ax.errorbar([r["snr"] for r in rr], [r["efficiency"] for r in rr], [r["error"] for r in rr],
                        color=f"C{i}", ls=["-", "--", ":"][j % 3], marker="o", ms=3, capsize=2,
                        label=f"{m}, FAP {fap:g} per window")
    ax.set_xlabel("optimal network SNR")
    ax.set_ylabel("efficiency")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    return ax


def plot_scan(times: np.ndarray, scores: np.ndarray, ax: Axes | None = None, event_gps: float | None = None,
              t_ref: float | None = None, threshold: float | None = None) -> Axes:
    """CNN score (logit) along the data; the event time and a threshold marked."""
    ax = get_ax(ax)
    t_ref = times[0] if t_ref is None else t_ref
    ax.plot(times - t_ref, scores, lw=1, label="CNN logit")
    if event_gps is not None:
        ax.axvline(event_gps - t_ref, color="C3", ls="--", lw=1, label="event time")
    if threshold is not None:
        ax.axhline(threshold, color="0.5", ls=":", lw=1, label="threshold")
    ax.set_xlabel(f"time [s] after GPS {t_ref:.2f}")
    ax.set_ylabel("CNN score (logit)")
    ax.legend()
    return ax


def plot_glitch_false_alarms(results: list, ax: Axes | None = None) -> Axes:
    """Fraction of glitch windows flagged per method (bars with binomial errors), one group per glitch kind.

    results: :class:`coursekit.gw.experiment.GlitchTest` objects; the dashed line is their FAP.
    """
    ax = get_ax(ax)
    methods = list(results[0].fraction)
    width = 0.8 / len(methods)
    for j, m in enumerate(methods):
        x = np.arange(len(results)) + (j - (len(methods) - 1) / 2) * width
        ax.bar(x, [r.fraction[m].value for r in results], width, yerr=[r.fraction[m].err for r in results],
               capsize=3, label=m)
    ax.axhline(results[0].fap, color="0.4", ls="--", lw=1, label=f"FAP on Gaussian noise ({results[0].fap:g})")
    ax.set_xticks(np.arange(len(results)), [r.kind for r in results])
    ax.set_ylabel("fraction of glitch windows flagged")
    ax.legend(fontsize=8)
    return ax


def plot_injection_scan(data, scan, threshold: float | None = None, axes=None, window: tuple[float, float] = (-0.6, 0.3)):
    """Three panels for one event or injection: whitened strain around the merger, its Q-transform (gwpy), and the
    CNN logit of every window along the stretch.

    ``data``: a :class:`coursekit.gw.experiment.StrainData`; ``scan``: its :class:`EventScan`; ``threshold``: a
    logit threshold to draw (e.g. at a false-alarm probability of 1e-3). Returns the three Axes.
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(14, 3.4))
    prep, gps = data.prepared, scan.gps
    t = prep.t0 + np.arange(prep.data.shape[1]) / prep.fs - gps
    keep = (t > window[0]) & (t < window[1])
    plot_whitened(t[keep], prep.data[:, keep], prep.detectors, ax=axes[0])
    axes[0].set_xlabel("time [s] from the merger")
    plot_qtransform(prep.data[0], prep.fs, t0=prep.t0, ax=axes[1], outseg=(gps + window[0], gps + window[1]))
    axes[1].set_xlabel(f"time [s] from GPS {prep.t0:.0f}")
    axes[1].set_title(f"{prep.detectors[0]} Q-transform")
    axes[2].plot(scan.times - gps, scan.logits, lw=1)
    if threshold is not None:
        axes[2].axhline(threshold, color="C3", ls="--", label="threshold (FAP 1e-3)")
        axes[2].legend(loc="upper left")
    axes[2].set(xlabel="window centre [s] from the merger", ylabel="CNN logit", title=f"CNN scan: {scan.event}")
    return axes
