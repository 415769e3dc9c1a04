"""coursekit.metrics: shared figures of merit, checked against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from coursekit.metrics import (
    Measurement,
    accuracy_from_logits,
    binomial_err,
    bootstrap_ci,
    difference,
    threshold_at_fap,
)


def test_accuracy_binary_and_multiclass():
    # binary: logit > 0 means class 1; 3 of 4 right
    assert accuracy_from_logits(np.array([2.0, -1.0, 0.5, -0.2]), np.array([1, 0, 0, 0])) == 0.75
    assert accuracy_from_logits(torch.tensor([[2.0], [-1.0]]), torch.tensor([[1.0], [0.0]])) == 1.0
    assert accuracy_from_logits(torch.tensor([0.0]), torch.tensor([1])) == 0.0  # p = 0.5 is not class 1
    # multiclass: argmax; rows 0 and 2 right
    logits = torch.tensor([[0.1, 2.0, 0.3], [1.0, 0.0, 0.0], [0.0, 0.0, 5.0]])
    assert accuracy_from_logits(logits, torch.tensor([1, 2, 2])) == pytest.approx(2 / 3)


def test_accuracy_rejects_bad_shapes():
    with pytest.raises(ValueError, match="shape"):
        accuracy_from_logits(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="empty"):
        accuracy_from_logits(np.zeros(0), np.zeros(0))


def test_threshold_at_fap_by_hand():
    scores = np.arange(1, 11, dtype=float)  # 10 background scores 1..10
    # k = ceil(0.1 * 10) = 1: the loudest; nothing above it
    assert threshold_at_fap(scores, 0.1) == 10.0
    # k = ceil(0.2 * 10) = 2 -> 9; exactly one score (10) is strictly above: 0.1 <= 0.2
    assert threshold_at_fap(scores[::-1], 0.2) == 9.0
    # k = ceil(0.25 * 10) = 3 -> 8; two above: 0.2 <= 0.25
    assert threshold_at_fap(scores, 0.25) == 8.0
    # the measured false-alarm probability never exceeds fap
    rng = np.random.default_rng(1)
    bg = rng.normal(size=1000)
    for fap in (0.001, 0.01, 0.037, 0.5):
        t = threshold_at_fap(bg, fap)
        assert np.mean(bg > t) <= fap
        assert np.mean(bg >= t) >= fap  # and it is the tightest such order statistic
    # conservative against np.quantile's interpolation
    assert threshold_at_fap(bg, 0.01) >= np.quantile(bg, 0.99)


def test_threshold_at_fap_refuses():
    with pytest.raises(ValueError, match="at least 100"):
        threshold_at_fap(np.zeros(50), 0.01)
    with pytest.raises(ValueError, match=r"\(0, 1\)"):
        threshold_at_fap(np.zeros(50), 1.0)
    with pytest.raises(ValueError, match="finite"):
        threshold_at_fap(np.array([1.0, np.nan]), 0.5)


def test_binomial_err():
    assert binomial_err(25, 100) == pytest.approx(math.sqrt(0.25 * 0.75 / 100))
    assert binomial_err(0, 100) == pytest.approx(0.01)
    assert binomial_err(100, 100) == pytest.approx(0.01)
    with pytest.raises(ValueError):
        binomial_err(5, 4)


def test_measurement_str_and_difference():
    assert str(Measurement(0.93412, 0.0121)) == "0.934 ± 0.012"
    assert str(Measurement(12.3456, 0.52, "s")) == "12.35 ± 0.52 s"
    assert str(Measurement(1234.5, 25)) == "1234 ± 25"
    assert str(Measurement(0.5, 0.0)) == "0.5"
    assert f"{Measurement(0.93412, 0.0121):>15}" == "  0.934 ± 0.012"
    assert f"{Measurement(0.93412, 0.0121, 'mag'):.2f}" == "0.93 ± 0.01 mag"
    assert f"{Measurement(0.5, 0.25):.0%}" == "50% ± 25%"
    d = difference(Measurement(0.9, 0.03), Measurement(0.8, 0.04))
    assert d.value == pytest.approx(0.1) and d.err == pytest.approx(0.05)
    with pytest.raises(ValueError, match="units"):
        difference(Measurement(1, 0.1, "s"), Measurement(1, 0.1, "m"))
    with pytest.raises(ValueError, match="negative"):
        Measurement(1, -0.1)
    assert Measurement(1, 0.1, "s").to_dict() == {"value": 1.0, "err": 0.1, "unit": "s"}


def test_bootstrap_matches_the_analytic_standard_error():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=400)
    m = bootstrap_ci(np.mean, x, n_boot=2000, seed=1)
    assert m.value == pytest.approx(x.mean())
    assert m.err == pytest.approx(x.std(ddof=1) / math.sqrt(len(x)), rel=0.1)  # 2 / 20 = 0.1
    # paired: accuracy of 0/1 outcomes ~ binomial error
    y = (rng.random(500) < 0.8).astype(float)
    pred = np.ones(500)
    acc = bootstrap_ci(lambda a, b: np.mean(a == b), y, pred, seed=2)
    assert acc.err == pytest.approx(binomial_err(int(y.sum()), 500), rel=0.15)
    # same seed, same answer
    assert bootstrap_ci(np.mean, x, seed=3) == bootstrap_ci(np.mean, x, seed=3)


def test_bootstrap_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        bootstrap_ci(lambda a, b: 0.0, np.zeros(3), np.zeros(4))


def test_seed_mean_adds_the_seed_scatter_to_the_test_set_error():
    from coursekit.metrics import Measurement, seed_mean

    ms = [Measurement(v, 0.04) for v in (0.04, 0.10, 0.16)]
    m = seed_mean(ms)
    assert m.value == pytest.approx(0.10)
    # scatter 0.06 over 3 seeds -> 0.0346; the shared test-set error 0.04 does not average down
    assert m.err == pytest.approx(math.sqrt(0.06**2 / 3 + 0.04**2))
    assert seed_mean([Measurement(0.2, 0.01, "dex")]) == Measurement(0.2, 0.01, "dex")
    with pytest.raises(ValueError, match="at least one"):
        seed_mean([])
    with pytest.raises(ValueError, match="different units"):
        seed_mean([Measurement(1, 0.1, "s"), Measurement(1, 0.1, "d")])
