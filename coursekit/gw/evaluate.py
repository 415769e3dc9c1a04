"""Detection statistics: thresholds at a false-alarm probability, efficiency, ROC, false-alarm rates.

A search is judged by its *efficiency* (fraction of signals found) at a fixed *false-alarm
rate*, never by accuracy (Schäfer et al. 2023, MLGWSC-1, arXiv:2209.11146). Here the unit of
data is a window of ``window_duration`` s; scanning a continuous stream with non-overlapping
windows, a false-alarm probability ``p`` per window is ``p / window_duration`` false alarms per
second, e.g. ``p = 1e-3`` with 1 s windows is 86.4 per day. One false alarm per month (the
MLGWSC-1 operating point) is ``p = 3.9e-7`` per 1 s window, which needs millions of noise
windows to measure.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

SECONDS = {"second": 1.0, "hour": 3600.0, "day": 86400.0, "month": 30 * 86400.0, "year": 365.25 * 86400.0}


def threshold_at_fap(noise_scores: np.ndarray, fap: float) -> float:
    """Score threshold whose false-alarm probability per window on ``noise_scores`` (n,) is ``fap``.

    The ``ceil(fap * n)``-th largest noise score: at most a fraction ``fap`` of noise windows
    score strictly above it. Raises ``ValueError`` when there are fewer than ``1 / fap`` noise windows.
    """
    s = np.sort(np.asarray(noise_scores, dtype=float))[::-1]
    if not 0 < fap < 1:
        raise ValueError(f"fap must lie in (0, 1), got {fap}")
    k = int(np.ceil(fap * len(s) - 1e-9))
    if fap * len(s) < 1 - 1e-9:
        raise ValueError(
            f"a false-alarm probability of {fap:g} needs at least {int(np.ceil(1 / fap))} noise windows, "
            f"got {len(s)}"
        )
    return float(s[k - 1])


def efficiency(signal_scores: np.ndarray, threshold: float) -> tuple[float, float]:
    """Fraction of ``signal_scores`` strictly above ``threshold`` and its binomial standard error."""
    s = np.asarray(signal_scores, dtype=float)
    if s.size == 0:
        raise ValueError("no signal scores")
    e = float(np.mean(s > threshold))
    return e, float(np.sqrt(max(e * (1 - e), 1.0 / s.size) / s.size))


def roc_curve(noise_scores: np.ndarray, signal_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false-alarm probability, efficiency) at every noise score used as threshold, FAP decreasing."""
    noise = np.sort(np.asarray(noise_scores, dtype=float))[::-1]
    sig = np.sort(np.asarray(signal_scores, dtype=float))
    fap = np.arange(1, len(noise) + 1) / len(noise)
    eff = 1.0 - np.searchsorted(sig, noise, side="right") / len(sig)
    return fap[::-1], eff[::-1]


def false_alarms_per(fap: float, window_duration: float = 1.0, per: str = "day") -> float:
    """False alarms per ``per`` (second/hour/day/month/year) for ``fap`` per window of ``window_duration`` s."""
    if per not in SECONDS:
        raise ValueError(f"per must be one of {sorted(SECONDS)}, got {per!r}")
    return fap * SECONDS[per] / window_duration


def fap_for_rate(rate: float, per: str = "month", window_duration: float = 1.0) -> float:
    """False-alarm probability per window that gives ``rate`` false alarms per ``per``."""
    return rate / false_alarms_per(1.0, window_duration, per)


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
    """Rows ``{method, snr, fap, per_day, efficiency, error}`` for every method, SNR and FAP."""
    rows = []
    for method, noise in noise_scores.items():
        for fap in faps:
            thr = threshold_at_fap(noise, fap)
            for snr, sig in signal_scores[method].items():
                e, err = efficiency(sig, thr)
                rows.append({"method": method, "snr": snr, "fap": fap,
                             "per_day": false_alarms_per(fap, window_duration, "day"),
                             "efficiency": e, "error": err})
    return rows
