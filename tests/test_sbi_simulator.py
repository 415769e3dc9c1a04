"""coursekit.sbi.simulate and coursekit.sbi.reference: shapes, statistics, errors, the exact posterior."""

from __future__ import annotations

import time

import numpy as np
import pytest

from coursekit.sbi.power import linear_power
from coursekit.sbi.reference import log_likelihood, reference_posterior
from coursekit.sbi.simulate import (
    FIDUCIAL_SURVEY,
    PLANCK18_THETA,
    PRIOR_HIGH,
    PRIOR_LOW,
    Survey,
    band_power_model,
    band_power_sigma,
    check_theta,
    grf_band_powers,
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


def test_reference_posterior_recovers_truth_and_is_normalised():
    s = FIDUCIAL_SURVEY
    x = band_power_model(PLANCK18_THETA, s)[0]  # noiseless observation: the posterior peaks at the truth
    post = reference_posterior(x, s)
    assert post.prob.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(post.mean(), PLANCK18_THETA, atol=0.5 * post.std().max())
    samples = post.sample(4000, 0)
    np.testing.assert_allclose(samples.mean(0), post.mean(), atol=0.1 * post.std().max())
    np.testing.assert_allclose(samples.std(0), post.std(), rtol=0.1)
    assert post.levels((0.95, 0.68))[0] < post.levels((0.95, 0.68))[1]


def test_reference_width_shrinks_as_one_over_sqrt_volume():
    widths = []
    for v in (1e8, 1e9):
        s = FIDUCIAL_SURVEY.with_volume(v)
        widths.append(reference_posterior(band_power_model(PLANCK18_THETA, s)[0], s).std())
    ratio = widths[0] / widths[1]
    np.testing.assert_allclose(ratio, np.sqrt(10), rtol=0.15)


def test_log_likelihood_matches_hand_gaussian():
    s = Survey(n_bins=2)
    theta = np.array([[0.3, 0.8]])
    model = band_power_model(theta, s)[0]
    sig = band_power_sigma(model, s)
    x = model + sig * np.array([1.0, -2.0])
    expected = -0.5 * (1 + 4) - 0.5 * np.sum(np.log(2 * np.pi * sig**2))
    assert log_likelihood(theta, x, s)[0] == pytest.approx(expected)
    with pytest.raises(ValueError, match="x_obs must have shape"):
        reference_posterior(np.ones(5), s)



def test_emcee_agrees_with_the_grid_posterior():
    x = simulate(PLANCK18_THETA, 7)
    grid = reference_posterior(x)
    from coursekit.sbi.reference import mcmc_posterior

    chain = mcmc_posterior(x, n_walkers=24, n_steps=1500, burn=300, seed=1)
    assert chain.shape == (24 * 1200, 2)
    np.testing.assert_allclose(chain.mean(0), grid.mean(), atol=0.1 * grid.std().max())
    np.testing.assert_allclose(chain.std(0), grid.std(), rtol=0.08)
    with pytest.raises(ValueError, match="burn"):
        mcmc_posterior(x, n_steps=10, burn=10)
