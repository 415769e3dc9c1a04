"""coursekit.sbi.simulate: shapes, statistics, errors, the three problems and the noise model."""

from __future__ import annotations

import time

import numpy as np
import pytest

from coursekit.sbi.power import linear_power
from coursekit.sbi.simulate import (
    FIDUCIAL_SURVEY,
    PLANCK18_THETA,
    PRIOR_HIGH,
    PRIOR_LOW,
    PROBLEMS,
    TOY_AMPLITUDE,
    Survey,
    band_power_model,
    band_power_sigma,
    check_theta,
    get_problem,
    grf_band_powers,
    noisy_band_powers,
    prior,
    sample_prior,
    simulate,
    simulate_dataset,
)


def test_mode_counting_by_hand():
    s = Survey(volume=1e9, k_min=0.1, k_max=0.2, n_bins=1)
    # V * 4 pi k^2 dk / (2 pi)^3 integrated: V (k2^3 - k1^3) / (6 pi^2)
    assert s.n_modes[0] == pytest.approx(1e9 * (0.2**3 - 0.1**3) / (6 * np.pi**2))
    assert s.k_eff[0] == pytest.approx(0.75 * (0.2**4 - 0.1**4) / (0.2**3 - 0.1**3))
    assert s.shot_noise == pytest.approx(1 / 5e-4)


def test_band_power_model_is_shell_average():
    s = FIDUCIAL_SURVEY
    model = band_power_model(PLANCK18_THETA, s, exact=True)[0]
    np.testing.assert_allclose(band_power_model(PLANCK18_THETA, s)[0], model, rtol=1e-6)  # the spline
    theta = sample_prior(200, 4)
    np.testing.assert_allclose(band_power_model(theta, s), band_power_model(theta, s, exact=True), rtol=1e-6)
    for i in range(0, 12, 3):
        k = np.linspace(s.k_edges[i], s.k_edges[i + 1], 2001)
        p = linear_power(k, *PLANCK18_THETA)[0]
        avg = np.trapezoid(p * k**2, k) / np.trapezoid(k**2, k)
        assert model[i] == pytest.approx(avg, rel=1e-4)


def test_simulate_shapes_and_types():
    x1 = simulate(PLANCK18_THETA, 0)
    assert x1.shape == (FIDUCIAL_SURVEY.n_bins,)
    theta = sample_prior(7, 1)
    x = simulate(theta, 2)
    assert x.shape == (7, FIDUCIAL_SURVEY.n_bins)
    torch = pytest.importorskip("torch")
    xt = simulate(torch.as_tensor(theta, dtype=torch.float32), 2)
    assert isinstance(xt, torch.Tensor) and xt.dtype == torch.float32 and xt.shape == (7, 12)


def test_simulate_is_reproducible_and_seed_is_required():
    theta = sample_prior(5, 3)
    np.testing.assert_array_equal(simulate(theta, 11), simulate(theta, 11))
    assert not np.array_equal(simulate(theta, 11), simulate(theta, 12))
    with pytest.raises(ValueError, match="seed"):
        simulate(theta, None)


def test_simulated_mean_and_variance_match_the_gaussian_model():
    n = 20000
    theta = np.tile(PLANCK18_THETA, (n, 1))
    x = simulate(theta, 5)
    model = band_power_model(PLANCK18_THETA)[0]
    sig = band_power_sigma(model)
    # mean within 5 standard errors, variance within 5%
    assert np.all(np.abs(x.mean(0) - model) < 5 * sig / np.sqrt(n))
    np.testing.assert_allclose(x.std(0) / sig, 1.0, atol=0.05)
    # cosmic variance by hand: 2 (P + 1/n)^2 / N_modes
    np.testing.assert_allclose(sig**2, 2 * (model + 1 / 5e-4) ** 2 / FIDUCIAL_SURVEY.n_modes)


def test_out_of_prior_and_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="outside the prior box"):
        simulate(np.array([0.05, 0.8]), 0)
    with pytest.raises(ValueError, match="outside the prior box"):
        simulate(np.array([[0.3, 0.8], [0.3, 1.2]]), 0)
    with pytest.raises(ValueError, match=r"shape \(2,\) or \(n, 2\)"):
        simulate(np.ones((4, 3)) * 0.3, 0)
    with pytest.raises(ValueError, match="NaN"):
        check_theta([np.nan, 0.8])
    with pytest.raises(ValueError, match="k_min < k_max"):
        Survey(k_min=0.3, k_max=0.2)


def test_simulator_speed_exceeds_10k_per_second():
    theta = sample_prior(20000, 0)
    simulate(theta[:10], 0)  # warm the sigma_8 spline cache
    t0 = time.perf_counter()
    simulate(theta, 1)
    rate = 20000 / (time.perf_counter() - t0)
    assert rate > 10000, f"{rate:.0f} simulations/s (the machine may be heavily loaded)"


def test_prior_box():
    p = prior()
    s = p.sample((1000,)).numpy()
    assert s.shape == (1000, 2)
    assert np.all(s >= PRIOR_LOW - 1e-6) and np.all(s <= PRIOR_HIGH + 1e-6)
    with pytest.raises(ValueError, match="high > low"):
        prior(low=[0.5, 0.6], high=[0.1, 1.0])


