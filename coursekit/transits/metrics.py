"""Figures of merit of the transits topic, each with its uncertainty.

* classifiers: AUC (ROC) with a bootstrap interval, accuracy with its binomial error, precision, recall,
  ROC and precision-recall curves, the paired-bootstrap AUC difference of two classifiers on one test set,
  accuracy per kind of object;
* the search: :func:`match_known_planet` (did a signal recover a known planet) and :func:`completeness`
  (fraction of injected planets recovered per SNR bin, binomial errors).

Shared definitions (``Measurement``, ``bootstrap_ci``, ``binomial_err``) come from :mod:`coursekit.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from coursekit.metrics import Measurement, binomial_err, bootstrap_ci


def _check(label: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    label = np.asarray(label).astype(int)
    score = np.asarray(score, float)
    if label.shape != score.shape or label.ndim != 1:
        raise ValueError(f"label and score must be 1-D arrays of the same length, got {label.shape} and {score.shape}")
    if set(np.unique(label).tolist()) - {0, 1}:
        raise ValueError("labels must be 0 (false positive) or 1 (planet)")
    if len(np.unique(label)) < 2:
        raise ValueError("need both planets and false positives to compute ROC/AUC")
    return label, score


def _auc(label: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if len(np.unique(label)) < 2:
        return float("nan")  # a bootstrap replicate with one class: dropped by bootstrap_ci
    return float(roc_auc_score(label, score))


def auc(label: np.ndarray, score: np.ndarray, *, n_boot: int = 500, seed: int = 0) -> Measurement:
    """Area under the ROC curve with a bootstrap uncertainty (test examples resampled, 68 % interval)."""
    label, score = _check(label, score)
    return bootstrap_ci(_auc, label, score, n_boot=n_boot, seed=seed)


def auc_difference(label: np.ndarray, score_a: np.ndarray, score_b: np.ndarray, *, n_boot: int = 500,
                   seed: int = 0) -> Measurement:
    """``AUC(a) - AUC(b)`` on the same test set, with a paired bootstrap uncertainty.

    Resampling the examples once for both scores keeps their correlation, so the interval is the right one for
    "is a better than b on these data" (Efron & Tibshirani 1993, ch. 13).
    """
    label, score_a = _check(label, score_a)
    _, score_b = _check(label, score_b)
    return bootstrap_ci(lambda y, a, b: _auc(y, a) - _auc(y, b), label, score_a, score_b, n_boot=n_boot, seed=seed)


@dataclass(frozen=True)
class ClassifierMetrics:
    """A classifier on one test set: AUC (bootstrap) and accuracy (binomial) with uncertainties; average
    precision, precision and recall at ``threshold``; ``n`` test examples."""

    auc: Measurement
    accuracy: Measurement
    average_precision: float
    precision: float
    recall: float
    threshold: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {"auc": self.auc.to_dict(), "accuracy": self.accuracy.to_dict(),
                "average_precision": self.average_precision, "precision": self.precision, "recall": self.recall,
                "threshold": self.threshold, "n": self.n}


def classification_metrics(label: np.ndarray, score: np.ndarray, threshold: float = 0.5, *, n_boot: int = 500,
                           seed: int = 0) -> ClassifierMetrics:
    """AUC with a bootstrap interval, accuracy with its binomial error, and AP / precision / recall at ``threshold``.

    label: (n,) 1 = planet. score: (n,) higher = more planet-like (probability or any ranking score).
    """
    from sklearn.metrics import average_precision_score

    label, score = _check(label, score)
    pred = score >= threshold
    tp = int((pred & (label == 1)).sum())
    correct = int((pred == (label == 1)).sum())
    return ClassifierMetrics(
        auc=auc(label, score, n_boot=n_boot, seed=seed),
        accuracy=Measurement(correct / len(label), binomial_err(correct, len(label))),
        average_precision=float(average_precision_score(label, score)),
        precision=tp / max(int(pred.sum()), 1),
        recall=tp / max(int((label == 1).sum()), 1),
        threshold=float(threshold),
        n=len(label),
    )


def roc_curve(label: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false-positive rate, true-positive rate) arrays."""
    from sklearn.metrics import roc_curve as _roc

    label, score = _check(label, score)
    fpr, tpr, _ = _roc(label, score)
    return fpr, tpr


