"""Box least squares (BLS) transit search with astropy's ``BoxLeastSquares``.

BLS (Kovacs, Zucker & Mazeh 2002) folds the light curve on trial periods and
fits a box-shaped dip of trial durations at every phase; the best
(period, epoch, duration) maximises the likelihood improvement over a flat
line. :func:`bls_search` runs it coarse-to-fine: a period grid whose step
keeps the accumulated phase drift over the whole baseline below about one
transit duration (uniform in log period, finer at short periods where
transits are short), on the light curve binned to ``bin_days``, then a fine
grid on the unbinned data around the strongest peaks, so the period is
recovered to ~0.01 %. :func:`search_transits` repeats the search after
masking each signal found, as the Kepler pipeline does for multi-planet
systems (Jenkins et al. 2010; Shallue & Vanderburg 2018 Sec. 6 for Kepler-90).

:func:`views_and_vetting` turns one light curve and one ephemeris (a TCE) into the CNN's two views and the
classical vetting statistics; :func:`find_candidates` runs the whole chain on a ``lightkurve.LightCurve`` with no
known ephemeris (search, then views, vetting and, given a model, the planet score) and returns typed
:class:`Candidate` s. A signal is classified only if it would have been a Kepler TCE: at least
:data:`MIN_TRANSITS` transits with data and an SNR above Kepler's 7.1-sigma threshold (Seader et al. 2015,
Jenkins et al. 2010); with one or two events a folded "period" is a guess that the CNN cannot judge.
Each TCE's views use its fitted first-to-fourth-contact duration (:func:`fit_duration`), and the signals of one
star are scored as one system (:func:`score_candidates`: a binary's secondary eclipse and its residuals at harmonics
of its period are not new planets; Coughlin et al. 2016, Thompson et al. 2018).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from coursekit.transits.preprocess import (
    choose_flatten_window,
    flatten,
    phase_fold,
    robust_std,
    sigma_clip_mask,
    split_segments,
    transit_number,
)

#: A TCE needs at least this many transits with data (Seader et al. 2015, ApJS 217, 18, Sec. 2).
MIN_TRANSITS = 3
#: Kepler's detection threshold, sigma (Jenkins et al. 2010).
MIN_SNR = 7.1
#: Fewest good cadences a light curve must have to be searched (about two days of long cadence).
MIN_CADENCES = 100


class ViewError(ValueError):
    """The views of a TCE cannot be built (too few cadences left in and around the transits)."""


#: Trial transit durations, days (1.5 h to 12 h). Longer boxes mostly fit residual stellar variability;
#: a longer transit is still found, with a 12-h box.
DEFAULT_DURATIONS = np.array([1.5, 2.0, 3.0, 4.5, 6.5, 9.0, 12.0]) / 24.0


@dataclass(frozen=True)
class TransitSignal:
    """One periodic dip found by the search (or given as a TCE).

    period: days. t0: mid-transit time of a reference event, days (BKJD for Kepler).
    duration: days. depth: fractional flux deficit. snr: depth / (scatter / sqrt(n_in_transit)).
    n_transits: events with at least one cadence in transit. power: BLS log-likelihood improvement.
    """

    period: float
    t0: float
    duration: float
    depth: float
    snr: float
    n_transits: int
    power: float = float("nan")

    def to_dict(self) -> dict[str, float]:
        return {k: (float(v) if not isinstance(v, int) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class BLSResult:
    """Coarse periodogram (``periods`` days, ``power``) and the refined best signal."""

    periods: np.ndarray
    power: np.ndarray
    best: TransitSignal


def min_duration(period: np.ndarray | float) -> np.ndarray | float:
    """Half the central-transit duration of an Earth-Sun analogue scaled to ``period`` (days):
    ``0.5 * 13 h * (P / 365 d)**(1/3)``. Sets the period-grid step."""
    return 0.5 * (13.0 / 24.0) * (np.asarray(period, float) / 365.25) ** (1.0 / 3.0)


def period_grid(period_min: float, period_max: float, baseline: float, oversample: float = 1.0) -> np.ndarray:
    """Trial periods (days) between ``period_min`` and ``period_max``.

    The step ``dP = P * min_duration(P) / (baseline * oversample)`` keeps the
    drift of the last transit relative to the first below one (short) transit
    duration. Grid size grows linearly with the baseline.
    """
    if not 0 < period_min < period_max:
        raise ValueError(f"need 0 < period_min < period_max, got {period_min}, {period_max}")
    if not baseline > 0:
        raise ValueError(f"baseline must be positive, got {baseline}")
    # integrate d(ln P) = d(P) / (baseline * oversample) in closed form: u = P**(-1/3)
    c = 0.5 * (13.0 / 24.0) * 365.25 ** (-1.0 / 3.0) / (baseline * oversample)
    u_min, u_max = period_max ** (-1.0 / 3.0), period_min ** (-1.0 / 3.0)
    n = int(np.ceil((u_max - u_min) * 3.0 / c)) + 1
    u = np.linspace(u_max, u_min, n)
    return u**-3.0


def _bin_light_curve(time: np.ndarray, flux: np.ndarray, bin_days: float) -> tuple[np.ndarray, np.ndarray]:
    idx = np.floor((time - time[0]) / bin_days).astype(np.int64)
    n = int(idx[-1]) + 1
    c = np.bincount(idx, minlength=n)
    ok = c > 0
    tb = np.bincount(idx, time, minlength=n)[ok] / c[ok]
    fb = np.bincount(idx, flux, minlength=n)[ok] / c[ok]
    return tb, fb


def transit_snr(
    time: np.ndarray, flux: np.ndarray, period: float, t0: float, duration: float
) -> tuple[float, float, int, int]:
    """Box depth, its signal-to-noise ratio, the number of in-transit cadences and of events.

    ``depth = median(out) - mean(in)`` with "in" = within ``duration/2`` of
    mid-transit; ``snr = depth / (robust_std(out) / sqrt(n_in))``.
    """
    ph = phase_fold(time, period, t0)
    inside = np.abs(ph) < 0.5 * duration
    out = np.abs(ph) > duration
    n_in = int(inside.sum())
    if n_in == 0 or out.sum() < 3:
        return 0.0, 0.0, n_in, 0
    base = np.median(flux[out])
    depth = float(base - np.mean(flux[inside]))
    sd = robust_std(flux[out])
    snr = depth / (sd / np.sqrt(n_in)) if sd > 0 else 0.0
    n_events = len(np.unique(transit_number(time[inside], period, t0)))
    return depth, float(snr), n_in, n_events


def bls_search(
    time: np.ndarray,
    flux: np.ndarray,
    *,
    period_min: float = 0.8,
    period_max: float | None = None,
    durations: np.ndarray = DEFAULT_DURATIONS,
    oversample: float = 0.5,
    bin_days: float | None = 1.0 / 24.0,
    n_refine: int = 3,
) -> BLSResult:
    """Search a *flattened* light curve for the strongest periodic box-shaped dip.

    Parameters
    ----------
    time: (n,) days. flux: (n,) flattened flux (median ~1); NaNs are dropped.
    period_min, period_max: search range, days; ``period_max`` defaults to half the baseline
        (at least two events).
    durations: trial durations, days (all shorter than ``period_min``).
    oversample: period-grid density relative to :func:`period_grid` (0.5 = steps of two short durations of drift).
    bin_days: bin the light curve to this cadence for the coarse pass (``None``: no binning).
    n_refine: number of coarse peaks re-searched on a fine grid with the unbinned data.

    Returns
    -------
    BLSResult: coarse periodogram and the best refined :class:`TransitSignal`.
    """
    from astropy.timeseries import BoxLeastSquares

    time = np.asarray(time, float)
    flux = np.asarray(flux, float)
    ok = np.isfinite(time) & np.isfinite(flux)
    time, flux = time[ok], flux[ok]
    if len(time) < 20:
        raise ValueError(f"bls_search needs at least 20 finite cadences, got {len(time)}")
    order = np.argsort(time)
    time, flux = time[order], flux[order]
    baseline = float(time[-1] - time[0])
    period_max = 0.5 * baseline if period_max is None else float(period_max)
    durations = np.asarray(durations, float)
    if durations.max() >= period_min:
        raise ValueError(f"the longest trial duration ({durations.max():.3f} d) must be shorter than period_min")
    if period_max <= period_min:
        raise ValueError(f"period_max ({period_max:.3f} d) must exceed period_min ({period_min:.3f} d); "
                         "the light curve may be too short")
    periods = period_grid(period_min, period_max, baseline, oversample)
    tb, fb = _bin_light_curve(time, flux, bin_days) if bin_days else (time, flux)
    power = BoxLeastSquares(tb, fb).power(periods, durations, oversample=3).power
    power = np.nan_to_num(np.asarray(power, float), nan=0.0)
    # fine pass around the strongest distinct peaks
    candidates = []
    taken = np.zeros(len(periods), bool)
    for i in np.argsort(power)[::-1]:
        if len(candidates) >= n_refine:
            break
        if taken[max(0, i - 3) : i + 4].any():
            continue
        candidates.append(i)
        taken[i] = True
    fine_model = BoxLeastSquares(time, flux)
    best, best_power = None, -np.inf
    for i in candidates:
        lo, hi = periods[max(i - 2, 0)], periods[min(i + 2, len(periods) - 1)]
        fine = np.linspace(lo, hi, 60)
        r = fine_model.power(fine, durations, oversample=10)
        j = int(np.nanargmax(r.power))
        if r.power[j] > best_power:
            best_power = float(r.power[j])
            best = (float(r.period[j]), float(r.transit_time[j]), float(r.duration[j]))
    assert best is not None
    period, t0, duration = best
    # reference epoch: the event nearest the middle of the data
    t0 = t0 + period * np.round((0.5 * (time[0] + time[-1]) - t0) / period)
    depth, snr, _, n_events = transit_snr(time, flux, period, t0, duration)
    return BLSResult(periods, power, TransitSignal(period, float(t0), duration, depth, snr, n_events, best_power))


def _refine_signal(
    time: np.ndarray,
    clipped: np.ndarray,
    window_days: float,
    sig: TransitSignal,
    known: np.ndarray,
    searchable: np.ndarray,
    period_min: float,
    max_harmonic: int,
    bls_kwargs: dict,
    max_duty_cycle: float = 0.15,
) -> tuple[TransitSignal, np.ndarray]:
    """Re-flatten with the transits masked, test the period's sub-harmonics, refine; returns (signal, in-transit mask).

    The first flattening cannot know where the transits are, so its trend dips into long transits and
    makes some events shallower than others; BLS can then prefer twice the true period (every second
    event). Here the trend is fitted again with the candidate's events masked (Vanderburg et al. 2016;
    Shallue & Vanderburg 2018 Sec. 3.2 do the same with known ephemerides), for the BLS period ``P`` and
    for ``P/2 ... P/max_harmonic``, and the period whose box SNR is highest wins: folding on half the true
    period halves the depth, folding on twice it halves the number of events, so the SNR picks the right
    one. A narrow BLS on the re-flattened data then refines period, epoch and duration. Periods whose
    masked fraction ``2 * duration / period`` exceeds ``max_duty_cycle`` are not tried (nor is the
    re-flattening, if even ``P`` exceeds it).
    """
    best = None
    for m in range(1, max_harmonic + 1):
        period = sig.period / m
        if period < period_min or 2 * sig.duration / period > max_duty_cycle:
            break  # a mask over much of the orbit leaves the trend free to turn variability into a "transit"
        inside = np.abs(phase_fold(time, period, sig.t0)) < sig.duration
        flat_m, _ = flatten(time, clipped, window_days=window_days, mask=~(known | inside))
        use = searchable & np.isfinite(flat_m)
        _, snr, _, _ = transit_snr(time[use], flat_m[use], period, sig.t0, sig.duration)
        if best is None or snr > best[1]:
            best = (period, snr, flat_m, use)
    if best is None:
        return sig, np.abs(phase_fold(time, sig.period, sig.t0)) < sig.duration
    period, _, flat_m, use = best
    kw = {k: v for k, v in bls_kwargs.items() if k not in ("period_min", "period_max", "bin_days", "n_refine")}
    try:
        fine = bls_search(time[use], flat_m[use], period_min=period * 0.995, period_max=period * 1.005,
                          bin_days=None, n_refine=1, **kw).best
    except ValueError:  # the narrow search needs durations shorter than the period: keep the coarse result
        depth, snr, _, n_events = transit_snr(time[use], flat_m[use], period, sig.t0, sig.duration)
        fine = TransitSignal(period, sig.t0, sig.duration, depth, snr, n_events, sig.power)
    return fine, np.abs(phase_fold(time, fine.period, fine.t0)) < fine.duration


#: Largest fraction of the orbit a signal's +-1-duration windows may cover for it to be masked from the trend
#: fit (and removed from the data other signals are vetted on). A close-in planet covers < 0.2 (P = 0.8 d, 2 h
#: around a Sun-like star: 0.21); 12-h boxes of red noise or variability at a 1-3 d period cover 0.3-1: masking
#: them left the spline unconstrained over most of the light curve, doubled the scatter of the flattened flux and
#: made a real planet found before them fail the single-event test.
MAX_MASKED_FRACTION = 0.25


def masked_fraction(signal: TransitSignal) -> float:
    """Fraction of the orbit within one duration of mid-transit: ``min(1, 2 duration / period)``."""
    return float(min(1.0, 2.0 * signal.duration / signal.period))


def search_transits(
    time: np.ndarray,
    flux: np.ndarray,
    *,
    n_signals: int = 3,
    window_days: float | None = None,
    trim_after_gap_days: float = 1.0,
    min_snr: float = 0.0,
    max_harmonic: int = 3,
    **bls_kwargs,
) -> tuple[list[TransitSignal], np.ndarray]:
    """Clip, flatten and search iteratively: after each signal its transits are masked and BLS runs again.

    Each BLS detection is re-flattened with its transits masked and checked against its sub-harmonics
    (:func:`_refine_signal`); later searches use a trend fitted with all transits found so far masked.

    Parameters
    ----------
    time, flux: (n,) raw (normalised) light curve, days.
    n_signals: how many signals to look for. min_snr: stop when the best signal is weaker.
    window_days: flattening window (see :func:`coursekit.transits.preprocess.flatten`); ``None`` chooses it
        by BIC (:func:`~coursekit.transits.preprocess.choose_flatten_window`), as Shallue & Vanderburg did.
    trim_after_gap_days: cadences this soon after the start of the data or a gap (> 0.75 d) are not searched:
        Kepler's photometry recovers thermally after each downlink, with ramps a spline cannot follow, and
        these repeat every month, which BLS readily mistakes for long-duration transits.
    max_harmonic: test ``P/2 ... P/max_harmonic`` for every detection (1: no test).
    bls_kwargs: passed to :func:`bls_search`.

    Returns
    -------
    signals: list of :class:`TransitSignal`, strongest first. flat: (n,) the flattened flux, its trend fitted
    with the transits of every signal found masked, except those whose +-1-duration windows cover more than
    :data:`MAX_MASKED_FRACTION` of the orbit (:func:`masked_fraction`; see there).
    """
    time = np.asarray(time, float)
    flux = np.asarray(flux, float)
    order = np.argsort(time)
    time, flux = time[order], flux[order]
    keep = sigma_clip_mask(flux)
    clipped = np.where(keep, flux, np.nan)
    if window_days is None:
        window_days = choose_flatten_window(time, clipped)
    flat, _ = flatten(time, clipped, window_days=window_days)
    searchable = np.isfinite(flat)
    if trim_after_gap_days > 0:
        starts = time[[s.start for s in split_segments(time, 0.75)]]
        since = time - starts[np.searchsorted(starts, time, side="right") - 1]
        searchable &= since >= trim_after_gap_days
    period_min = float(bls_kwargs.get("period_min", 0.8))
    known = np.zeros(len(time), bool)  # in-transit cadences of the signals found so far: not searched again
    trend_mask = np.zeros(len(time), bool)  # those of them the trend is not fitted to
    signals: list[TransitSignal] = []
    for _ in range(n_signals):
        active = searchable & ~known
        if active.sum() < 20:
            break
        res = bls_search(time[active], flat[active], **bls_kwargs)
        sig = res.best
        if not sig.snr > 0 or sig.n_transits == 0 or sig.snr < min_snr:
            break  # nothing left but noise: a dip of zero depth is not a signal
        if max_harmonic >= 1 and sig.snr > 0:
            sig, inside = _refine_signal(time, clipped, window_days, sig, known, active, period_min, max_harmonic,
                                         bls_kwargs)
        else:
            inside = np.abs(phase_fold(time, sig.period, sig.t0)) < sig.duration
        signals.append(sig)
        known |= inside
        if masked_fraction(sig) <= MAX_MASKED_FRACTION:
            trend_mask |= inside
        flat, _ = flatten(time, clipped, window_days=window_days, mask=~trend_mask)
    return signals, flat


# --------------------------------------------------------------------------- from a light curve to candidates

#: Quadratic limb-darkening coefficients of a Sun-like star in the Kepler band (Claret & Bloemen 2011), used by
#: :func:`fit_duration`'s transit model.
LIMB_DARKENING = (0.40, 0.26)


def fit_duration(time: np.ndarray, flat: np.ndarray, signal: TransitSignal) -> tuple[float, float]:
    """First-to-fourth-contact duration and mid-transit epoch of a detection: ``(duration, t0)``, days.

    BLS reports the box (from a coarse grid of trial durations) that maximises the SNR, which covers the
    transit's flat bottom but not its ingress and egress: for a V-shaped grazing eclipse it is half the real
    duration. The TCEs the classifier learned from carry the first-to-fourth-contact duration (as the KOI table's
    ``koi_duration`` does), and the local view spans +-4 durations, so the box would show the CNN a transit
    twice too wide. Here a limb-darkened transit (Mandel & Agol 2002, with batman, Kreidberg 2015; quadratic
    :data:`LIMB_DARKENING`; parameters radius ratio, duration, impact parameter and epoch shift; ``a/R*`` follows
    from the duration, Seager & Mallen-Ornelas 2003), integrated over each cadence's exposure, is fitted by robust
    least squares to the flattened light curve folded on the period, within 3 box durations of the transit, with
    the duration bounded to 0.5-3 box durations and a quarter of the period. A trapezoid, fitted before, cannot
    follow the curved bottom of a limb-darkened transit and stretched its wings: on 39 simulated planets recovered
    from one quarter it ran 11 % long (median), the limb-darkened model 2.6 %, with half the scatter. Returns the
    box's duration and epoch when the fit fails. time, flat: (n,) days and flattened flux.
    """
    import batman
    from scipy.optimize import least_squares

    ok = np.isfinite(time) & np.isfinite(flat)
    t, f = time[ok], flat[ok]
    box, period = signal.duration, signal.period
    ph = phase_fold(t, period, signal.t0)
    near = np.abs(ph) < min(3.0 * box, 0.5 * period)
    hi = min(3.0 * box, 0.25 * period)
    lo = min(0.5 * box, 0.5 * hi)
    if near.sum() < 20 or not signal.depth > 0 or len(t) < 2:
        return box, signal.t0
    x, y = ph[near], f[near]
    scale = robust_std(f[~near]) if (~near).sum() > 20 else robust_std(y)
    exposure = float(np.median(np.diff(t)))  # each cadence integrates over its exposure (Kipping 2010)
    params = batman.TransitParams()
    params.t0, params.per, params.rp, params.a, params.inc = 0.0, float(period), 0.1, 10.0, 90.0
    params.ecc, params.w, params.u, params.limb_dark = 0.0, 90.0, list(LIMB_DARKENING), "quadratic"
    lc = batman.TransitModel(params, x, supersample_factor=5, exp_time=exposure)

    def resid(q):
        k, dur, b, shift = q
        b = min(b, 0.999 * (1 + k))
        # T14 = P / pi * arcsin(sqrt((1 + k)^2 - b^2) / (a sin i)) with a sin i = sqrt(a^2 - b^2): solve for a
        a = np.sqrt(((1 + k) ** 2 - b**2) / np.sin(np.pi * dur / period) ** 2 + b**2)
        params.rp, params.a, params.inc, params.t0 = k, a, np.degrees(np.arccos(b / a)), shift
        return lc.light_curve(params) - y

    q0 = [float(np.clip(np.sqrt(signal.depth), 2e-3, 0.9)), float(np.clip(1.1 * box, lo, hi)), 0.4, 0.0]
    bounds = ([1e-3, lo, 0.0, -0.5 * box], [1.0, hi, 1.5, 0.5 * box])
    try:
        r = least_squares(resid, q0, bounds=bounds, loss="soft_l1", f_scale=max(scale, 1e-6), x_scale="jac")
    except (ValueError, np.linalg.LinAlgError):
        return box, signal.t0
    _, dur, _, shift = r.x
    if not (r.success and np.isfinite(dur) and np.isfinite(shift)):
        return box, signal.t0
    return float(dur), float(signal.t0 + shift)


def check_searchable(time: np.ndarray, flux: np.ndarray, *, period_min: float = 0.8, what: str = "the light curve"
                     ) -> None:
    """Refuse, with one line saying what to do, a light curve no search can use.

    Too few finite cadences (< :data:`MIN_CADENCES`), a baseline shorter than two minimum periods, or a flux that
    does not vary at all (every value equal: a fill value, not a star).
    """
    time = np.asarray(time, float)
    flux = np.asarray(flux, float)
    ok = np.isfinite(time) & np.isfinite(flux)
    n = int(ok.sum())
    if n < MIN_CADENCES:
        raise ValueError(f"{what} has {n} good cadence(s); a transit search needs at least {MIN_CADENCES} "
                         "(give more quarters, or a light curve that is not all NaN / flagged)")
    span = float(time[ok].max() - time[ok].min())
    if span < 2 * period_min:
        raise ValueError(f"{what} spans {span:.2f} d, shorter than two minimum periods (2 x {period_min:g} d); "
                         "lower --period-min or give a longer light curve")
    if not np.ptp(flux[ok]) > 0:
        raise ValueError(f"{what} is flat (every flux value is {flux[ok][0]:g}): there is no star in it to search")


def views_and_vetting(
    time: np.ndarray, flux: np.ndarray, period: float, t0: float, duration: float, *, keep: np.ndarray | None = None
):
    """Preprocess one light curve for one TCE: ``(global view (2001,), local view (201,), VettingStats)``.

    Upward outliers are clipped; the trend is fitted with the TCE's transits masked (window ``max(1 d, 3
    durations)``); views follow Shallue & Vanderburg (2018, Sec. 3.3); the statistics are
    :func:`coursekit.transits.baseline.vetting_statistics`. ``time`` (n,) days, ``flux`` (n,) normalised;
    ``keep``: (n,) False for cadences to drop first (e.g. the transits of other planets).

    Raises :class:`ViewError` when too few cadences are left (fewer than 20 in all, or none within a transit
    duration of any event), e.g. after other signals were masked out of a short light curve.
    """
    from coursekit.transits.baseline import vetting_statistics
    from coursekit.transits.preprocess import flatten, global_view, local_view

    time = np.asarray(time, float)
    flux = np.asarray(flux, float)
    ok = np.isfinite(flux) & np.isfinite(time)
    if keep is not None:
        ok &= np.asarray(keep, bool)
    time, flux = time[ok], flux[ok]
    order = np.argsort(time, kind="stable")
    time, flux = time[order], flux[order]
    keep_c = sigma_clip_mask(flux)
    time, flux = time[keep_c], flux[keep_c]
    if len(time) < 20:
        raise ViewError(f"only {len(time)} cadences left for the TCE at P = {period:.4g} d (need 20)")
    in_transit = np.abs(phase_fold(time, period, t0)) < duration
    if not in_transit.any():
        raise ViewError(f"no cadence within a transit duration of the TCE at P = {period:.4g} d")
    flat, _ = flatten(time, flux, window_days=max(1.0, 3.0 * duration), mask=~in_transit)
    ok = np.isfinite(flat)
    time, flat = time[ok], flat[ok]
    if len(time) < 20 or not (np.abs(phase_fold(time, period, t0)) < duration).any():
        raise ViewError(f"too few cadences left after detrending for the TCE at P = {period:.4g} d")
    g = global_view(time, flat, period, t0)
    loc = local_view(time, flat, period, t0, duration)
    stats = vetting_statistics(time, flat, period, t0, duration)
    return g, loc, stats


def event_times(signal: TransitSignal, time: np.ndarray) -> np.ndarray:
    """Mid-transit times of ``signal`` that have data within half a duration (days)."""
    time = np.sort(np.asarray(time, float))
    n0 = np.floor((time.min() - signal.t0) / signal.period)
    n1 = np.ceil((time.max() - signal.t0) / signal.period)
    cand = signal.t0 + signal.period * np.arange(n0, n1 + 1)
    idx = np.searchsorted(time, cand)
    near = np.zeros(len(cand), bool)
    for j, (c, i) in enumerate(zip(cand, idx)):
        lo, hi = max(i - 1, 0), min(i + 1, len(time))
        near[j] = np.any(np.abs(time[lo:hi] - c) < 0.5 * signal.duration)
    return cand[near]


@dataclass(frozen=True)
class Candidate:
    """One signal found in a light curve, with what the classical vetter and the CNN make of it.

    signal: the BLS detection. vetting: :class:`~coursekit.transits.baseline.VettingStats` (None if the views
    could not be built). vetting_score: the classical score (> 0 passes). global_view (2001,), local_view (201,):
    the CNN's inputs (None if not built). planet_score: the CNN's planet probability, or None (no model given, or
    the signal is not a TCE), after the star's signals were vetted as one system (:func:`score_candidates`).
    note: why a score is missing, or "". model_score: the model's own probability, before the system rules.
    flags: the system rules that changed ``planet_score`` (empty if none).
    """

    signal: TransitSignal
    vetting: Any = None
    vetting_score: float | None = None
    global_view: np.ndarray | None = field(default=None, repr=False)
    local_view: np.ndarray | None = field(default=None, repr=False)
    planet_score: float | None = None
    note: str = ""
    snr_without_strongest: float | None = None
    model_score: float | None = None
    flags: tuple[str, ...] = ()

    @property
    def consistent_events(self) -> bool:
        """No single event carries the signal: without its strongest event the SNR keeps at least half of the
        ``sqrt((n - 1) / n)`` a periodic signal of equal events keeps (Kepler's pipeline vetoes TCEs made by one
        event in the same spirit, Seader et al. 2015). True when not measured."""
        n = self.signal.n_transits
        if self.snr_without_strongest is None or n < 2 or not self.signal.snr > 0:
            return True
        return self.snr_without_strongest >= 0.5 * self.signal.snr * np.sqrt((n - 1) / n)

    @property
    def is_tce(self) -> bool:
        """Would Kepler have called it a TCE: >= MIN_TRANSITS events with data, SNR >= MIN_SNR, and not one event
        dominating the rest."""
        return self.signal.n_transits >= MIN_TRANSITS and self.signal.snr >= MIN_SNR and self.consistent_events

    def to_dict(self) -> dict[str, Any]:
        """Plain numbers (None where missing) for JSON: the signal, durations in hours, depths in ppm, scores."""
        s = self.signal
        return {
            "period_days": s.period, "t0_bkjd": s.t0, "duration_hours": s.duration * 24.0,
            "depth_ppm": s.depth * 1e6, "snr": s.snr, "n_transits": int(s.n_transits), "is_tce": self.is_tce,
            "odd_even_sigma": None if self.vetting is None else self.vetting.odd_even_sigma,
            "secondary_sigma": None if self.vetting is None else self.vetting.secondary_sigma,
            "snr_without_strongest_event": self.snr_without_strongest,
            "vetting_score": self.vetting_score, "model_score": self.model_score, "planet_score": self.planet_score,
            "flags": list(self.flags), "note": self.note,
        }


def _snr_without_strongest_event(time: np.ndarray, flat: np.ndarray, signal: TransitSignal) -> float | None:
    """Box SNR of ``signal`` on the flattened flux with its strongest single event removed (None if < 2 events)."""
    ok = np.isfinite(flat)
    t, f = time[ok], flat[ok]
    ph = phase_fold(t, signal.period, signal.t0)
    inside = np.abs(ph) < 0.5 * signal.duration
    if not inside.any():
        return None
    events = transit_number(t, signal.period, signal.t0)
    ids = np.unique(events[inside])
    if len(ids) < 2:
        return None
    base = np.median(f[np.abs(ph) > signal.duration])
    strength = [(base - f[inside & (events == k)]).sum() for k in ids]  # depth x cadences: each event's share
    drop = events == ids[int(np.argmax(strength))]
    _, snr, _, _ = transit_snr(t[~drop], f[~drop], signal.period, signal.t0, signal.duration)
    return float(snr)


def commensurate(a: TransitSignal, b: TransitSignal, baseline: float, max_ratio: int = 10) -> int:
    """The integer period ratio ``n`` (1 to ``max_ratio``) if ``a`` and ``b`` keep step over the whole light curve,
    else 0.

    With ``P_long ~ n P_short``, every ``n``-th event of the shorter signal falls at the same place in the longer
    one's orbit; they keep step if the drift ``|P_long - n P_short|`` accumulated over the ``baseline / P_long``
    orbits of the light curve stays within the longer of the two durations. Two such signals of one star are one
    system seen twice (a secondary eclipse at the same period, a binary found at P and at P/2, a residual of a
    deep eclipse at a harmonic), as the Robovetter ties a TCE to an earlier one of the same star by period and
    epoch (Coughlin et al. 2016, ApJS 224, 12, Sec. 4.3; Thompson et al. 2018, ApJS 235, 38). Unrelated
    planets almost never keep step: Kepler-90 b and i (7.008 d and 14.449 d, ratio 2.06) drift apart by 8 d over
    three quarters. baseline: days spanned by the light curve.
    """
    if not baseline > 0:
        raise ValueError(f"baseline must be positive, got {baseline}")
    long, short = (a, b) if a.period >= b.period else (b, a)
    n = int(round(long.period / short.period))
    if not 1 <= n <= max_ratio:
        return 0
    drift = abs(long.period - n * short.period) * baseline / long.period
    return n if drift <= max(a.duration, b.duration) else 0


def occultation_limit(period: float) -> float:
    """Largest secondary-to-primary depth ratio a planet can make: its occultation over its transit.

    ``delta_occ / delta_tr = A_g (R*/a)^2`` for reflected light (Winn 2010, "Transits and occultations", eq. 37),
    taken with geometric albedo ``A_g = 1`` and ``a / R*`` of a star eight times less dense than the Sun
    (``a/R* = 0.5 x 4.206 (P / 1 d)^(2/3)``): generous, so a hot Jupiter's thermal occultation
    (Kepler-13Ab: 0.05 at P = 1.76 d, limit 0.11) stays below it, while a stellar companion's secondary is far
    above it. period: days.
    """
    from coursekit.transits.vetting import A_RS_ONE_DAY_SOLAR

    a_rs = 0.5 * A_RS_ONE_DAY_SOLAR * float(period) ** (2.0 / 3.0)
    return float(min(1.0, a_rs**-2.0))


#: A secondary eclipse this significant is vetoed (if deeper than a planet's occultation): none of 1,200 simulated
#: planets' TCEs reaches it (the largest is 7-10 sigma of red noise), while 79 % of eclipsing binaries do.
SECONDARY_VETO_SIGMA = 10.0


#: Odd/even depth difference (sigma, red noise included: :func:`~coursekit.transits.baseline.vetting_statistics`) at
#: which a signal is an eclipsing binary found at half its period (the Robovetter's odd/even depth test, Coughlin
#: et al. 2016; Thompson et al. 2018). On 50 simulated planets recovered by the search the largest was 3.9 sigma;
#: 22 of 27 eclipsing binaries found at half their period lay above 5.
ODD_EVEN_VETO_SIGMA = 5.0


def _odd_even_binary(c: Candidate) -> bool:
    """Alternate eclipses of different depths: two stars eclipsing in turn, folded at half the orbit."""
    return c.vetting is not None and c.vetting.odd_even_sigma >= ODD_EVEN_VETO_SIGMA


def _stellar_secondary(c: Candidate) -> bool:
    """The candidate's own fold shows a secondary eclipse too significant and too deep for a planet, and shallower
    than the candidate itself (the fold of a weak residual of a planet shows the planet's transits as a "secondary"
    deeper than itself: that is the planet, not a companion)."""
    v = c.vetting
    return (v is not None and v.secondary_sigma >= SECONDARY_VETO_SIGMA and v.depth > 0
            and occultation_limit(c.signal.period) * v.depth < v.secondary_depth <= v.depth)


def _secondary_tce(primary: Candidate, other: Candidate) -> bool:
    """``other`` (found after ``primary``, at the same period) is its secondary eclipse: its events fall elsewhere
    in the orbit (more than a duration from the primary's), it is significant on its own (SNR >=
    :data:`SECONDARY_VETO_SIGMA`) and shallower than the primary, but deeper than a planet's occultation (the
    Robovetter's test of a TCE against the earlier TCEs of its star, Coughlin et al. 2016, Sec. 4.3)."""
    a, b = primary.signal, other.signal
    offset = abs(phase_fold(b.t0, a.period, a.t0))
    return (offset > max(a.duration, b.duration) and b.snr >= SECONDARY_VETO_SIGMA and a.depth > 0
            and occultation_limit(a.period) * a.depth < b.depth <= a.depth)