def test_simulate_dataset_generator():
    d = simulate_dataset(n=50, seed=3)
    assert d["theta"].shape == (50, 2) and d["x"].shape == (50, 12) and d["k"].shape == (12,)


def test_grf_on_a_grid_reproduces_band_power_statistics():
    s = Survey(volume=1e9, n_bar=5e-4, k_min=0.02, k_max=0.14, n_bins=6)
    model = band_power_model(PLANCK18_THETA, s)[0]
    runs = np.array([grf_band_powers(PLANCK18_THETA, seed, s, n_mesh=48)[0] for seed in range(12)])
    _, counts = grf_band_powers(PLANCK18_THETA, 0, s, n_mesh=48)
    np.testing.assert_allclose(counts / s.n_modes, 1.0, atol=0.1)  # mode counting on the grid
    sig_mean = band_power_sigma(model, s) / np.sqrt(len(runs))
    assert np.all(np.abs(runs.mean(0) - model) < 5 * sig_mean)
    with pytest.raises(ValueError, match="Nyquist"):
        grf_band_powers(PLANCK18_THETA, 0, s, n_mesh=8)


def test_noisy_band_powers_by_hand():
    """sigma_i = sqrt(2 / N_i) (P_i + 1/n_bar) with N_i = V (k2^3 - k1^3) / (6 pi^2), one standard-normal draw."""
    edges = np.array([0.1, 0.2])
    n_modes = 1e9 * (0.2**3 - 0.1**3) / (6 * np.pi**2)  # 37,620 wave vectors
    power = np.array([[1000.0]])
    eps = np.random.default_rng(3).standard_normal((1, 1))
    got = noisy_band_powers(power, edges, 1e9, 1e-3, np.random.default_rng(3))
    assert got[0, 0] == pytest.approx(1000.0 + np.sqrt(2 / n_modes) * (1000.0 + 1000.0) * eps[0, 0])
    with pytest.raises(ValueError, match="bins"):
        noisy_band_powers(np.ones((1, 3)), edges, 1e9, 1e-3, np.random.default_rng(0))


def test_simulate_is_noisy_band_powers_of_the_model():
    theta = sample_prior(5, 1)
    s = FIDUCIAL_SURVEY
    expected = noisy_band_powers(band_power_model(theta, s), s.k_edges, s.volume, s.n_bar, np.random.default_rng(4))
    np.testing.assert_array_equal(simulate(theta, 4, s), expected)


def test_toy_spectrum_measures_only_the_product():
    """The guide's toy P = A sigma_8 Omega_m k^-2: two parameter sets with the same product give the same data."""
    s = FIDUCIAL_SURVEY
    a = band_power_model([0.2, 0.9], s, problem="toy")
    b = band_power_model([0.3, 0.6], s, problem="toy")
    np.testing.assert_allclose(a, b, rtol=1e-12)
    np.testing.assert_array_equal(simulate([0.2, 0.9], 5, s, "toy"), simulate([0.3, 0.6], 5, s, "toy"))
    # one shell by hand: k^-2 averaged with weight k^2 over [k1, k2] is 3 / (k1^2 + k1 k2 + k2^2)
    one = Survey(k_min=0.1, k_max=0.2, n_bins=1)
    expected = TOY_AMPLITUDE * 0.06 * 3 / (0.01 + 0.02 + 0.04)
    assert band_power_model([0.1, 0.6], one, problem="toy")[0, 0] == pytest.approx(expected)


def test_bias_problem_is_b_squared_times_matter():
    s = FIDUCIAL_SURVEY
    gal = band_power_model([0.3, 0.8, 1.7], s, problem="bias")
    np.testing.assert_allclose(gal, 1.7**2 * band_power_model([0.3, 0.8], s), rtol=1e-12)
    # only b sigma_8 enters
    np.testing.assert_allclose(band_power_model([0.3, 0.68, 2.0], s, problem="bias"),
                               band_power_model([0.3, 0.8, 1.7], s, problem="bias"), rtol=1e-12)
    x = simulate(sample_prior(7, 0, "bias"), 1, s, "bias")
    assert x.shape == (7, s.n_bins)


def test_problems_have_consistent_boxes():
    for name, prob in PROBLEMS.items():
        assert get_problem(name) is prob and prob.dim == len(prob.labels) == len(prob.low) == len(prob.fiducial)
        assert np.all(prob.low_array < prob.fiducial) and np.all(prob.fiducial < prob.high_array)
        th = sample_prior(500, 0, name)
        assert th.shape == (500, prob.dim) and np.all(th >= prob.low_array) and np.all(th <= prob.high_array)
    with pytest.raises(ValueError, match="unknown problem"):
        get_problem("lensing")
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        check_theta([0.3, 0.8], problem="bias")
    with pytest.raises(ValueError, match="outside the prior box.*b in \\[1, 2\\]"):
        check_theta([0.3, 0.8, 2.5], problem="bias")
