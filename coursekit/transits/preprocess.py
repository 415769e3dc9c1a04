"""Light-curve preprocessing after Shallue & Vanderburg (2018, AJ 155, 94), Sec. 3.

Outlier clipping, flattening (removal of stellar and instrumental variability
on time scales longer than a transit), phase folding, and the two "views" the
classifier sees (Sec. 3.3):

* the **global view**: the whole folded orbit, 2001 bins of width P/2001;
* the **local view**: +-4 transit durations around the event, 201 bins of width
  0.16 durations (bins overlap).

Each bin holds the *median* flux of the cadences inside it (robust to outliers
and to the few cadences of other planets' transits); an empty bin takes the
median of the whole light curve. Each view is then normalised so its median is
0 and its minimum -1, which makes the transit depth comparable across stars
(Sec. 3.3: "normalized ... median 0 and minimum value -1").

All functions are pure NumPy, work on one light curve (``time``: (n,) days,
``flux``: (n,) normalised flux), and ignore NaN cadences.
"""

from __future__ import annotations

import numpy as np

#: Number of bins in the global view (Shallue & Vanderburg 2018, Sec. 3.3).
GLOBAL_BINS = 2001
#: Number of bins in the local view.
LOCAL_BINS = 201
#: Local-view bin width, in units of the transit duration.
LOCAL_BIN_WIDTH_FACTOR = 0.16
#: Half-width of the local view, in transit durations.
LOCAL_NUM_DURATIONS = 4.0