def score_candidates(candidates: list[Candidate], model: Any, *, baseline: float) -> list[Candidate]:
    """The model's score of every TCE, then the star's signals vetted as one system (Robovetter-like).

    1. ``model_score``: the model's planet probability (calibrated, with a vetter) from the views and vetting
       statistics; only TCEs with views are scored.
    2. **Stellar secondary** (the Robovetter's "significant secondary", Thompson et al. 2018, Sec. A.3.2): a
       secondary eclipse of at least :data:`SECONDARY_VETO_SIGMA` sigma, deeper than a planet's occultation
       (:func:`occultation_limit`) and not deeper than the signal itself, makes the signal an eclipsing binary;
       so does a later signal at the same period and another phase, of SNR >= :data:`SECONDARY_VETO_SIGMA`,
       shallower than the signal but deeper than its occultation could be (its secondary eclipse found on its
       own); so do odd and even eclipses that differ by :data:`ODD_EVEN_VETO_SIGMA` or more (two stars
       eclipsing in turn, folded at half the orbit). With it goes every signal of the star that keeps step with
       it (:func:`commensurate`: the other eclipse, harmonics, residuals): their planet score is 0.
    3. **Same system**: a signal that keeps step with an *earlier* (stronger) signal of the star which is judged
       not a planet (score < 0.5) is no new planet: its score is capped at that signal's. Found after a
       binary's eclipses are masked, such signals are what is left of them.

    ``planet_score`` is the result (``model_score`` where nothing fired), ``flags`` say which rule changed it.
    ``model`` None: nothing is scored (the candidates come back unchanged). baseline: days spanned by the light
    curve (for :func:`commensurate`).
    """
    if model is None:
        return list(candidates)
    from coursekit.transits.model import score_views

    scored: list[Candidate] = []
    for c in candidates:
        if c.is_tce and c.global_view is not None:
            s = float(score_views(model, c.global_view[None], c.local_view[None], vetting=c.vetting.to_dict(),
                                  period=c.signal.period, duration=c.signal.duration)[0])
            c = replace(c, model_score=s, planet_score=s, flags=())
        scored.append(c)
    idx = [i for i, c in enumerate(scored) if c.model_score is not None]
    ratio = {(i, j): commensurate(scored[i].signal, scored[j].signal, baseline) for i in idx for j in idx if i != j}
    # 2. a stellar secondary vetoes its whole system (signals tied through any chain of commensurate periods): seen
    # in a signal's own fold, or found as a signal of its own at the same period and another phase; so do unequal
    # odd and even eclipses
    binary = {i for i in idx if _stellar_secondary(scored[i]) or _odd_even_binary(scored[i])}
    secondary_of: dict[int, int] = {}
    for pos, k in enumerate(idx):
        for j in idx[:pos]:
            if ratio[(j, k)] == 1 and _secondary_tce(scored[j], scored[k]):
                secondary_of[k] = j
                binary |= {j, k}
                break
    group = {i: {i} for i in idx}
    for (i, j), n in ratio.items():
        if n:
            merged = group[i] | group[j]
            for k in merged:
                group[k] = merged
    for i in idx:
        eb = sorted(binary & group[i])
        if not eb:
            continue
        c = scored[i]
        if i in secondary_of:
            j = secondary_of[i]
            pj = scored[j].signal
            phase = (phase_fold(c.signal.t0, pj.period, pj.t0) / pj.period) % 1.0
            why = (f"the secondary eclipse of signal {j + 1} found on its own: same period, phase {phase:.2f}, "
                   f"{c.signal.depth / pj.depth:.0%} of its depth (a planet's occultation is < "
                   f"{occultation_limit(pj.period):.1%}): an eclipsing binary")
        elif _stellar_secondary(c):
            v = c.vetting
            why = (f"stellar secondary: an eclipse at phase {v.secondary_phase:.2f}, {v.secondary_sigma:.0f} sigma, "
                   f"{v.secondary_depth / v.depth:.0%} of the primary's depth (a planet's occultation is < "
                   f"{occultation_limit(c.signal.period):.1%}): an eclipsing binary")
        elif _odd_even_binary(c):
            v = c.vetting
            why = (f"odd and even eclipses differ: {v.depth_odd:.2e} vs {v.depth_even:.2e} ({v.odd_even_sigma:.1f} "
                   "sigma): an eclipsing binary at half its period")
        elif i in secondary_of.values():
            k = min(k for k, j in secondary_of.items() if j == i)
            why = f"its secondary eclipse is signal {k + 1}: an eclipsing binary"
        else:
            e = next(e for e in eb if e != i)
            why = f"same system as signal {e + 1} (P = {scored[e].signal.period:.4g} d), an eclipsing binary"
        scored[i] = replace(c, planet_score=0.0, flags=c.flags + (why,))
    # 3. a later signal tied to an earlier one judged not a planet inherits its score
    for pos, k in enumerate(idx):
        for j in idx[:pos]:
            pj = scored[j].planet_score
            if ratio[(j, k)] and pj is not None and pj < 0.5 and scored[k].planet_score > pj:
                c = scored[k]
                n = ratio[(j, k)]
                rel = "the same period" if n == 1 else (f"{n} x" if c.signal.period > scored[j].signal.period
                                                        else f"1/{n} of") + " the period"
                scored[k] = replace(c, planet_score=pj, flags=c.flags + (
                    f"same system as signal {j + 1} ({rel} of P = {scored[j].signal.period:.4g} d, planet score "
                    f"{pj:.3f}): no new planet",))
    return scored


