"""Figures of merit of a detection search: efficiency at a false-alarm probability, ROC, false-alarm rates.

A search is judged by its *efficiency* (fraction of signals found) at a fixed *false-alarm
rate*, never by accuracy (Schäfer et al. 2023, MLGWSC-1, arXiv:2209.11146). The unit of data
here is a window of ``window_duration`` s. The threshold at a false-alarm probability has one
definition, :func:`coursekit.metrics.threshold_at_fap` (re-exported here).

Overlapping windows: a search that slides its windows by ``stride`` s scores ``86400 / stride``
windows per day, so a false-alarm probability ``p`` per window gives at most ``p * 86400 / stride``
windows above threshold per day, *not* ``p * 86400``. Neighbouring windows share data, so a noise
excursion lifts several of them at once: counted as clusters (one trigger per ``cluster`` s, as
``gw scan`` reports them) the false alarms are fewer. Neither number follows from ``p`` alone;
:func:`clustered_false_alarms` measures the rate on background made by time slides (the method of
LIGO searches: shifting one detector by more than the light travel time destroys every real
coincidence and leaves noise).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from coursekit.metrics import Measurement, binomial_err, threshold_at_fap

__all__ = ["SECONDS", "threshold_at_fap", "efficiency", "efficiency_measurement", "roc_curve", "false_alarms_per",
           "fap_for_rate", "naive_false_alarms_per_day", "clustered_false_alarms", "false_alarm_rate",
           "seconds_per_data_second", "efficiency_table", "false_alarm_fraction"]

SECONDS = {"second": 1.0, "hour": 3600.0, "day": 86400.0, "month": 30 * 86400.0, "year": 365.25 * 86400.0}


def efficiency(signal_scores: np.ndarray, threshold: float) -> tuple[float, float]:
    """Fraction of ``signal_scores`` strictly above ``threshold`` and its binomial standard error."""
    s = np.asarray(signal_scores, dtype=float)
    if s.size == 0:
        raise ValueError("no signal scores")
    k = int(np.sum(s > threshold))
    return k / s.size, binomial_err(k, s.size)


def efficiency_measurement(signal_scores: np.ndarray, noise_scores: np.ndarray, fap: float) -> Measurement:
    """Efficiency at false-alarm probability ``fap`` (threshold from ``noise_scores``), binomial error."""
    return Measurement(*efficiency(signal_scores, threshold_at_fap(noise_scores, fap)))


def false_alarm_fraction(scores: np.ndarray, threshold: float) -> Measurement:
    """Fraction of (background or glitch) ``scores`` strictly above ``threshold``, with its binomial error."""
    return Measurement(*efficiency(scores, threshold))


def roc_curve(noise_scores: np.ndarray, signal_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false-alarm probability, efficiency) at every noise score used as threshold, FAP decreasing."""
    noise = np.sort(np.asarray(noise_scores, dtype=float))[::-1]
    sig = np.sort(np.asarray(signal_scores, dtype=float))
    fap = np.arange(1, len(noise) + 1) / len(noise)
    eff = 1.0 - np.searchsorted(sig, noise, side="right") / len(sig)
    return fap[::-1], eff[::-1]


def false_alarms_per(fap: float, stride: float = 1.0, per: str = "day") -> float:
    """Windows above threshold per ``per`` (second/hour/day/month/year): ``fap`` per window times the
    number of windows, one every ``stride`` s (``stride`` = the window length for windows that tile
    the data). An upper bound on the false alarms of a search that clusters its triggers."""
    if per not in SECONDS:
        raise ValueError(f"per must be one of {sorted(SECONDS)}, got {per!r}")
    if not stride > 0:
        raise ValueError(f"stride must be positive [s], got {stride}")
    return fap * SECONDS[per] / stride


def naive_false_alarms_per_day(fap: float) -> float:
    """The common mistake: ``fap * 86400``, as if a day held 86,400 independent windows whatever the stride."""
    return fap * SECONDS["day"]


def fap_for_rate(rate: float, per: str = "month", stride: float = 1.0) -> float:
    """False-alarm probability per window that gives ``rate`` windows above threshold per ``per``."""
    return rate / false_alarms_per(1.0, stride, per)


def clustered_false_alarms(times: np.ndarray, scores: np.ndarray, threshold: float, cluster: float = 1.0) -> int:
    """Number of triggers in background ``scores`` (m,) at window times ``times`` (m,) [s]: runs of windows
    strictly above ``threshold``, runs closer than ``cluster`` s merged into one (as ``gw scan`` clusters)."""
    times, scores = np.asarray(times, float), np.asarray(scores, float)
    if times.shape != scores.shape or times.ndim != 1:
        raise ValueError(f"times and scores must be (m,) arrays of the same length, got {times.shape}, {scores.shape}")
    t = np.sort(times[scores > threshold])
    if t.size == 0:
        return 0
    step = float(np.min(np.diff(np.unique(times)))) if np.unique(times).size > 1 else 0.0
    return int(1 + np.sum(np.diff(t) > max(cluster, 1.001 * step)))  # consecutive windows are one run


def false_alarm_rate(n_triggers: int, livetime_s: float, per: str = "day") -> Measurement:
    """Rate of ``n_triggers`` in ``livetime_s`` s of background per ``per``, Poisson error (1 count when 0)."""
    if not livetime_s > 0:
        raise ValueError(f"livetime must be positive, got {livetime_s} s")
    scale = SECONDS[per] / livetime_s
    return Measurement(n_triggers * scale, max(np.sqrt(n_triggers), 1.0) * scale, f"per {per}")


def seconds_per_data_second(score_fn: Callable[[np.ndarray], np.ndarray], windows: np.ndarray,
                            window_duration: float = 1.0, repeats: int = 1, stride: float | None = None) -> float:
    """Wall time of ``score_fn(windows)`` per second of searched data.

    A search slides the windows along the data with step ``stride`` (default ``window_duration``:
    windows tile the data without overlap), so ``n`` windows cover ``n * stride`` seconds. A window
    detector that was trained with the merger in a fraction ``(lo, hi)`` of the window needs
    ``stride <= (hi - lo) * window_duration`` for every merger time to fall in some window's range.
    The best of ``repeats`` timings is used, after one untimed warm-up call.
    """
    step = window_duration if stride is None else stride
    if not step > 0:
        raise ValueError(f"stride must be positive, got {step}")
    score_fn(windows[: min(len(windows), 8)])  # warm-up: first-call allocations, thread pools, FFT plans
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        score_fn(windows)
        best = min(best, time.perf_counter() - t0)
    return best / (len(windows) * step)


def efficiency_table(noise_scores: dict[str, np.ndarray], signal_scores: dict[str, dict[float, np.ndarray]],
                     faps: tuple[float, ...] = (1e-2, 1e-3), window_duration: float = 1.0) -> list[dict]:
    """Rows ``{method, snr, fap, windows_per_day, efficiency, error}`` for every method, SNR and FAP;
    ``windows_per_day``: windows above threshold per day for windows tiling the data."""
    rows = []
    for method, noise in noise_scores.items():
        for fap in faps:
            thr = threshold_at_fap(noise, fap)
            for snr, sig in signal_scores[method].items():
                e, err = efficiency(sig, thr)
                rows.append({"method": method, "snr": snr, "fap": fap,
                             "windows_per_day": false_alarms_per(fap, window_duration, "day"),
                             "efficiency": e, "error": err})
    return rows
