"""Photo-z metrics, as the photo-z community reports them.

Point estimates, with ``dz = (z_phot - z_spec) / (1 + z_spec)``:

* :func:`nmad`: ``1.48 * median(|dz|)``, the "NMAD" of Ilbert et al. (2006, A&A 457, 841). The course uses this
  one because it *includes* the bias: a method cannot look sharp while being offset.
* :func:`sigma_mad`: ``1.4826 * median(|dz - median(dz)|)``, the bias-subtracted NMAD of Brammer, van Dokkum &
  Coppi (2008, ApJ 686, 1503) and of most ML papers (e.g. Pasquet et al. 2019). For an unbiased estimator
  the two agree; reports should say which they quote. 1.4826 = 1 / Phi^-1(3/4) turns a median absolute
  deviation into a Gaussian sigma.
* :func:`bias`: ``mean(dz)``; :func:`outlier_fraction`: fraction with ``|dz| > 0.15`` (catastrophic outliers).

Probability densities p(z) on a grid (Schmidt et al. 2020, MNRAS 499, 1587, arXiv:2001.03621):

* :func:`pit` (the CDF at the true redshift; uniform if p(z) is calibrated) and
  :func:`ks_uniform`, its Kolmogorov-Smirnov distance from U(0, 1);
* :func:`crps`: ``int (F(z) - H(z - z_true))^2 dz`` (Hersbach 2000), in units of z;
* :func:`interval_coverage`: fraction of true redshifts inside the central
  68% (or any) interval; equals the level when p(z) is calibrated.

:func:`measure` and :func:`paired_difference` attach bootstrap uncertainties
(:func:`coursekit.metrics.bootstrap_ci`) to any of them.
"""

from __future__ import annotations

import numpy as np

_trapezoid = np.trapezoid if hasattr(np, "trapezoid") else np.trapz  # numpy < 2 has only trapz

OUTLIER_THRESHOLD = 0.15


def _pair(z_phot, z_spec) -> tuple[np.ndarray, np.ndarray]:
    zp = np.asarray(z_phot, float).ravel()
    zs = np.asarray(z_spec, float).ravel()
    if zp.shape != zs.shape:
        raise ValueError(f"z_phot and z_spec must have the same length, got {zp.size} and {zs.size}")
    if zp.size == 0:
        raise ValueError("empty redshift arrays")
    if not (np.all(np.isfinite(zp)) and np.all(np.isfinite(zs))):
        raise ValueError("redshifts contain NaN or inf; drop those rows first")
    return zp, zs


def delta_z(z_phot, z_spec) -> np.ndarray:
    """Normalised residuals ``(z_phot - z_spec) / (1 + z_spec)``, shape (n,)."""
    zp, zs = _pair(z_phot, z_spec)
    return (zp - zs) / (1.0 + zs)


def nmad(z_phot, z_spec) -> float:
    """``1.48 * median(|z_phot - z_spec| / (1 + z_spec))`` (Ilbert et al. 2006; includes the bias)."""
    return float(1.48 * np.median(np.abs(delta_z(z_phot, z_spec))))


def sigma_mad(z_phot, z_spec) -> float:
    """Bias-subtracted scatter ``1.4826 * median(|dz - median(dz)|)`` (the NMAD of Brammer et al. 2008)."""
    dz = delta_z(z_phot, z_spec)
    return float(1.4826 * np.median(np.abs(dz - np.median(dz))))


def bias(z_phot, z_spec) -> float:
    """Mean normalised residual ``mean((z_phot - z_spec) / (1 + z_spec))``."""
    return float(np.mean(delta_z(z_phot, z_spec)))


def outlier_fraction(z_phot, z_spec, threshold: float = OUTLIER_THRESHOLD) -> float:
    """Fraction of catastrophic outliers, ``|dz| > threshold`` (0.15 by default)."""
    return float(np.mean(np.abs(delta_z(z_phot, z_spec)) > threshold))


def point_metrics(z_phot, z_spec) -> dict[str, float]:
    """NMAD, sigma_MAD, bias and outlier fraction in one dict."""
    return {
        "nmad": nmad(z_phot, z_spec),
        "sigma_mad": sigma_mad(z_phot, z_spec),
        "bias": bias(z_phot, z_spec),
        "outlier_fraction": outlier_fraction(z_phot, z_spec),
    }


# --------------------------------------------------------------------------- p(z) on a grid

def _check_pdf(z_grid, pdf, z_true=None):
    grid = np.asarray(z_grid, float)
    p = np.atleast_2d(np.asarray(pdf, float))
    if grid.ndim != 1 or grid.size < 2 or np.any(np.diff(grid) <= 0):
        raise ValueError("z_grid must be a 1-D increasing array with at least two points")
    if p.shape[1] != grid.size:
        raise ValueError(f"pdf must be (n, {grid.size}) to match z_grid, got {p.shape}")
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise ValueError("pdf values must be finite and non-negative")
    if z_true is None:
        return grid, p, None
    zt = np.asarray(z_true, float).ravel()
    if zt.size != p.shape[0]:
        raise ValueError(f"z_true has {zt.size} values but pdf has {p.shape[0]} rows")
    return grid, p, zt