def pr_curve(label: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(recall, precision) arrays."""
    from sklearn.metrics import precision_recall_curve

    label, score = _check(label, score)
    precision, recall, _ = precision_recall_curve(label, score)
    return recall, precision


def recall_at_precision(label: np.ndarray, score: np.ndarray, precision: float = 0.99) -> float:
    """Highest recall reached with at least ``precision`` (ExoMiner's headline metric uses 0.99)."""
    rec, prec = pr_curve(label, score)
    ok = prec >= precision
    return float(rec[ok].max()) if ok.any() else 0.0


def breakdown(
    kind: np.ndarray, label: np.ndarray, score: np.ndarray, threshold: float = 0.5,
    snr: np.ndarray | None = None, snr_edges: tuple[float, ...] = (0, 10, 20, np.inf),
) -> list[dict[str, Any]]:
    """Accuracy per kind of object (and per SNR bin when ``snr`` is given): where the classifier fails.

    Returns rows ``{"kind", "snr_range", "n", "accuracy"}``.
    """
    kind = np.asarray(kind)
    pred = np.asarray(score) >= threshold
    correct = pred == (np.asarray(label) == 1)
    rows = []
    for k in sorted(set(kind.tolist())):
        m = kind == k
        if snr is None:
            rows.append({"kind": k, "snr_range": "all", "n": int(m.sum()), "accuracy": float(correct[m].mean())})
            continue
        for lo, hi in zip(snr_edges[:-1], snr_edges[1:]):
            mm = m & (np.asarray(snr) >= lo) & (np.asarray(snr) < hi)
            if mm.any():
                rows.append({"kind": k, "snr_range": f"{lo:g}-{hi:g}", "n": int(mm.sum()),
                             "accuracy": float(correct[mm].mean())})
    return rows


# --------------------------------------------------------------------------- the search

def match_known_planet(
    signal: Any,
    time: np.ndarray,
    planets: dict[str, tuple[float, float, float]] | None = None,
    *,
    period_tol: float = 0.01,
    time_tol_days: float = 0.3,
) -> str | None:
    """Name of the known planet that ``signal`` (a :class:`~coursekit.transits.search.TransitSignal`) recovers.

    ``planets``: ``{name: (period [d], epoch [BKJD], duration [h])}``, default Kepler-90's. A match is either the
    period (within ``period_tol``, fractional, also at 1/2 or 2x) with events at the predicted times, or, for
    long-period planets seen once or twice, at least half of the events of ``signal`` (with data) within
    ``time_tol_days`` (plus the planet's half duration, to allow for transit-timing variations) of a predicted
    transit: a 3.6-d signal with 25 events, one of which happens to fall on Kepler-90 e's transit, is not e.
    ``None`` if nothing matches.
    """
    from coursekit.transits.data import KEPLER90_PLANETS
    from coursekit.transits.preprocess import phase_fold
    from coursekit.transits.search import event_times

    planets = KEPLER90_PLANETS if planets is None else planets
    time = np.asarray(time, float)
    times = event_times(signal, time)
    baseline = float(np.nanmax(time) - np.nanmin(time))
    for name, (p, t0, dur_h) in planets.items():
        tol = time_tol_days + 0.5 * dur_h / 24
        for ratio in (1.0, 0.5, 2.0):
            if abs(signal.period / (p * ratio) - 1) < period_tol and abs(phase_fold(signal.t0, p, t0)) < tol:
                return name
        if p > 0.3 * baseline and len(times):  # seen only a few times: its events must be the planet's
            on_planet = np.abs(phase_fold(times, p, t0)) < tol
            if on_planet.any() and on_planet.mean() >= 0.5:
                return name
    return None


@dataclass(frozen=True)
class Completeness:
    """Injection-recovery: per SNR bin ``[edges[i], edges[i+1])``, planets injected and recovered, and the
    recovered fraction with its binomial error."""

    edges: tuple[float, ...]
    injected: tuple[int, ...]
    recovered: tuple[int, ...]
    fraction: tuple[Measurement, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"edges": list(self.edges), "injected": list(self.injected), "recovered": list(self.recovered),
                "fraction": [m.to_dict() for m in self.fraction]}


def completeness(snr: np.ndarray, found: np.ndarray, edges: tuple[float, ...]) -> Completeness:
    """Fraction of injected planets recovered per bin of injected SNR (the search's completeness).

    snr: (n,) injected (expected) SNR of each planet. found: (n,) bool, recovered or not. edges: bin edges,
    increasing; the last bin is closed above by ``inf`` when ``edges[-1]`` is finite and planets lie beyond it.
    Empty bins get ``Measurement(nan, nan)``.
    """
    snr = np.asarray(snr, float)
    found = np.asarray(found, bool)
    if snr.shape != found.shape or snr.ndim != 1:
        raise ValueError(f"snr and found must be 1-D arrays of the same length, got {snr.shape} and {found.shape}")
    edges = tuple(float(e) for e in edges)
    if len(edges) < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"edges must be at least two increasing numbers, got {edges}")
    inj, rec, frac = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (snr >= lo) & (snr < hi)
        n, k = int(m.sum()), int(found[m].sum())
        inj.append(n)
        rec.append(k)
        frac.append(Measurement(k / n, binomial_err(k, n)) if n else Measurement(float("nan"), float("nan")))
    return Completeness(edges, tuple(inj), tuple(rec), tuple(frac))
