"""Figures of merit of the lesson, each with its uncertainty (a :class:`coursekit.metrics.Measurement`).

* :func:`recovery_rate`: fraction of searches that recovered a law, with its binomial error.
* :func:`mean_with_error`: mean over repeats and its standard error.
* :func:`formula_measurement`: a number read off a formula (an exponent, H0, q0),
  with the bootstrap uncertainty of the formula's constants (structure kept, constants re-fitted).
* :func:`pull`: how many standard deviations a measurement lies from a reference value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from coursekit.metrics import Measurement, binomial_err


def recovery_rate(recovered: Sequence[bool]) -> Measurement:
    """``k / n`` of ``recovered`` flags, ± the binomial standard error (:func:`coursekit.metrics.binomial_err`)."""
    flags = [bool(r) for r in recovered]
    if not flags:
        raise ValueError("recovery_rate needs at least one search")
    k, n = sum(flags), len(flags)
    return Measurement(k / n, binomial_err(k, n))


def mean_with_error(values: Sequence[float], unit: str = "") -> Measurement:
    """Mean of repeated measurements ± its standard error ``std(ddof=1) / sqrt(n)`` (needs n >= 2 finite values)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size < 2:
        raise ValueError(f"need at least 2 finite values for a mean with an error, got {v.size}")
    return Measurement(float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size)), unit)


def formula_measurement(expr, symbols: Sequence, X: np.ndarray, y: np.ndarray,
                        read: Callable[[Callable[..., np.ndarray]], float], *, n_boot: int = 200, seed: int = 0,
                        unit: str = "") -> Measurement:
    """A number read off a formula, with the spread of that number over bootstrap re-fits of its constants.

    ``read(f)`` gets the formula as a function of the feature columns (see
    :func:`coursekit.symbolic.model.bootstrap_functions`) and returns the number
    (an exponent, H0, q0). The value is ``read`` of the selected formula, the
    error the standard deviation over ``n_boot`` re-fits; an exact structural
    number (``a * sqrt(a)``: exponent 3/2) has error 0. Resamples where ``read``
    is undefined are ignored; fewer than half defined gives an infinite error.
    """
    from coursekit.symbolic.model import bootstrap_functions

    f0, boots = bootstrap_functions(expr, symbols, X, y, n_boot=n_boot, seed=seed)
    value = float(read(f0))
    vals = np.array([read(f) for f in boots], float)
    vals = vals[np.isfinite(vals)]
    err = float(np.std(vals, ddof=1)) if vals.size >= max(2, n_boot // 2) else float("inf")
    if err <= 1e-9 * max(1.0, abs(value)):  # a structural number (a * sqrt(a)): only round-off moves
        err = 0.0
    return Measurement(value, err, unit)


def log_slope_at(f: Callable[..., np.ndarray], point: Sequence[float], j: int = 0, h: float = 1e-4) -> float:
    """``d ln f / d ln x_j`` at ``point`` (positive features) by a central difference in ``ln x_j``."""
    lo, hi = list(map(float, point)), list(map(float, point))
    lo[j] *= np.exp(-h)
    hi[j] *= np.exp(h)
    with np.errstate(all="ignore"):
        a, b = float(f(*lo)), float(f(*hi))
    return (np.log(b) - np.log(a)) / (2 * h) if a > 0 and b > 0 else float("nan")


def taylor_at_zero(f: Callable[..., np.ndarray], scale: float, h: float = 1e-3) -> tuple[float, float]:
    """``(f(0), f'(0))`` of a one-feature function, ``f'`` by a one-sided difference over ``h * scale``.

    One-sided (``x >= 0``) because a formula of a redshift or velocity may be
    undefined below zero (``sqrt(z)``); the step is small against ``scale`` (the data's range).
    """
    dx = h * scale
    with np.errstate(all="ignore"):
        f0, f1, f2 = (float(f(np.float64(x))) for x in (0.0, dx, 2 * dx))
    return f0, (-3 * f0 + 4 * f1 - f2) / (2 * dx)


def pull(m: Measurement, reference: float) -> float:
    """``(value - reference) / err``: the distance from a reference value in standard deviations."""
    if not m.err > 0:
        return float("inf") if m.value != reference else 0.0
    return (m.value - reference) / m.err
