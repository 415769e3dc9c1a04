"""Tests of coursekit.astro.metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.table import Table

from coursekit.astro.baseline import fit_concentration_cut
from coursekit.astro.detect import Match
from coursekit.astro.metrics import (
    accuracy,
    accuracy_above,
    completeness,
    false_detections,
    match_summary,
    paired_accuracy_difference,
    proportion,
)


def test_match_summary_hand_computed():
    truth = Table({"x": [0.0, 10.0, 20.0, 30.0], "y": [0.0, 0.0, 0.0, 0.0], "mag": [18.0, 19.0, 20.0, 23.0]})
    det = Table({"x": [0.3, 10.0, 29.0], "y": [0.4, 0.0, 0.0]})
    m = Match(index=np.array([0, 1, -1, 2]), separation=np.array([0.2, 0.0, 9.0, 0.4]) * u.arcsec,
              matched=np.array([True, True, False, True]), max_sep=1 * u.arcsec)
    s = match_summary(truth, det, m, None, mag_limit=20.0)
    assert s["completeness"] == pytest.approx(2 / 3)
    assert s["rms_px"] == pytest.approx(np.sqrt((0.5**2 + 0) / 2))
    assert s["purity"] == pytest.approx(1.0) and s["n_bright"] == 3


def test_accuracy_above_hand_computed():
    pred = np.array([1, 0, 1, 1], bool)
    truth = np.array([1, 0, 0, 0])
    mag = np.array([18.0, 19.0, 20.0, 23.0])
    assert accuracy_above(pred, truth, mag, 20.0) == pytest.approx(2 / 3)
    assert np.isnan(accuracy_above(pred, truth, mag, 10.0))
    t = Table({"concentration": [0.9, 0.8, 0.3, 0.2]})
    assert 0.3 <= fit_concentration_cut(t, [0, 0, 1, 1]) <= 0.8

def test_proportion_accuracy_completeness_hand_computed():
    p = proportion(75, 100)
    assert p.value == 0.75 and p.err == pytest.approx(np.sqrt(0.75 * 0.25 / 100))
    assert proportion(4, 4).err == pytest.approx(0.25)  # binomial_err's floor: 4/4 does not claim zero error
    assert np.isnan(proportion(0, 0).value)
    a = accuracy(np.array([1, 0, 1, 1], bool), np.array([1, 0, 0, 1]))
    assert a.value == 0.75
    with pytest.raises(ValueError, match="shape"):
        accuracy(np.ones(3, bool), np.ones(4))
    truth = Table({"mag": [18.0, 19.0, 20.0, 23.0]})
    m = Match(index=np.array([0, 1, -1, 2]), separation=np.zeros(4) * u.arcsec,
              matched=np.array([True, True, False, True]), max_sep=1 * u.arcsec)
    assert completeness(truth, m, 20.0).value == pytest.approx(2 / 3)
    assert completeness(truth, m, np.inf).value == pytest.approx(3 / 4)
    assert false_detections(m, 5) == 2


def test_paired_accuracy_difference():
    y = np.array([1, 0] * 50, bool)
    a = y.copy()
    b = y.copy()
    b[:20] = ~b[:20]                      # b wrong on 20 of 100
    d = paired_accuracy_difference(y, a, b, n_boot=200)
    assert d.value == pytest.approx(0.20) and 0.02 < d.err < 0.06   # sqrt(0.2 * 0.8 / 100) = 0.04
    same = paired_accuracy_difference(y, b, b, n_boot=50)
    assert same.value == 0 and same.err == 0
    with pytest.raises(ValueError, match="one prediction per source"):
        paired_accuracy_difference(y, a[:5], b)



def test_describe_difference():
    from coursekit.astro.metrics import describe_difference
    from coursekit.metrics import Measurement

    assert describe_difference(Measurement(0.012, 0.004)) == "+0.012 ± 0.004 (3.0 sigma: significant at 2 sigma)"
    assert describe_difference(Measurement(-0.005, 0.004)).endswith("(1.2 sigma: not significant at 2 sigma)")
    assert describe_difference(Measurement(0.0, 0.0)) == "0 (they agree on every source)"
    assert "too few sources" in describe_difference(Measurement(0.01, 0.0))
    assert "not measured" in describe_difference(Measurement(float("nan"), 0.0))