def cdf_on_grid(z_grid, pdf) -> np.ndarray:
    """Cumulative distribution (n, G) of densities (n, G) on ``z_grid``, normalised to end at 1."""
    grid, p, _ = _check_pdf(z_grid, pdf)
    inc = 0.5 * (p[:, 1:] + p[:, :-1]) * np.diff(grid)
    c = np.concatenate([np.zeros((p.shape[0], 1)), np.cumsum(inc, axis=1)], axis=1)
    total = c[:, -1:]
    if np.any(total <= 0):
        raise ValueError("a pdf integrates to zero over z_grid")
    return c / total


def normalize_pdf(z_grid, pdf) -> np.ndarray:
    """Densities rescaled to integrate to one on ``z_grid`` (trapezoid rule)."""
    grid, p, _ = _check_pdf(z_grid, pdf)
    area = _trapezoid(p, grid, axis=1)[:, None]
    if np.any(area <= 0):
        raise ValueError("a pdf integrates to zero over z_grid")
    return p / area


def _interp_rows(x_new: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise linear interpolation of y (n, G) at x_new (n,) on a common grid x (G,)."""
    k = np.clip(np.searchsorted(x, x_new) - 1, 0, x.size - 2)
    u = np.clip((x_new - x[k]) / (x[k + 1] - x[k]), 0.0, 1.0)
    rows = np.arange(y.shape[0])
    return (1 - u) * y[rows, k] + u * y[rows, k + 1]


def pit(z_grid, pdf, z_true) -> np.ndarray:
    """Probability integral transform ``F_i(z_true_i)`` for each object, shape (n,)."""
    grid, p, zt = _check_pdf(z_grid, pdf, z_true)
    return _interp_rows(zt, grid, cdf_on_grid(grid, p))


def ks_uniform(pit_values) -> float:
    """Kolmogorov-Smirnov distance between the PIT values and U(0, 1)."""
    from scipy import stats

    u = np.asarray(pit_values, float).ravel()
    if u.size == 0:
        raise ValueError("no PIT values")
    return float(stats.kstest(np.clip(u, 0, 1), "uniform").statistic)


def crps(z_grid, pdf, z_true) -> np.ndarray:
    """Continuous ranked probability score of each p(z), shape (n,), in units of z (lower is better).

    ``CRPS = int (F(z) - H(z - z_true))^2 dz`` on the grid; a true redshift
    outside the grid adds the distance to the grid edge.
    """
    grid, p, zt = _check_pdf(z_grid, pdf, z_true)
    cdf = cdf_on_grid(grid, p)
    # refine the integral: evaluate at grid points and add the exact piece in the cell containing z_true
    step = (grid[None, :] >= zt[:, None]).astype(float)
    integrand = (cdf - step) ** 2
    dx = np.diff(grid)
    score = np.sum(0.5 * (integrand[:, 1:] + integrand[:, :-1]) * dx, axis=1)
    # correct the cell that holds z_true (the step is not linear there)
    k = np.clip(np.searchsorted(grid, zt) - 1, 0, grid.size - 2)
    rows = np.arange(len(zt))
    inside = (zt > grid[0]) & (zt < grid[-1])
    a, b = grid[k], grid[k + 1]
    fa, fb = cdf[rows, k], cdf[rows, k + 1]
    approx = 0.5 * ((fa - 0.0) ** 2 + (fb - 1.0) ** 2) * (b - a)
    t = np.clip(zt, a, b)
    ft = fa + (fb - fa) * (t - a) / (b - a)

    def seg(x0, x1, f0, f1, h):  # exact int of (linear F - h)^2 over [x0, x1]
        return (x1 - x0) * ((f0 - h) ** 2 + (f0 - h) * (f1 - h) + (f1 - h) ** 2) / 3.0

    exact = seg(a, t, fa, ft, 0.0) + seg(t, b, ft, fb, 1.0)
    score = np.where(inside, score - approx + exact, score)
    score = score + np.clip(grid[0] - zt, 0, None) + np.clip(zt - grid[-1], 0, None)
    return score


def quantiles(z_grid, pdf, probs) -> np.ndarray:
    """Quantiles of each p(z): shape (n, len(probs))."""
    grid, p, _ = _check_pdf(z_grid, pdf)
    cdf = cdf_on_grid(grid, p)
    probs = np.atleast_1d(np.asarray(probs, float))
    out = np.empty((p.shape[0], probs.size))
    for i in range(p.shape[0]):
        c, idx = np.unique(cdf[i], return_index=True)
        out[i] = np.interp(probs, c, grid[idx])
    return out


def interval_coverage(z_grid, pdf, z_true, level: float = 0.68) -> float:
    """Fraction of ``z_true`` inside the central ``level`` interval of each p(z).

    Uses the PIT: ``z_true`` lies in the central interval iff
    ``(1 - level)/2 <= PIT <= (1 + level)/2``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    u = pit(z_grid, pdf, z_true)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return float(np.mean((u >= lo) & (u <= hi)))


def pdf_metrics(z_grid, pdf, z_true) -> dict[str, float]:
    """Mean CRPS, PIT KS statistic and 68%/95% coverage in one dict."""
    u = pit(z_grid, pdf, z_true)
    return {
        "crps": float(np.mean(crps(z_grid, pdf, z_true))),
        "pit_ks": ks_uniform(u),
        "coverage_68": float(np.mean((u >= 0.16) & (u <= 0.84))),
        "coverage_95": float(np.mean((u >= 0.025) & (u <= 0.975))),
    }


def metrics_by_bin(z_phot, z_spec, values, edges) -> dict[str, np.ndarray]:
    """NMAD, outlier fraction and counts in bins of ``values`` (e.g. r magnitude) with bin ``edges``."""
    zp, zs = _pair(z_phot, z_spec)
    v = np.asarray(values, float).ravel()
    edges = np.asarray(edges, float)
    which = np.digitize(v, edges) - 1
    n_bins = edges.size - 1
    out = {"centre": 0.5 * (edges[1:] + edges[:-1]), "nmad": np.full(n_bins, np.nan),
           "outlier_fraction": np.full(n_bins, np.nan), "count": np.zeros(n_bins, int)}
    for k in range(n_bins):
        sel = which == k
        out["count"][k] = sel.sum()
        if sel.sum() >= 5:
            out["nmad"][k] = nmad(zp[sel], zs[sel])
            out["outlier_fraction"][k] = outlier_fraction(zp[sel], zs[sel])
    return out


# --------------------------------------------------------------------------- uncertainties

#: The point metrics :func:`measure` knows by name.
POINT_METRICS = {"nmad": nmad, "sigma_mad": sigma_mad, "bias": bias, "outlier_fraction": outlier_fraction}


def measure(metric: str, z_phot, z_spec, *, n_boot: int = 200, seed: int = 0):
    """A point metric (``"nmad"``, ``"sigma_mad"``, ``"bias"``, ``"outlier_fraction"``) with its bootstrap
    uncertainty, as a :class:`coursekit.metrics.Measurement`."""
    from coursekit.metrics import bootstrap_ci

    if metric not in POINT_METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {sorted(POINT_METRICS)}")
    fn = POINT_METRICS[metric]
    zp, zs = _pair(z_phot, z_spec)
    return bootstrap_ci(lambda a, b: fn(a, b), zp, zs, n_boot=n_boot, seed=seed)


def measure_mean(values, *, n_boot: int = 200, seed: int = 0):
    """Mean of per-object values (e.g. :func:`crps`, or PIT-in-interval booleans) with a bootstrap uncertainty."""
    from coursekit.metrics import bootstrap_ci

    v = np.asarray(values, float).ravel()
    return bootstrap_ci(np.mean, v, n_boot=n_boot, seed=seed)


def paired_difference(metric: str, z_phot_a, z_phot_b, z_spec, *, n_boot: int = 200, seed: int = 0):
    """``metric(a) - metric(b)`` on the same galaxies, with a paired bootstrap uncertainty (Measurement).

    Both estimates are resampled with the same galaxies, so what they share (the hard
    galaxies) cancels: the difference is known much better than either value alone.
    """
    from coursekit.metrics import bootstrap_ci

    if metric not in POINT_METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {sorted(POINT_METRICS)}")
    fn = POINT_METRICS[metric]
    a, zs = _pair(z_phot_a, z_spec)
    b, _ = _pair(z_phot_b, z_spec)
    return bootstrap_ci(lambda x, y, t: fn(x, t) - fn(y, t), a, b, zs, n_boot=n_boot, seed=seed)


# --------------------------------------------------------------------------- shapes of p(z)

def multimodal_indices(z_grid: np.ndarray, pdf: np.ndarray, n: int = 3, min_ratio: float = 0.3,
                       min_separation: float = 0.1) -> np.ndarray:
    """Rows of ``pdf`` (n_obj, G) whose second-highest peak is at least ``min_ratio`` of the highest
    and at least ``min_separation`` away in z; the ``n`` most bimodal first."""
    p = np.asarray(pdf)
    grid = np.asarray(z_grid)
    is_peak = np.zeros_like(p, dtype=bool)
    is_peak[:, 1:-1] = (p[:, 1:-1] > p[:, :-2]) & (p[:, 1:-1] >= p[:, 2:])
    scores = np.zeros(len(p))
    for i in np.flatnonzero(is_peak.sum(1) >= 2):
        idx = np.flatnonzero(is_peak[i])
        order = idx[np.argsort(p[i, idx])[::-1]]
        main = order[0]
        others = [j for j in order[1:] if abs(grid[j] - grid[main]) >= min_separation]
        if others:
            scores[i] = p[i, others[0]] / p[i, main]
    good = np.flatnonzero(scores >= min_ratio)
    return good[np.argsort(scores[good])[::-1]][:n]
