"""Scores for planet classifiers: ROC and precision-recall curves, AUC, accuracy, failure breakdowns."""

from __future__ import annotations

from typing import Any

import numpy as np


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


def classification_metrics(label: np.ndarray, score: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    """AUC (ROC), average precision, and accuracy / precision / recall at ``threshold``.

    label: (n,) 1 = planet. score: (n,) higher = more planet-like (probability or any ranking score).
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    label, score = _check(label, score)
    pred = score >= threshold
    tp = int((pred & (label == 1)).sum())
    return {
        "auc": float(roc_auc_score(label, score)),
        "average_precision": float(average_precision_score(label, score)),
        "accuracy": float((pred == (label == 1)).mean()),
        "precision": tp / max(int(pred.sum()), 1),
        "recall": tp / max(int((label == 1).sum()), 1),
        "threshold": float(threshold),
    }


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