def _as_1d(name: str, a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array, got shape {a.shape}")
    return a


def _check_pair(time: np.ndarray, flux: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    time, flux = _as_1d("time", time), _as_1d("flux", flux)
    if time.shape != flux.shape:
        raise ValueError(f"time and flux must have the same length, got {len(time)} and {len(flux)}")
    return time, flux


def robust_std(x: np.ndarray) -> float:
    """Standard deviation estimated from the median absolute deviation (1.4826 MAD), NaNs ignored."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return float("nan")
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


def sigma_clip_mask(
    flux: np.ndarray,
    sigma_upper: float = 3.0,
    sigma_lower: float = np.inf,
    max_iter: int = 5,
) -> np.ndarray:
    """Boolean mask (True = keep) after iterative clipping around the median.

    The scatter is the robust standard deviation (1.4826 MAD). By default only
    *upward* outliers (cosmic rays, flares) are removed: clipping downward would
    eat the transits we are looking for. NaNs are never kept.
    """
    flux = _as_1d("flux", flux)
    keep = np.isfinite(flux)
    for _ in range(max_iter):
        if keep.sum() < 3:
            break
        med = np.median(flux[keep])
        sd = robust_std(flux[keep])
        if not sd > 0:
            break
        new = np.isfinite(flux) & (flux - med <= sigma_upper * sd) & (med - flux <= sigma_lower * sd)
        if np.array_equal(new, keep):
            break
        keep = new
    return keep


def split_segments(time: np.ndarray, gap_days: float = 0.75) -> list[slice]:
    """Slices of contiguous data: a new segment starts after every gap longer than ``gap_days``."""
    time = _as_1d("time", time)
    if len(time) == 0:
        return []
    breaks = np.flatnonzero(np.diff(time) > gap_days) + 1
    edges = np.concatenate([[0], breaks, [len(time)]])
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def _run_medians(values: np.ndarray, use: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Median of ``values[s:e][use[s:e]]`` for each contiguous run (NaN where no cadence is used)."""
    lengths = ends - starts
    maxlen = int(lengths.max()) if len(lengths) else 0
    out = np.full(len(starts), np.nan)
    if maxlen == 0:
        return out
    col = np.arange(maxlen)[None, :]
    idx = np.minimum(starts[:, None] + col, len(values) - 1)
    ok = (col < lengths[:, None]) & use[idx]
    m = np.where(ok, values[idx], np.inf)
    m.sort(axis=1)
    c = ok.sum(axis=1)
    rows = np.flatnonzero(c)
    c = c[rows]
    out[rows] = 0.5 * (m[rows, (c - 1) // 2] + m[rows, c // 2])
    return out


def natural_spline(
    xk: np.ndarray, yk: np.ndarray, seg_k: np.ndarray, t: np.ndarray, seg_t: np.ndarray
) -> np.ndarray:
    """Natural cubic splines through knots ``(xk, yk)``, one per segment, evaluated at ``t``.

    Each segment is ``scipy.interpolate.CubicSpline(bc_type="natural")`` (second derivative 0 at the end knots),
    extrapolated with its end cubics outside the knot range; a segment with two knots is the straight line
    through them, with one knot a constant. ``seg_k`` / ``seg_t`` give the segment of each knot / evaluation point;
    knots are sorted by x within a segment. Points of a segment without knots are NaN.
    """
    from scipy.interpolate import CubicSpline

    xk, yk, t = np.asarray(xk, float), np.asarray(yk, float), np.asarray(t, float)
    seg_k, seg_t = np.asarray(seg_k), np.asarray(seg_t)
    out = np.full(len(t), np.nan)
    for seg in np.unique(seg_k):
        k = seg_k == seg
        at = seg_t == seg
        if not at.any():
            continue
        x, y = xk[k], yk[k]
        strictly = np.concatenate([[True], np.diff(x) > 0])  # repeated knot times (duplicated cadences): keep one
        x, y = x[strictly], y[strictly]
        if len(x) == 1:
            out[at] = y[0]
        elif len(x) == 2:
            out[at] = y[0] + (y[1] - y[0]) * (t[at] - x[0]) / (x[1] - x[0])
        else:
            out[at] = CubicSpline(x, y, bc_type="natural", extrapolate=True)(t[at])
    return out


def flatten(
    time: np.ndarray,
    flux: np.ndarray,
    *,
    window_days: float = 1.0,
    gap_days: float = 0.75,
    n_iter: int = 2,
    sigma: float = 3.0,
    mask: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Divide out slow variability with a robust piecewise-cubic trend.

    The light curve is cut at gaps longer than ``gap_days``; each segment is
    divided into bins of ``window_days``; the median flux of each bin (outliers
    beyond ``sigma`` robust standard deviations and cadences where ``mask`` is
    False excluded, iterated ``n_iter`` times so transits stop pulling the
    trend down) is interpolated with a natural cubic spline. This is the
    binned analogue of the robust spline of Shallue & Vanderburg (2018, Sec. 3.2,
    knots every ~1.5 d, iterative 3-sigma clipping). ``window_days`` must be
    several transit durations long, or the trend swallows the transit.

    Parameters
    ----------
    time: (n,) days, sorted. flux: (n,) normalised flux (NaN allowed).
    mask: (n,) True for cadences the trend may use (e.g. False inside known transits).

    Returns
    -------
    flat: (n,) flux / trend (NaN where flux is NaN). trend: (n,) the trend.
    """
    time, flux = _check_pair(time, flux)
    if window_days <= 0:
        raise ValueError(f"window_days must be positive, got {window_days}")
    if len(time) > 1 and np.any(np.diff(time) < 0):
        raise ValueError("time must be sorted in ascending order")
    finite = np.isfinite(flux) & np.isfinite(time)
    use = finite.copy() if mask is None else finite & np.asarray(mask, bool)
    trend = np.full_like(flux, np.nan)
    # contiguous bins of ~window_days inside each segment (time is sorted, so bins are index runs)
    starts, ends, seg_of_bin = [], [], []
    segments = split_segments(time, gap_days)
    for k, seg in enumerate(segments):
        t = time[seg]
        nb = max(1, int(np.floor((t[-1] - t[0]) / window_days + 0.5)))
        edges = t[0] + (t[-1] - t[0]) * np.arange(1, nb) / nb
        cut = seg.start + np.searchsorted(t, edges, side="left")
        b = np.concatenate([[seg.start], cut, [seg.stop]])
        starts.append(b[:-1])
        ends.append(b[1:])
        seg_of_bin.append(np.full(nb, k))
    starts_a, ends_a = np.concatenate(starts), np.concatenate(ends)
    seg_a = np.concatenate(seg_of_bin)
    seg_of_t = np.zeros(len(time), dtype=np.int64)
    for k, seg in enumerate(segments):
        seg_of_t[seg] = k
    for _ in range(max(1, n_iter)):
        if not use.any():
            break
        med = _run_medians(flux, use, starts_a, ends_a)
        tmid = _run_medians(time, use, starts_a, ends_a)
        good = np.isfinite(med)
        trend = natural_spline(tmid[good], med[good], seg_a[good], time, seg_of_t)
        empty = ~np.isfinite(trend) & finite
        if empty.any():  # a segment with no usable cadence: fall back to its plain median
            for k in np.unique(seg_of_t[empty]):
                sel = seg_of_t == k
                vals = flux[sel & finite]
                trend[sel] = np.median(vals) if len(vals) else np.nan
        resid = flux / trend - 1.0
        sd = robust_std(resid[use])
        if not sd > 0:
            break
        use = finite & (np.abs(resid) < sigma * sd)
        if mask is not None:
            use &= np.asarray(mask, bool)
    flat = flux / trend
    return flat, trend


def choose_flatten_window(
    time: np.ndarray,
    flux: np.ndarray,
    windows: tuple[float, ...] = (0.5, 0.75, 1.0, 1.5, 2.5, 4.0),
    *,
    gap_days: float = 0.75,
) -> float:
    """Flattening window (days) that minimises the Bayesian information criterion.

    Shallue & Vanderburg (2018, Sec. 3.2) chose the spline knot spacing of each
    light curve by BIC: short windows follow fast rotation, long windows keep
    transits intact; ``BIC = chi2 + n_knots * ln(n)``, with chi2 of the clipped
    residuals in units of the robust scatter about a 1-day trend (red noise
    included, so short windows are not rewarded for chasing it). ``time``
    sorted, days; ``flux`` normalised, NaNs ignored.
    """
    time, flux = _check_pair(time, flux)
    ok = np.isfinite(flux)
    # scatter about a 1-day trend: includes the red noise, so short windows are not rewarded for fitting it
    sigma = robust_std(flatten(time, flux, window_days=1.0, gap_days=gap_days)[0][ok])
    if not sigma > 0:
        return float(windows[len(windows) // 2])
    n = int(ok.sum())
    span = sum(float(time[sl][-1] - time[sl][0]) for sl in split_segments(time[ok], gap_days))
    best, best_bic = windows[0], np.inf
    for w in windows:
        flat, _ = flatten(time, flux, window_days=w, gap_days=gap_days)
        r = (flat[ok] - 1.0) / sigma
        chi2 = float(np.sum(np.minimum(r**2, 9.0)))  # clipped: transits and outliers count at most 3 sigma
        bic = chi2 + (span / w + 1) * np.log(n)
        if bic < best_bic:
            best, best_bic = w, bic
    return float(best)


def phase_fold(time: np.ndarray, period: float, t0: float) -> np.ndarray:
    """Time since the nearest event, in days, in [-period/2, period/2); ``t0`` maps to 0."""
    if not period > 0:
        raise ValueError(f"period must be positive, got {period}")
    time = np.asarray(time, dtype=float)
    half = 0.5 * period
    return np.mod(time - t0 + half, period) - half


def transit_number(time: np.ndarray, period: float, t0: float) -> np.ndarray:
    """Integer index of the nearest event (0 for the one at ``t0``; odd/even tests use its parity)."""
    return np.floor((np.asarray(time, float) - t0) / period + 0.5).astype(np.int64)


def median_bin(
    x: np.ndarray,
    y: np.ndarray,
    num_bins: int,
    bin_width: float | None = None,
    x_min: float | None = None,
    x_max: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Median of ``y`` in ``num_bins`` uniformly spaced bins along ``x`` (Shallue & Vanderburg 2018, Sec. 3.3).

    Bin ``i`` covers ``[x_min + i*s, x_min + i*s + bin_width)`` with spacing
    ``s = (x_max - x_min - bin_width) / (num_bins - 1)``, so the first bin
    starts at ``x_min`` and the last ends at ``x_max``; with
    ``bin_width > s`` neighbouring bins overlap. Empty bins are NaN (and get a
    count of 0). ``x`` need not be sorted; NaNs in ``y`` are dropped.

    Returns
    -------
    values: (num_bins,) medians. counts: (num_bins,) cadences per bin.
    """
    x, y = _check_pair(x, y)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if num_bins < 2:
        raise ValueError(f"num_bins must be at least 2, got {num_bins}")
    if len(x) == 0:
        raise ValueError("median_bin: no finite (x, y) pairs to bin")
    x_min = float(x.min()) if x_min is None else float(x_min)
    x_max = float(x.max()) if x_max is None else float(x_max)
    if not x_min < x_max:
        raise ValueError(f"x_min ({x_min}) must be less than x_max ({x_max})")
    bin_width = (x_max - x_min) / num_bins if bin_width is None else float(bin_width)
    if not 0 < bin_width < x_max - x_min:
        raise ValueError(f"bin_width must be in (0, x_max - x_min = {x_max - x_min}), got {bin_width}")
    inside = (x >= x_min) & (x < x_max)
    x, y = x[inside], y[inside]
    counts = np.zeros(num_bins, dtype=np.int64)
    values = np.full(num_bins, np.nan)
    if len(x) == 0:
        return values, counts
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    spacing = (x_max - x_min - bin_width) / (num_bins - 1)
    left = x_min + spacing * np.arange(num_bins)
    start = np.searchsorted(x, left, side="left")
    end = np.searchsorted(x, left + bin_width, side="left")
    counts = end - start
    maxc = int(counts.max()) if num_bins else 0
    if maxc == 0:
        return values, counts
    if maxc * num_bins <= 4_000_000:
        idx = start[:, None] + np.arange(maxc)[None, :]
        valid = np.arange(maxc)[None, :] < counts[:, None]
        m = np.where(valid, y[np.minimum(idx, len(y) - 1)], np.inf)
        m.sort(axis=1)
        nz = counts > 0
        rows = np.flatnonzero(nz)
        c = counts[nz]
        values[nz] = 0.5 * (m[rows, (c - 1) // 2] + m[rows, c // 2])
    else:  # very dense bins: fall back to a loop
        for i in np.flatnonzero(counts):
            values[i] = np.median(y[start[i] : end[i]])
    return values, counts


def normalize_view(view: np.ndarray) -> np.ndarray:
    """Shift the median to 0 and scale so the minimum is -1 (Shallue & Vanderburg 2018, Sec. 3.3).

    A view with no dip (minimum equal to the median) is returned as zeros.
    """
    view = np.asarray(view, dtype=float)
    out = view - np.median(view)
    scale = np.abs(np.min(out))
    if not (np.isfinite(scale) and scale > 0):
        return np.zeros_like(out)
    return out / scale


def _view(time, flux, num_bins, bin_width, t_min, t_max, normalize):
    values, counts = median_bin(time, flux, num_bins, bin_width, t_min, t_max)
    values = np.where(counts > 0, values, np.nanmedian(flux))
    return normalize_view(values) if normalize else values


def global_view(
    time: np.ndarray,
    flux: np.ndarray,
    period: float,
    t0: float,
    *,
    num_bins: int = GLOBAL_BINS,
    bin_width_factor: float = 1.0 / GLOBAL_BINS,
    normalize: bool = True,
) -> np.ndarray:
    """The global view: the whole orbit folded on (``period``, ``t0``), median-binned (Sec. 3.3).

    Bins of width ``period * bin_width_factor`` cover [-P/2, P/2); the event is
    at the centre (bin ``num_bins // 2``). Returns (num_bins,) floats.
    """
    time, flux = _check_pair(time, flux)
    phase = phase_fold(time, period, t0)
    return _view(phase, flux, num_bins, period * bin_width_factor, -period / 2, period / 2, normalize)


def local_view(
    time: np.ndarray,
    flux: np.ndarray,
    period: float,
    t0: float,
    duration: float,
    *,
    num_bins: int = LOCAL_BINS,
    bin_width_factor: float = LOCAL_BIN_WIDTH_FACTOR,
    num_durations: float = LOCAL_NUM_DURATIONS,
    normalize: bool = True,
) -> np.ndarray:
    """The local view: +-``num_durations`` transit durations around the event, median-binned (Sec. 3.3).

    ``duration`` in days. Bins are ``bin_width_factor * duration`` wide and
    overlap. The window is cut to [-P/2, P/2) for long transits of short
    periods. Returns (num_bins,) floats.
    """
    time, flux = _check_pair(time, flux)
    if not duration > 0:
        raise ValueError(f"duration must be positive, got {duration}")
    phase = phase_fold(time, period, t0)
    half = min(period / 2, duration * num_durations)
    return _view(phase, flux, num_bins, duration * bin_width_factor, -half, half, normalize)


def preprocess(
    time: np.ndarray,
    flux: np.ndarray,
    period: float,
    t0: float,
    duration: float,
    *,
    window_days: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Clip, flatten (known transits masked from the trend) and build both views of one TCE.

    ``window_days`` defaults to ``max(1.0, 3 * duration)``. Returns
    ``(global_view (2001,), local_view (201,))``.
    """
    time, flux = _check_pair(time, flux)
    order = np.argsort(time, kind="stable")
    time, flux = time[order], flux[order]
    keep = sigma_clip_mask(flux)
    time, flux = time[keep], flux[keep]
    window = max(1.0, 3.0 * duration) if window_days is None else window_days
    in_transit = np.abs(phase_fold(time, period, t0)) < duration
    flat, _ = flatten(time, flux, window_days=window, mask=~in_transit)
    ok = np.isfinite(flat)
    return (
        global_view(time[ok], flat[ok], period, t0),
        local_view(time[ok], flat[ok], period, t0, duration),
    )
