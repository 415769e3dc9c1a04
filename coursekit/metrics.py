"""Figures of merit every topic shares, each defined once.

* :func:`accuracy_from_logits`: fraction of correct classes from raw network outputs.
* :func:`threshold_at_fap`: the score threshold at a false-alarm probability (the one definition).
* :class:`Measurement`: a value with its standard uncertainty, printed ``0.934 ± 0.012``.
* :func:`bootstrap_ci`, :func:`binomial_err`, :func:`difference`: the uncertainties that go with them;
  :func:`seed_mean`: one figure averaged over training seeds.

Topic-specific figures of merit (NMAD of photo-z, detection efficiency, C2ST, ...) live in the topic's
``metrics.py`` and report their uncertainty as a :class:`Measurement` built from these.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def _as_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor, without importing torch here
        x = x.detach().float().cpu().numpy() if x.is_floating_point() else x.detach().cpu().numpy()
    return np.asarray(x)


def accuracy_from_logits(logits: Any, labels: Any) -> float:
    """Fraction of examples whose predicted class equals ``labels``.

    Parameters
    ----------
    logits:
        Raw network outputs (before sigmoid/softmax), a NumPy array or torch tensor.
        Binary: shape ``(n,)`` or ``(n, 1)``, class 1 predicted where the logit is > 0
        (probability > 0.5). Multiclass: shape ``(n, k)`` with ``k >= 2``, class ``argmax``.
    labels:
        ``(n,)`` true classes: 0/1 (int, bool or float) for binary, ``0..k-1`` for multiclass.

    Usable directly as a ``metrics=`` entry of :func:`coursekit.training.fit`.
    """
    z, y = _as_numpy(logits), _as_numpy(labels)
    if z.ndim == 2 and z.shape[1] == 1:
        z = z[:, 0]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"labels must have shape (n,), got {y.shape}")
    if z.ndim not in (1, 2) or len(z) != len(y):
        raise ValueError(
            f"logits must have shape (n,) or (n, k) with n = len(labels) = {len(y)}, got {z.shape}"
        )
    if len(y) == 0:
        raise ValueError("accuracy of no examples is undefined: got empty logits and labels")
    pred = (z > 0).astype(np.int64) if z.ndim == 1 else z.argmax(axis=1)
    return float(np.mean(pred == y.astype(np.int64)))


def threshold_at_fap(background_scores: Any, fap: float) -> float:
    """Score threshold with false-alarm probability ``fap`` on ``background_scores``.

    Convention (conservative; the one used everywhere in the course): with ``n``
    background scores (noise-only windows, false candidates) sorted in decreasing
    order ``s_1 >= s_2 >= ... >= s_n``, the threshold is the ``k``-th largest,
    ``s_k`` with ``k = ceil(fap * n)``, and a candidate is a detection when its
    score is *strictly above* the threshold. At most ``k - 1 < fap * n`` background
    scores exceed it, so the false-alarm probability measured on the background is
    never above ``fap`` (``np.quantile(scores, 1 - fap)`` interpolates between
    ``s_k`` and ``s_{k+1}`` and lets about ``fap * n`` through). Example: ``n = 1000``,
    ``fap = 0.01`` gives ``s_10``; ``fap = 0.001`` gives the loudest background score.

    Parameters
    ----------
    background_scores:
        ``(n,)`` detection statistics of background-only data (finite).
    fap:
        False-alarm probability per background sample, ``0 < fap < 1``. It needs
        ``n >= 1 / fap`` background scores; fewer raise ``ValueError`` instead of
        returning a threshold that cannot be measured.
    """
    s = np.asarray(_as_numpy(background_scores), dtype=float).ravel()
    if not 0 < fap < 1:
        raise ValueError(f"fap must lie in (0, 1), got {fap}")
    if s.size == 0 or not np.all(np.isfinite(s)):
        raise ValueError("background_scores must be a non-empty array of finite numbers")
    if fap * s.size < 1 - 1e-9:
        raise ValueError(
            f"a false-alarm probability of {fap:g} needs at least {math.ceil(1 / fap - 1e-9)} background scores, "
            f"got {s.size}; use more background data or a larger fap"
        )
    k = math.ceil(fap * s.size - 1e-9)
    return float(np.sort(s)[::-1][k - 1])


def binomial_err(k: int, n: int) -> float:
    """Standard error of a proportion ``k / n`` (normal approximation).

    ``sqrt(max(p (1 - p), 1 / n) / n)`` with ``p = k / n``: the floor ``1 / n`` keeps
    ``0 / n`` and ``n / n`` from claiming zero uncertainty (it gives ``1 / n`` there).
    """
    k, n = int(k), int(n)
    if n <= 0 or not 0 <= k <= n:
        raise ValueError(f"binomial_err needs 0 <= k <= n and n > 0, got k={k}, n={n}")
    p = k / n
    return math.sqrt(max(p * (1 - p), 1.0 / n) / n)


def _format_pair(value: float, err: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if not math.isfinite(err) or err <= 0:
        return f"{value:.4g}"
    # two significant figures on the uncertainty, the value to the same decimal place
    decimals = max(0, 1 - math.floor(math.log10(err)))
    if decimals > 12 or abs(value) >= 1e6 or (abs(value) < 1e-4 and value != 0):
        return f"{value:.3e} ± {err:.2g}"
    return f"{value:.{decimals}f} ± {err:.{decimals}f}"


@dataclass(frozen=True)
class Measurement:
    """A value and its standard (1σ, 68 %) uncertainty, with an optional unit.

    ``str(Measurement(0.93412, 0.0121))`` is ``'0.934 ± 0.012'``: the uncertainty to
    two significant figures and the value to the same decimal place.
    """

    value: float
    err: float
    unit: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", float(self.value))
        object.__setattr__(self, "err", float(self.err))
        if self.err < 0:
            raise ValueError(f"an uncertainty cannot be negative, got {self.err}")

    def __str__(self) -> str:
        text = _format_pair(self.value, self.err)
        return f"{text} {self.unit}" if self.unit else text

    def __format__(self, spec: str) -> str:
        """``f"{m}"`` and ``f"{m:>20}"`` use :meth:`__str__`; a number format (``f"{m:.3f}"``) applies to both numbers."""
        if spec and spec[-1] in "eEfFgG%":
            text = f"{format(self.value, spec)} ± {format(self.err, spec)}"
            return f"{text} {self.unit}" if self.unit else text
        return format(str(self), spec)

    @property
    def significance(self) -> float:
        """``|value| / err``: how many standard errors the value is from zero."""
        return abs(self.value) / self.err if self.err > 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "err": self.err, "unit": self.unit}


def difference(a: Measurement, b: Measurement) -> Measurement:
    """``a - b`` with the uncertainties of independent measurements added in quadrature.

    For two methods scored on the *same* test set the errors are correlated; there,
    bootstrap the paired difference instead, e.g.
    ``bootstrap_ci(lambda y, p1, p2: acc(y, p1) - acc(y, p2), y, p1, p2)``.
    """
    if a.unit != b.unit:
        raise ValueError(f"cannot subtract measurements in different units ({a.unit!r} and {b.unit!r})")
    return Measurement(a.value - b.value, math.hypot(a.err, b.err), a.unit)


def seed_mean(measurements: Sequence[Measurement]) -> Measurement:
    """The mean of one quantity measured after training with several seeds, scored on the same test set.

    A bootstrap (or binomial) error over the test set sees only which examples were drawn; retraining with another
    seed (another initialisation and batch order) moves the result by as much or more (Bouthillier et al. 2021,
    arXiv:2103.03098). The error of the mean is ``sqrt(s^2 / n + mean(err)^2)``: the seed-to-seed scatter ``s``
    averages down over the ``n`` seeds, the test-set sampling error does not (every seed is scored on the same
    examples).
    """
    if not measurements:
        raise ValueError("seed_mean needs at least one measurement")
    units = {m.unit for m in measurements}
    if len(units) > 1:
        raise ValueError(f"seed_mean: measurements in different units {sorted(units)}")
    v = np.array([m.value for m in measurements])
    scatter = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    err = float(np.mean([m.err for m in measurements]))
    return Measurement(float(v.mean()), math.sqrt(scatter**2 / len(v) + err**2), units.pop())


def bootstrap_ci(statistic: Callable[..., float], *arrays: Any, n_boot: int = 1000, level: float = 0.68,
                 seed: int = 0, unit: str = "") -> Measurement:
    """``statistic(*arrays)`` with a bootstrap uncertainty (Efron & Tibshirani 1993, ch. 13).

    The arrays (same first dimension ``n``) are resampled *together*, with
    replacement, ``n_boot`` times (paired bootstrap). The value is the statistic
    on the original data; the uncertainty is half the width of the central
    ``level`` percentile interval of the replicates (for ``level=0.68`` about one
    standard error).
    """
    if not arrays:
        raise ValueError("bootstrap_ci needs at least one array to resample")
    arrs = [_as_numpy(a) for a in arrays]
    n = len(arrs[0])
    if any(len(a) != n for a in arrs):
        raise ValueError(f"bootstrap_ci: arrays have different lengths {[len(a) for a in arrs]}")
    if n < 2:
        raise ValueError(f"bootstrap_ci needs at least 2 samples, got {n}")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if int(n_boot) < 2:
        raise ValueError(f"n_boot must be at least 2, got {n_boot}")
    value = float(statistic(*arrs))
    rng = np.random.default_rng(seed)
    reps = np.empty(int(n_boot))
    for i in range(int(n_boot)):
        idx = rng.integers(0, n, n)
        reps[i] = statistic(*(a[idx] for a in arrs))
    reps = reps[np.isfinite(reps)]
    if reps.size < 2:
        raise ValueError("bootstrap_ci: the statistic was not finite on the resampled data")
    lo, hi = np.quantile(reps, [(1 - level) / 2, (1 + level) / 2])
    return Measurement(value, float(hi - lo) / 2, unit)
