"""From a light curve to scored transit candidates: search, views, vetting, classifier.

:func:`views_and_vetting` turns one light curve and one ephemeris (a TCE)
into the two CNN views and the classical vetting statistics;
:func:`analyse_lightcurve` runs the whole chain on a light curve with no
known ephemeris (BLS search for several signals, then views, vetting and,
given a model, the planet score). :data:`KEPLER90_PLANETS` and
:func:`match_known_planet` check the result against Kepler-90's ephemerides
(NASA Exoplanet Archive KOI table; Kepler-90 i from Shallue & Vanderburg 2018).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.transits.preprocess import flatten, global_view, local_view, phase_fold, sigma_clip_mask
from coursekit.transits.search import TransitSignal, search_transits
from coursekit.transits.vetting import vetting_score, vetting_statistics

#: Kepler-90 planets: period [d], mid-transit epoch [BKJD], duration [h] (KOI cumulative table, DR25;
#: Kepler-90 i: Shallue & Vanderburg 2018, epoch approximate).
KEPLER90_PLANETS: dict[str, tuple[float, float, float]] = {
    "Kepler-90 b": (7.00821787, 137.67164, 3.812),
    "Kepler-90 c": (8.71980135, 139.52134, 3.745),
    "Kepler-90 i": (14.44912, 2.2, 2.704),
    "Kepler-90 d": (59.7371443, 158.95974, 8.001),
    "Kepler-90 e": (91.9401253, 134.3000, 9.195),
    "Kepler-90 f": (124.922516, 129.7295, 11.942),
    "Kepler-90 g": (210.6013843, 147.056867, 11.992),
    "Kepler-90 h": (331.5972732, 140.498929, 14.404),
}


def views_and_vetting(
    time: np.ndarray, flux: np.ndarray, period: float, t0: float, duration: float, *, keep: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Preprocess one light curve for one TCE: ``(global view (2001,), local view (201,), vetting dict)``.

    Upward outliers are clipped; the trend is fitted with the TCE's transits masked
    (window ``max(1 d, 3 durations)``); views follow Shallue & Vanderburg (2018, Sec. 3.3);
    the vetting dict holds :class:`~coursekit.transits.vetting.VettingStats` fields.
    ``keep``: (n,) False for cadences to drop first (e.g. the transits of other planets).
    """
    time = np.asarray(time, float)
    flux = np.asarray(flux, float)
    ok = np.isfinite(flux) & np.isfinite(time)
    if keep is not None:
        ok &= np.asarray(keep, bool)
    time, flux = time[ok], flux[ok]
    order = np.argsort(time, kind="stable")
    time, flux = time[order], flux[order]
    keep = sigma_clip_mask(flux)
    time, flux = time[keep], flux[keep]
    in_transit = np.abs(phase_fold(time, period, t0)) < duration
    flat, _ = flatten(time, flux, window_days=max(1.0, 3.0 * duration), mask=~in_transit)
    ok = np.isfinite(flat)
    time, flat = time[ok], flat[ok]
    g = global_view(time, flat, period, t0)
    loc = local_view(time, flat, period, t0, duration)
    stats = vetting_statistics(time, flat, period, t0, duration).to_dict()
    return g, loc, stats


def event_times(signal: TransitSignal, time: np.ndarray) -> np.ndarray:
    """Mid-transit times of ``signal`` that have data within half a duration (days)."""
    time = np.asarray(time, float)
    n0 = np.floor((time.min() - signal.t0) / signal.period)
    n1 = np.ceil((time.max() - signal.t0) / signal.period)
    cand = signal.t0 + signal.period * np.arange(n0, n1 + 1)
    idx = np.searchsorted(time, cand)
    near = np.zeros(len(cand), bool)
    for j, (c, i) in enumerate(zip(cand, idx)):
        lo, hi = max(i - 1, 0), min(i + 1, len(time))
        near[j] = np.any(np.abs(time[lo:hi] - c) < 0.5 * signal.duration)
    return cand[near]


def match_known_planet(
    signal: TransitSignal,
    time: np.ndarray,
    planets: dict[str, tuple[float, float, float]] = KEPLER90_PLANETS,
    *,
    period_tol: float = 0.01,
    time_tol_days: float = 0.3,
) -> str | None:
    """Name of the known planet that ``signal`` recovers, or ``None``.

    A match is either the period (within ``period_tol``, fractional, also at 1/2 or 2x)
    with events at the predicted times, or, for long-period planets seen once, an event
    of ``signal`` within ``time_tol_days`` (plus the planet's half duration, to allow for
    transit-timing variations) of a predicted transit of the planet.
    """
    time = np.asarray(time, float)
    times = event_times(signal, time)
    baseline = float(time.max() - time.min())
    for name, (p, t0, dur_h) in planets.items():
        tol = time_tol_days + 0.5 * dur_h / 24
        for ratio in (1.0, 0.5, 2.0):
            if abs(signal.period / (p * ratio) - 1) < period_tol and abs(phase_fold(signal.t0, p, t0)) < tol:
                return name
        if p > 0.3 * baseline and len(times):  # seen only a few times: one matching event suffices
            if np.any(np.abs(phase_fold(times, p, t0)) < tol):
                return name
    return None


def analyse_lightcurve(
    time: np.ndarray,
    flux: np.ndarray,
    *,
    n_signals: int = 3,
    model: Any = None,
    **search_kwargs: Any,
) -> list[dict[str, Any]]:
    """Search a light curve, then build views, vetting statistics and (with ``model``) a planet score.

    Parameters
    ----------
    time: (n,) days (BKJD for Kepler). flux: (n,) normalised flux.
    n_signals: signals to extract (each is masked before the next search).
    model: a trained :class:`~coursekit.transits.model.TransitCNN` or ``None``.
    search_kwargs: passed to :func:`~coursekit.transits.search.search_transits` / ``bls_search``.

    Returns
    -------
    One dict per signal: ``period``, ``t0``, ``duration``, ``depth``, ``snr``, ``n_transits``,
    ``odd_even_sigma``, ``secondary_sigma``, ``vetting_score``, ``global_view``, ``local_view``
    and ``planet_score`` (NaN without a model).
    """
    time = np.asarray(time, float)
    flux = np.asarray(flux, float)
    signals, _ = search_transits(time, flux, n_signals=n_signals, **search_kwargs)
    in_transit = [np.abs(phase_fold(time, s.period, s.t0)) < s.duration for s in signals]
    rows = []
    for k, sig in enumerate(signals):
        # as in Kepler's Data Validation, the other signals' transits are removed before vetting this one
        others = np.zeros(len(time), bool)
        for j, m in enumerate(in_transit):
            if j != k:
                others |= m & ~in_transit[k]
        g, loc, st = views_and_vetting(time, flux, sig.period, sig.t0, sig.duration, keep=~others)
        row: dict[str, Any] = sig.to_dict()
        row["odd_even_sigma"] = st["odd_even_sigma"]
        row["secondary_sigma"] = st["secondary_sigma"]
        row["vetting_score"] = float(vetting_score(st["snr"], st["odd_even_sigma"], st["secondary_sigma"]))
        row["global_view"], row["local_view"] = g, loc
        row["planet_score"] = float("nan")
        if model is not None:
            from coursekit.transits.model import score_views

            row["planet_score"] = float(score_views(model, g[None], loc[None])[0])
        rows.append(row)
    return rows
