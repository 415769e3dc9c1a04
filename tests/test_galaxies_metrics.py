"""Figures of merit against hand-computed values and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.galaxies.metrics import (
    accuracy,
    accuracy_measurement,
    calibration,
    confident_mistakes,
    confusion_matrix,
    ece_measurement,
    interval95,
    majority_rate,
    paired_difference,
    per_class_report,
    rotation_agreement,
    significance_text,
)
from coursekit.metrics import Measurement


def test_confusion_and_report_by_hand():
    y = np.array([0, 0, 1, 1, 1, 2])
    pred = np.array([0, 1, 1, 1, 2, 2])
    np.testing.assert_array_equal(confusion_matrix(y, pred, 3), [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    np.testing.assert_array_equal(confusion_matrix(y, pred, 4)[3], [0, 0, 0, 0])  # absent class kept
    rep = per_class_report(y, pred, ("a", "b", "c"))
    assert rep["a"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "support": 2}
    assert rep["b"]["precision"] == pytest.approx(2 / 3) and rep["b"]["recall"] == pytest.approx(2 / 3)
    assert rep["c"]["precision"] == 0.5 and rep["c"]["recall"] == 1.0
    never = per_class_report(y, np.zeros(6, int), ("a", "b", "c"))
    assert never["b"]["precision"] == 0.0  # never predicted
    assert accuracy(pred, y) == pytest.approx(4 / 6)
    with pytest.raises(ValueError, match="shape"):
        confusion_matrix(y, pred[:3], 3)


def test_accuracy_measurement_is_binomial():
    y = np.zeros(100, int)
    pred = np.r_[np.zeros(80, int), np.ones(20, int)]
    m = accuracy_measurement(pred, y)
    assert m.value == pytest.approx(0.8) and m.err == pytest.approx(np.sqrt(0.8 * 0.2 / 100))
    assert majority_rate(np.array([0, 1, 1, 1])) == 0.75
    lo, hi = interval95(m)
    assert lo == pytest.approx(0.8 - 1.96 * 0.04)


def test_paired_difference_sees_a_real_gain_and_no_gain():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    onehot = np.eye(3)
    good = onehot[np.where(rng.random(400) < 0.9, y, (y + 1) % 3)]
    bad = onehot[np.where(rng.random(400) < 0.6, y, (y + 1) % 3)]
    d = paired_difference(y, good, bad, n_boot=300)
    assert d.value == pytest.approx(accuracy(good, y) - accuracy(bad, y))
    assert 0.2 < d.value and d.significance > 4 and significance_text(d) == "significant"
    same = paired_difference(y, good, good, n_boot=100)
    assert same.value == 0 and same.err == 0
    # paired is tighter than independent errors in quadrature when both models share the hard galaxies
    close = onehot[np.where(rng.random(400) < 0.97, good.argmax(1), (good.argmax(1) + 1) % 3)]
    paired = paired_difference(y, good, close, n_boot=300)
    independent = np.hypot(accuracy_measurement(good, y).err, accuracy_measurement(close, y).err)
    assert paired.err < 0.7 * independent
    assert significance_text(Measurement(0.01, 0.008)) == "not significant"
    with pytest.raises(ValueError, match="one row per galaxy"):
        paired_difference(y[:10], good, bad)


def test_ece_by_hand():
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.6, 0.4]])
    y = np.array([0, 0, 0, 0])
    cal = calibration(probs, y, n_bins=10)
    # bin (0.8, 0.9]: conf 0.9, acc 2/3 ; bin (0.5, 0.6]: conf 0.6, acc 1
    assert cal.ece == pytest.approx(3 / 4 * abs(2 / 3 - 0.9) + 1 / 4 * abs(1 - 0.6))
    assert cal.count.sum() == 4 and np.isnan(cal.accuracy[0])
    m = ece_measurement(probs, y, n_boot=50)
    assert m.value == pytest.approx(cal.ece) and m.err > 0
    with pytest.raises(ValueError, match="one label each"):
        calibration(probs, y[:3])


def test_rotation_agreement_and_confident_mistakes():
    a = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    b = np.array([[0.8, 0.2], [0.7, 0.3], [0.6, 0.4], [0.1, 0.9]])
    assert rotation_agreement(a, b) == 0.75
    with pytest.raises(ValueError, match="same shape"):
        rotation_agreement(a, b[:2])
    probs = np.array([[0.6, 0.4], [0.2, 0.8], [0.95, 0.05], [0.3, 0.7]])
    y = np.array([1, 1, 1, 0])
    np.testing.assert_array_equal(confident_mistakes(probs, y, k=5), [2, 3, 0])