def find_candidates(
    lightcurve: Any,
    *,
    n_signals: int = 3,
    model: Any = None,
    **search_kwargs: Any,
) -> list[Candidate]:
    """Search a ``lightkurve.LightCurve``, then build views, vetting statistics and (with ``model``) a planet score.

    Parameters
    ----------
    lightcurve: a ``lightkurve.LightCurve`` (BKJD time, normalised flux), e.g. from
        :func:`coursekit.transits.data.read_kepler_lightcurves`.
    n_signals: signals to extract (each is masked before the next search).
    model: a trained :class:`~coursekit.transits.model.TransitCNN` or ``None``.
    search_kwargs: passed to :func:`search_transits` / :func:`bls_search` (``period_min``, ``period_max``...).

    Returns
    -------
    One :class:`Candidate` per signal, strongest first. Only TCEs (:attr:`Candidate.is_tce`) get a planet score,
    and the star's signals are vetted together (:func:`score_candidates`); a signal whose views cannot be built
    keeps its detection and says why in ``note``.
    """
    from coursekit.transits.baseline import vetting_score
    from coursekit.transits.data import lc_arrays

    if not isinstance(n_signals, (int, np.integer)) or n_signals < 1:
        raise ValueError(f"n_signals must be a positive integer, got {n_signals!r}")
    time, flux = lc_arrays(lightcurve)
    ok = np.isfinite(time) & np.isfinite(flux)
    time, flux = time[ok], flux[ok]
    check_searchable(time, flux, period_min=float(search_kwargs.get("period_min") or 0.8))
    signals, flat = search_transits(time, flux, n_signals=n_signals, **search_kwargs)
    baseline = float(time.max() - time.min())
    in_transit = [np.abs(phase_fold(time, s.period, s.t0)) < s.duration for s in signals]
    out: list[Candidate] = []
    for k, sig in enumerate(signals):
        # as in Kepler's Data Validation, the other signals' transits are removed before vetting this one, but only
        # those of significant signals (SNR >= 7.1) that do not keep step with this one: a signal at P, P/2, 2P...
        # in step is the same system (a secondary eclipse, an alias, a residual at a harmonic), and masking it would
        # hide the evidence the views need (a residual at P/5 once masked a binary's secondary eclipses); nor those
        # whose windows cover much of their orbit (removing them would remove most of the light curve)
        others = np.zeros(len(time), bool)
        for j, m in enumerate(in_transit):
            if (j != k and signals[j].snr >= MIN_SNR and masked_fraction(signals[j]) <= MAX_MASKED_FRACTION
                    and not commensurate(signals[j], sig, baseline)):
                others |= m & ~in_transit[k]
        # the views and vetting use the fitted first-to-fourth-contact duration, as the training TCEs do; the
        # detection (SNR, events) stays the box's
        detection = sig
        duration, t0 = fit_duration(time[~others], flat[~others], sig)
        sig = replace(sig, duration=duration, t0=t0)
        try:
            g, loc, st = views_and_vetting(time, flux, sig.period, sig.t0, sig.duration, keep=~others)
        except ViewError as exc:
            out.append(Candidate(sig, note=f"not vetted: {exc}"))
            continue
        vs = float(vetting_score(st.snr, st.odd_even_sigma, st.secondary_sigma))
        rest = _snr_without_strongest_event(time, flat, detection)
        cand = Candidate(sig, st, vs, g, loc, snr_without_strongest=rest)
        if not cand.is_tce:
            if not cand.consistent_events:
                note = (f"one event carries the signal (SNR {sig.snr:.1f}, {rest:.1f} without its strongest event): "
                        "not a TCE, so not classified")
            else:
                note = (f"{sig.n_transits} transit(s) with data, SNR {sig.snr:.1f}: not a TCE (needs >= "
                        f"{MIN_TRANSITS} transits and SNR >= {MIN_SNR}), so not classified")
            cand = Candidate(sig, st, vs, g, loc, None, note, rest)
        out.append(cand)
    return score_candidates(out, model, baseline=baseline)
