"""The classical baseline: the vetting tests a person (or Kepler's Data Validation pipeline) applies to a TCE.

Given a flattened light curve and an ephemeris (period, epoch, duration):

* **signal-to-noise**: box depth over its uncertainty; Kepler's detection threshold is 7.1 sigma
  (Jenkins et al. 2010);
* **odd/even depth test**: an eclipsing binary with two unequal eclipses detected at half its
  period shows alternating depths (Batalha et al. 2010; Thompson et al. 2018, DR25 robovetter); the odd and
  even depths and their errors are astropy's ``BoxLeastSquares.compute_stats``;
* **secondary-eclipse test**: a significant dip elsewhere in the orbit, seen in more than one orbit (searched over all phases
  at least two durations from the primary, its significance measured against the scatter of box
  depths at all those phases, which includes red noise) betrays a self-luminous companion.

:func:`vetting_score` combines them into one number whose sign is the pass/fail verdict and whose
size ranks candidates, so it gets a ROC curve beside the CNN.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from coursekit.transits.preprocess import phase_fold, robust_std, transit_number

#: Kepler's transit-search threshold, sigma.
SNR_THRESHOLD = 7.1
ODD_EVEN_THRESHOLD = 3.0
SECONDARY_THRESHOLD = 5.0


@dataclass(frozen=True)
class VettingStats:
    """Per-TCE statistics (depths are fractional; sigmas are significances)."""

    snr: float
    depth: float
    depth_odd: float
    depth_even: float
    odd_even_sigma: float
    secondary_depth: float
    secondary_phase: float
    secondary_sigma: float
    period_doubling_chi2: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def _box(flux_in: np.ndarray, sd: float) -> tuple[float, float]:
    if len(flux_in) == 0:
        return float("nan"), float("inf")
    return float(1.0 - np.mean(flux_in)), sd / np.sqrt(len(flux_in))


def odd_even_depths(time: np.ndarray, flux: np.ndarray, period: float, t0: float, duration: float,
                    sigma: float) -> tuple[float, float, float, float]:
    """``(depth_odd, err_odd, depth_even, err_even)`` from astropy's ``BoxLeastSquares.compute_stats``.

    time (n,) days; flux (n,) flattened, out-of-transit level 1; sigma: per-cadence scatter (the weights).
    NaN depth (and infinite error) for a parity with no cadence in transit.
    """
    import warnings

    from astropy.timeseries import BoxLeastSquares

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a parity with no transit divides by zero
        stats = BoxLeastSquares(time, flux, dy=np.full(len(time), sigma)).compute_stats(period, duration, t0)
    (d_odd, e_odd), (d_even, e_even) = stats["depth_odd"], stats["depth_even"]
    out = []
    for d, e in ((d_odd, e_odd), (d_even, e_even)):
        ok = np.isfinite(d) and np.isfinite(e) and e > 0
        out += [float(d) if ok else float("nan"), float(e) if ok else float("inf")]
    return out[0], out[1], out[2], out[3]


def vetting_statistics(
    time: np.ndarray, flux: np.ndarray, period: float, t0: float, duration: float
) -> VettingStats:
    """SNR, odd/even and secondary-eclipse statistics of one TCE.

    Parameters
    ----------
    time: (n,) days. flux: (n,) *flattened* flux, median ~1 (NaNs ignored).
    period, t0, duration: the ephemeris, days.

    Depths are ``1 - mean(flux in box)`` relative to an out-of-transit median of 1;
    ``odd_even_sigma = |d_odd - d_even| / (beta sqrt(e_odd**2 + e_even**2))``, where ``beta >= 1`` is the scatter of
    box depths of width ``duration`` away from the transit over its white-noise value (red noise; 1 when fewer than
    12 boxes fit); the secondary is the deepest box of width ``duration`` at phases at least two durations from the
    primary.
    """
    time = np.asarray(time, float)
    flux = np.asarray(flux, float)
    ok = np.isfinite(time) & np.isfinite(flux)
    time, flux = time[ok], flux[ok]
    if len(time) < 10:
        raise ValueError(f"vetting_statistics needs at least 10 finite cadences, got {len(time)}")
    ph = phase_fold(time, period, t0)
    half = 0.5 * duration
    inside = np.abs(ph) < half
    out = np.abs(ph) > duration
    base = np.median(flux[out]) if out.sum() > 3 else np.median(flux)
    f = flux / base
    sd = robust_std(f[out]) if out.sum() > 3 else robust_std(f)
    if not sd > 0:
        sd = float(np.std(f)) or 1e-6
    depth, err = _box(f[inside], sd)
    snr = depth / err if np.isfinite(depth) and err > 0 else 0.0
    d_odd, e_odd, d_even, e_even = odd_even_depths(time, f, period, t0, duration, sd)
    beta = 1.0  # red-noise factor of a box of width `duration`, measured below from the out-of-transit boxes
    # weak-secondary search: boxes of width `duration` stepped by duration/4 in phase
    sec_depth, sec_phase, sec_sigma = 0.0, 0.5, 0.0
    span = period - 4.0 * duration
    if span > duration:
        x = np.mod(ph, period)  # [0, P), primary at 0 and P
        order = np.argsort(x)
        xs, fs = x[order], 1.0 - f[order]
        csum = np.concatenate([[0.0], np.cumsum(fs)])
        centres = np.arange(2.0 * duration, period - 2.0 * duration + 1e-12, duration / 4.0)
        lo = np.searchsorted(xs, centres - half)
        hi = np.searchsorted(xs, centres + half)
        n = hi - lo
        good = n >= 3
        if good.any():
            dep = (csum[hi] - csum[lo]) / np.maximum(n, 1)
            white = sd / np.sqrt(np.maximum(n, 1))
            if good.sum() >= 12:  # empirical scatter of box depths: includes red noise
                box_scatter = robust_std(dep[good])
                scale = np.maximum(box_scatter, white)
                level = np.median(dep[good])
                # the time-averaging beta (Pont et al. 2006; Winn et al. 2008): how much more a box-averaged depth
                # scatters than white noise predicts; the odd/even errors, from per-cadence weights, need it too
                beta = max(1.0, float(box_scatter / np.median(white[good])))
            else:
                scale, level = white, 0.0
            sig = np.where(good, (dep - level) / scale, -np.inf)
            # a secondary eclipse repeats every orbit: the strongest boxes are re-measured without the orbit that
            # contributes most, so one event of another body (a single transit of an outer planet) is no secondary
            orbit = transit_number(time, period, t0)[order]
            for j in np.argsort(sig)[::-1][:5]:
                if not np.isfinite(sig[j]):
                    break
                fb, ob = fs[lo[j]:hi[j]], orbit[lo[j]:hi[j]]
                ids, inv = np.unique(ob, return_inverse=True)
                keep = inv != int(np.argmax(np.bincount(inv, fb)))
                dep[j] = fb[keep].mean() if len(ids) > 1 and keep.sum() >= 3 else level
                sig[j] = (dep[j] - level) / (scale if np.ndim(scale) == 0 else scale[j])
            k = int(np.argmax(sig))
            sec_depth, sec_phase, sec_sigma = float(dep[k]), float(centres[k] / period), float(sig[k])
    if np.isfinite(d_odd) and np.isfinite(d_even) and np.hypot(e_odd, e_even) > 0:
        oe = abs(d_odd - d_even) / (beta * np.hypot(e_odd, e_even))
    else:
        oe = 0.0
    return VettingStats(
        period_doubling_chi2=period_doubling_chi2(time, f, period, t0, duration, sd),
        snr=float(snr),
        depth=float(depth),
        depth_odd=float(d_odd),
        depth_even=float(d_even),
        odd_even_sigma=float(oe),
        secondary_depth=sec_depth,
        secondary_phase=sec_phase,
        secondary_sigma=sec_sigma,
    )


def period_doubling_chi2(time: np.ndarray, flux: np.ndarray, period: float, t0: float, duration: float,
                         sigma: float, n_bins: int = 12) -> float:
    """Chi-square per bin between the odd and the even events' profiles (the light curve folded on twice the
    period, first half against second half), over +-1.5 durations in ``n_bins`` bins.

    ~1 when every event looks the same (a planet in white noise); large for a binary whose two eclipses differ in
    depth *or* duration, detected at half its period (Kepler DV's period-doubling test compares the two halves
    of the 2P fold; Twicken et al. 2018). time (n,) days; flux (n,) flattened; sigma: per-cadence scatter.
    0.0 when a parity has no data.
    """
    ph = phase_fold(time, period, t0)
    parity = transit_number(time, period, t0) % 2
    edges = np.linspace(-1.5 * duration, 1.5 * duration, n_bins + 1)
    near = np.abs(ph) < 1.5 * duration
    b = np.clip(np.searchsorted(edges, ph[near], side="right") - 1, 0, n_bins - 1)
    prof = []
    for par in (0, 1):
        sel = parity[near] == par
        c = np.bincount(b[sel], minlength=n_bins)
        m = np.bincount(b[sel], flux[near][sel], minlength=n_bins) / np.maximum(c, 1)
        prof.append((m, c))
    (m0, c0), (m1, c1) = prof
    ok = (c0 >= 2) & (c1 >= 2)
    if not ok.any() or not sigma > 0:
        return 0.0
    var = sigma**2 * (1.0 / c0[ok] + 1.0 / c1[ok])
    return float(np.mean((m0[ok] - m1[ok]) ** 2 / var))


def stack_statistics(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Per-TCE vetting dicts (from :class:`VettingStats`) -> ``{name: (n,) array}`` plus the classical ``score``."""
    vet = {key: np.asarray([r[key] for r in rows], float) for key in rows[0]}
    vet["score"] = vetting_score(vet["snr"], vet["odd_even_sigma"], vet["secondary_sigma"])
    return vet


def vetting_score(
    snr: np.ndarray,
    odd_even_sigma: np.ndarray,
    secondary_sigma: np.ndarray,
    *,
    snr_threshold: float = SNR_THRESHOLD,
    odd_even_threshold: float = ODD_EVEN_THRESHOLD,
    secondary_threshold: float = SECONDARY_THRESHOLD,
) -> np.ndarray:
    """Planet score of the classical vetter: the smallest margin of the three tests.

    ``score = min(ln(snr / snr_threshold), 1 - oe/oe_threshold, 1 - sec/sec_threshold)``.
    Positive means "passes every test" (a planet candidate); the value ranks TCEs for ROC curves.
    Arrays broadcast; returns floats.
    """
    snr = np.maximum(np.asarray(snr, float), 1e-3)
    m1 = np.log(snr / snr_threshold)
    m2 = 1.0 - np.asarray(odd_even_sigma, float) / odd_even_threshold
    m3 = 1.0 - np.asarray(secondary_sigma, float) / secondary_threshold
    return np.minimum(np.minimum(m1, m2), m3)
