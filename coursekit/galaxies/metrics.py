"""Figures of merit of the morphology classifiers, each with its uncertainty where it is compared.

* :func:`accuracy` and :func:`accuracy_measurement` (binomial standard error);
* :func:`paired_difference`: metric(A) - metric(B) on the *same* test galaxies, paired bootstrap
  (Efron & Tibshirani 1993), the uncertainty every "A beats B" of the lesson carries;
* :func:`confusion_matrix` and :func:`per_class_report`: scikit-learn's;
* :func:`calibration` and the expected calibration error (ECE; Naeini et al. 2015, Guo et al. 2017):
  bin the top-class confidence, ``ECE = sum_b (n_b / n) |acc_b - conf_b|``;
* :func:`rotation_agreement`: the fraction of galaxies whose predicted class survives a rotation;
* :func:`confident_mistakes`: wrong predictions sorted by confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from coursekit.metrics import Measurement, binomial_err, bootstrap_ci


def _check_probs(probs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    probs, labels = np.asarray(probs, dtype=np.float64), np.asarray(labels)
    if probs.ndim != 2 or len(probs) != len(labels):
        raise ValueError(f"probs must be (n, n_classes) with one label each; got {probs.shape} and {labels.shape}")
    return probs, labels.astype(np.int64)


def accuracy(probs_or_pred: np.ndarray, labels: np.ndarray) -> float:
    """Fraction correct, from probabilities (n, C) or predicted labels (n,)."""
    p = np.asarray(probs_or_pred)
    pred = p.argmax(1) if p.ndim == 2 else p
    if len(pred) != len(labels) or len(pred) == 0:
        raise ValueError(f"need one prediction per label (and at least one); got {len(pred)} and {len(labels)}")
    return float(np.mean(pred == np.asarray(labels)))


def accuracy_measurement(probs_or_pred: np.ndarray, labels: np.ndarray) -> Measurement:
    """Accuracy with its binomial standard error ``sqrt(p (1 - p) / n)``."""
    acc = accuracy(probs_or_pred, labels)
    n = len(labels)
    return Measurement(acc, binomial_err(int(round(acc * n)), n))


def majority_rate(labels: np.ndarray) -> float:
    """Accuracy of always answering the most common class."""
    labels = np.asarray(labels)
    return float(np.bincount(labels).max() / len(labels))


def paired_difference(labels: np.ndarray, probs_a: np.ndarray, probs_b: np.ndarray, *,
                      metric: Callable[[np.ndarray, np.ndarray], float] | None = None, n_boot: int = 1000,
                      seed: int = 0) -> Measurement:
    """``metric(A) - metric(B)`` on the same galaxies, with a paired-bootstrap standard error.

    ``metric(probs, labels)`` defaults to :func:`accuracy`. The galaxies are resampled together, so
    the part of the noise both models share (the same hard galaxies) cancels.
    """
    metric = metric or accuracy
    labels, probs_a, probs_b = np.asarray(labels), np.asarray(probs_a), np.asarray(probs_b)
    if not len(labels) == len(probs_a) == len(probs_b):
        raise ValueError(f"labels and both predictions must have one row per galaxy: "
                         f"{len(labels)}, {len(probs_a)}, {len(probs_b)}")
    return bootstrap_ci(lambda y, a, b: metric(a, y) - metric(b, y), labels, probs_a, probs_b,
                        n_boot=n_boot, seed=seed)


def significance_text(diff: Measurement, z: float = 2.0) -> str:
    """'significant' when ``|value| >= z err`` (about 95 % for z = 2), else 'not significant'."""
    return "significant" if diff.significance >= z else "not significant"


def interval95(m: Measurement) -> tuple[float, float]:
    """The approximate 95 % interval ``value ± 1.96 err``."""
    return m.value - 1.96 * m.err, m.value + 1.96 * m.err


def confusion_matrix(labels: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(C, C) counts, row = true class, column = predicted class (:func:`sklearn.metrics.confusion_matrix`)."""
    from sklearn.metrics import confusion_matrix as sk_confusion

    labels, pred = np.asarray(labels, dtype=np.int64), np.asarray(pred, dtype=np.int64)
    if labels.shape != pred.shape:
        raise ValueError(f"labels and predictions differ in shape: {labels.shape} vs {pred.shape}")
    return sk_confusion(labels, pred, labels=np.arange(n_classes))


def per_class_report(labels: np.ndarray, pred: np.ndarray, classes: Sequence[str]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1 and support per class (:func:`sklearn.metrics.classification_report`;
    the precision of a never-predicted class is 0)."""
    from sklearn.metrics import classification_report

    rep = classification_report(np.asarray(labels), np.asarray(pred), labels=np.arange(len(classes)),
                                target_names=list(classes), output_dict=True, zero_division=0)
    return {c: {"precision": float(rep[c]["precision"]), "recall": float(rep[c]["recall"]),
                "f1": float(rep[c]["f1-score"]), "support": int(rep[c]["support"])} for c in classes}


@dataclass(frozen=True)
class Calibration:
    """Reliability-diagram data: per-bin mean confidence, accuracy and counts, and the ECE."""

    edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray
    ece: float


def calibration(probs: np.ndarray, labels: np.ndarray, n_bins: int = 10) -> Calibration:
    """Bin the top-class probability into ``n_bins`` equal-width bins over [0, 1] (right edges included)."""
    probs, labels = _check_probs(probs, labels)
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(float)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    safe = np.maximum(count, 1)
    mean_conf = np.bincount(which, weights=conf, minlength=n_bins) / safe
    mean_acc = np.bincount(which, weights=correct, minlength=n_bins) / safe
    ece = float(np.sum(count / len(conf) * np.abs(mean_acc - mean_conf)))
    nan = np.where(count > 0, 1.0, np.nan)
    return Calibration(edges, mean_conf * nan, mean_acc * nan, count, ece)


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, n_bins: int = 10) -> float:
    """The ECE of :func:`calibration`."""
    return calibration(probs, labels, n_bins).ece


def ece_measurement(probs: np.ndarray, labels: np.ndarray, n_bins: int = 10, n_boot: int = 500,
                    seed: int = 0) -> Measurement:
    """ECE with a bootstrap standard error."""
    return bootstrap_ci(lambda p, y: expected_calibration_error(p, y, n_bins), np.asarray(probs), np.asarray(labels),
                        n_boot=n_boot, seed=seed)


def rotation_agreement(probs: np.ndarray, probs_rotated: np.ndarray) -> float:
    """Fraction of galaxies given the same class before and after a rotation (1 = rotation-invariant)."""
    a, b = np.asarray(probs), np.asarray(probs_rotated)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"both predictions must be (n, C) of the same shape, got {a.shape} and {b.shape}")
    return float(np.mean(a.argmax(1) == b.argmax(1)))


def confident_mistakes(probs: np.ndarray, labels: np.ndarray, k: int = 8) -> np.ndarray:
    """Indices of the ``k`` wrong predictions with the highest top-class probability."""
    probs, labels = _check_probs(probs, labels)
    wrong = np.flatnonzero(probs.argmax(1) != labels)
    order = np.argsort(-probs[wrong].max(1), kind="stable")
    return wrong[order[:k]]
