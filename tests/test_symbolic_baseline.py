"""coursekit.symbolic.baseline: the classical fits, against hand-computed values and known standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.symbolic import baseline as B


def test_power_law_fit_exact_and_with_noise():
    a = np.geomspace(0.2, 40, 50)
    fit = B.power_law_fit(a, 2.0 * a**1.5)
    assert fit.coefficient.value == pytest.approx(2.0) and fit.exponents[0].value == pytest.approx(1.5)
    assert fit.exponents[0].err == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    ps, errs = [], []
    for _ in range(200):
        y = a**1.5 * np.exp(0.05 * rng.normal(size=a.size))
        f = B.power_law_fit(a, y)
        ps.append(f.exponents[0].value)
        errs.append(f.exponents[0].err)
    # the stated standard error matches the scatter over repeats: 0.05 / sqrt(sum (ln a - mean)^2)
    expected = 0.05 / np.sqrt(np.sum((np.log(a) - np.log(a).mean()) ** 2))
    assert np.std(ps) == pytest.approx(expected, rel=0.15) and np.mean(errs) == pytest.approx(expected, rel=0.1)
    m = np.random.default_rng(2).uniform(0.3, 3, a.size)
    two = B.power_law_fit(np.column_stack([a, m]), a**1.5 * m**-0.5)
    assert [e.value for e in two.exponents] == pytest.approx([1.5, -0.5])
    with pytest.raises(ValueError, match="must be > 0"):
        B.power_law_fit(a - 1, a)


def test_hubble_slope():
    v = np.linspace(5000, 30000, 100)
    h = B.hubble_slope(v, v / 70.0)
    assert h.value == pytest.approx(70.0) and h.err == pytest.approx(0.0, abs=1e-9) and h.unit == "km/s/Mpc"
    rng = np.random.default_rng(1)
    d = v / 70.0 * (1 + 0.07 * rng.normal(size=v.size))
    h = B.hubble_slope(v, d)
    assert h.value == pytest.approx(70, abs=3 * h.err) and 0.2 < h.err < 1.0


def test_q0_from_coefficients_by_hand():
    assert B.q0_from_coefficients(13.7, 0.0) == 1.0          # no slope: q0 = 1
    assert B.q0_from_coefficients(13.7, 13.7 / 4) == 0.5     # Einstein-de Sitter: positive slope, decelerating
    assert B.q0_from_coefficients(13.7, 13.7 / 2) == 0.0     # the boundary: slope/constant = 1/2
    assert B.q0_from_coefficients(1.0, 0.775) == pytest.approx(-0.55)  # flat LambdaCDM, Om = 0.3


def test_cosmography_fit_on_an_exact_expansion():
    z = np.linspace(0.02, 0.5, 300)
    ratio = 1000 / 70 * (1 + (1 + 0.55) * z / 2 - 0.27 * z**2)
    c = B.cosmography_fit(z, ratio, n_boot=20)
    assert c.H0.value == pytest.approx(70) and c.q0.value == pytest.approx(-0.55)
    assert c.q0.err < 1e-6


def test_nfw_fit_recovers_rs():
    r = np.geomspace(0.2, 400, 40)
    rho = 5e6 / ((r / 20) * (1 + r / 20) ** 2)
    out = B.nfw_fit(r, rho)
    assert out["rs"].value == pytest.approx(20.0, rel=1e-6) and out["rho0"].value == pytest.approx(5e6, rel=1e-6)
