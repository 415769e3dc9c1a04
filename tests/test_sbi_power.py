"""coursekit.sbi.power: the vectorised Eisenstein & Hu spectrum against pyccl and analytic limits."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.sbi.power import (
    PLANCK18,
    ccl_linear_power,
    eisenstein_hu_transfer,
    linear_power,
    sigma_r,
    top_hat_window,
)


def test_planck18_fixed_values():
    assert PLANCK18.h == pytest.approx(0.6736)
    assert PLANCK18.omega_b == pytest.approx(0.02237)
    assert PLANCK18.n_s == pytest.approx(0.9649)
    assert PLANCK18.omega_b_frac == pytest.approx(0.02237 / 0.6736**2)


@pytest.mark.parametrize("omega_m", [0.1, 0.2, 0.315, 0.4, 0.5])
@pytest.mark.parametrize("sigma8", [0.6, 0.811, 1.0])
def test_matches_pyccl_within_0p1_percent_over_the_prior(omega_m, sigma8):
    k = np.geomspace(1e-3, 1.0, 120)  # h/Mpc, well beyond the simulator's 0.02-0.2
    ref = ccl_linear_power(k, omega_m, sigma8)
    mine = linear_power(k, omega_m, sigma8)[0]
    assert np.max(np.abs(mine / ref - 1)) < 1e-3


def test_batch_equals_loop_and_random_prior_draws_match_pyccl(rng):
    om = rng.uniform(0.1, 0.5, 6)
    s8 = rng.uniform(0.6, 1.0, 6)
    k = np.geomspace(0.01, 0.3, 40)
    batch = linear_power(k, om, s8)
    assert batch.shape == (6, 40)
    for i in range(6):
        np.testing.assert_allclose(batch[i], linear_power(k, om[i], s8[i])[0], rtol=1e-12)
        np.testing.assert_allclose(batch[i], ccl_linear_power(k, om[i], s8[i]), rtol=1e-3)


def test_transfer_function_limits():
    k = np.array([1e-5, 1e-4, 10.0])
    t = eisenstein_hu_transfer(k, [0.3])[0]
    assert t[0] == pytest.approx(1.0, abs=1e-4)  # T -> 1 on large scales
    assert t[1] == pytest.approx(1.0, abs=1e-3)
    assert t[2] < 1e-2  # strongly suppressed inside the horizon at equality


def test_sigma8_normalisation_is_exact():
    om = np.array([0.15, 0.3, 0.45])
    s8 = np.array([0.7, 0.811, 0.95])
    np.testing.assert_allclose(sigma_r(8.0, om, s8), s8, rtol=1e-6)
    # cached spline in Omega_m agrees with the direct integral
    k = np.geomspace(0.01, 0.3, 20)
    np.testing.assert_allclose(linear_power(k, om, s8), linear_power(k, om, s8, exact_norm=True), rtol=1e-6)


def test_power_scales_as_sigma8_squared():
    k = np.geomspace(0.01, 0.3, 10)
    p1 = linear_power(k, 0.3, 0.6)
    p2 = linear_power(k, 0.3, 0.9)
    np.testing.assert_allclose(p2 / p1, 2.25, rtol=1e-12)


def test_top_hat_window_hand_values():
    np.testing.assert_allclose(top_hat_window(np.array([0.0, 1e-4])), [1.0, 1.0], atol=1e-8)
    x = np.pi
    assert top_hat_window(np.array([x]))[0] == pytest.approx(3 * np.pi / np.pi**3)  # sin=0, cos=-1


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="exceed Omega_b"):
        linear_power(np.array([0.1]), 0.01, 0.8)
    with pytest.raises(ValueError, match="positive wavenumbers"):
        linear_power(np.array([-0.1, 0.1]), 0.3, 0.8)
    with pytest.raises(ValueError, match="equal-length"):
        linear_power(np.array([0.1]), [0.3, 0.2], [0.8, 0.8, 0.8])
