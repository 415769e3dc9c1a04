"""Photo-z figures. Every function takes ``ax=None`` and returns the Axes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from coursekit.plotting import get_ax

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_zphot_zspec(z_spec, z_phot, ax: Axes | None = None, *, z_max: float | None = None, bins: int = 120,
                     title: str | None = None) -> Axes:
    """Density of z_phot against z_spec (log colour scale), the 1:1 line and the |dz| = 0.15(1+z) outlier limits."""
    from matplotlib.colors import LogNorm

    from coursekit.photoz.metrics import nmad, outlier_fraction

    ax = get_ax(ax)
    zs, zp = np.asarray(z_spec), np.asarray(z_phot)
    top = z_max or float(np.percentile(np.concatenate([zs, zp]), 99.8)) * 1.05
    ax.hist2d(zs, zp, bins=bins, range=[[0, top], [0, top]], norm=LogNorm(), cmap="viridis", cmin=1)
    x = np.linspace(0, top, 2)
    ax.plot(x, x, color="k", lw=1)
    for s in (+1, -1):
        ax.plot(x, x + s * 0.15 * (1 + x), color="0.4", lw=1, ls="--")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel(r"$z_\mathrm{spec}$")
    ax.set_ylabel(r"$z_\mathrm{phot}$")
    label = f"NMAD {nmad(zp, zs):.4f}\noutliers {100 * outlier_fraction(zp, zs):.1f}%"
    ax.text(0.04, 0.96, label, transform=ax.transAxes, va="top", fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    if title:
        ax.set_title(title)
    return ax


def plot_pdfs(z_grid, pdfs, z_true=None, ax: Axes | None = None, *, labels=None, max_curves: int = 6) -> Axes:
    """A few p(z) curves (n, G) on ``z_grid``, with the true redshifts as vertical lines of the same colour."""
    ax = get_ax(ax)
    pdfs = np.atleast_2d(pdfs)[:max_curves]
    for i, p in enumerate(pdfs):
        lab = labels[i] if labels is not None else None
        ax.plot(z_grid, p, color=f"C{i}", label=lab)
        if z_true is not None:
            ax.axvline(np.asarray(z_true)[i], color=f"C{i}", ls=":", lw=1.2)
    ax.set_xlabel("z")
    ax.set_ylabel("p(z)")
    if labels is not None:
        ax.legend(fontsize=8)
    return ax


def plot_pit(pit_values, ax: Axes | None = None, *, bins: int = 20, label: str | None = None) -> Axes:
    """PIT histogram (density) with the uniform expectation; the KS statistic goes into the legend."""
    from coursekit.photoz.metrics import ks_uniform

    ax = get_ax(ax)
    u = np.asarray(pit_values)
    ks = ks_uniform(u)
    ax.hist(u, bins=bins, range=(0, 1), density=True, histtype="step", lw=1.8,
            label=f"{label + ': ' if label else ''}KS = {ks:.3f}")
    ax.axhline(1.0, color="k", lw=1, ls="--")
    ax.set_xlabel("PIT = CDF(z_spec)")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1)
    ax.legend(fontsize=8)
    return ax


def plot_metric_vs_magnitude(mag, z_spec, estimates: dict[str, np.ndarray], ax: Axes | None = None, *,
                             edges=None, metric: str = "nmad") -> Axes:
    """NMAD (or outlier fraction) in magnitude bins for several methods (``{name: z_phot}``)."""
    from coursekit.photoz.metrics import metrics_by_bin

    ax = get_ax(ax)
    mag = np.asarray(mag)
    if edges is None:
        edges = np.quantile(mag, np.linspace(0, 1, 9))
    for i, (name, zp) in enumerate(estimates.items()):
        res = metrics_by_bin(zp, z_spec, mag, edges)
        ax.plot(res["centre"], res[metric], "o-", color=f"C{i}", label=name)
    ax.set_xlabel("r [mag]")
    ax.set_ylabel({"nmad": "NMAD", "outlier_fraction": "outlier fraction"}.get(metric, metric))
    ax.legend(fontsize=8)
    return ax


def plot_colour_tracks(ax: Axes | None = None, *, colour: tuple[int, int] = (1, 2), z_max: float = 1.2) -> Axes:
    """Observed colour (default g - r) of each template against redshift, from the flux grid."""
    from coursekit.photoz.simulate import BANDS, flux_grid

    ax = get_ax(ax)
    grid = flux_grid()
    sel = grid.z <= z_max
    a, b = colour
    for t, lab in enumerate(grid.labels):
        f = grid.flux[t, sel]
        ax.plot(grid.z[sel], -2.5 * np.log10(f[:, a] / f[:, b]), label=lab)
    ax.set_xlabel("z")
    ax.set_ylabel(f"{BANDS[a]} - {BANDS[b]} [mag]")
    ax.legend(fontsize=8, ncol=2)
    return ax


def plot_catalog_overview(catalog, axes=None, *, r_limit: float | None = None):
    """Three panels for a :class:`~coursekit.photoz.simulate.PhotometryCatalog`: n(z), u and r errors
    against r, and g - r vs r - i coloured by z. ``axes``: three Axes (a new 1x3 figure if None); returns them."""
    if axes is None:
        import matplotlib.pyplot as plt

        from coursekit.plotting import use_style

        use_style()
        _, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    ax_nz, ax_err, ax_col = axes
    ax_nz.hist(catalog.z, bins=60, histtype="step", lw=2)
    title = f"n(z) of the r < {r_limit} sample" if r_limit is not None else "n(z)"
    ax_nz.set(xlabel="z", ylabel="galaxies", title=title)
    for j, band in ((0, "u"), (2, "r")):
        ax_err.scatter(catalog.mag[:, 2], catalog.mag_err[:, j], s=1, alpha=0.3, label=band)
    ax_err.set(xlabel="r [mag]", ylabel="magnitude error", yscale="log", title="photometric errors")
    ax_err.legend(markerscale=8)
    sc = ax_col.scatter(catalog.mag[:, 1] - catalog.mag[:, 2], catalog.mag[:, 2] - catalog.mag[:, 3],
                        c=catalog.z, s=1, cmap="plasma", vmax=1.0)
    ax_col.set(xlabel="g - r", ylabel="r - i", xlim=(-0.5, 2.5), ylim=(-0.5, 1.5), title="colours encode z")
    ax_col.figure.colorbar(sc, ax=ax_col, label="z")
    return axes
