"""coursekit.sbi.baseline: the exact posterior on a grid (2 and 3 parameters), emcee, widths versus volume."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.sbi.baseline import (
    GridPosterior,
    log_likelihood,
    mcmc_posterior,
    reference_posterior,
    widths_vs_volume,
)
from coursekit.sbi.simulate import (
    FIDUCIAL_SURVEY,
    PLANCK18_THETA,
    Survey,
    band_power_model,
    band_power_sigma,
    simulate,
)


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
    chain = mcmc_posterior(x, n_walkers=24, n_steps=1500, burn=300, seed=1)
    assert chain.shape == (24 * 1200, 2)
    np.testing.assert_allclose(chain.mean(0), grid.mean(), atol=0.1 * grid.std().max())
    np.testing.assert_allclose(chain.std(0), grid.std(), rtol=0.08)
    with pytest.raises(ValueError, match="burn"):
        mcmc_posterior(x, n_steps=10, burn=10)


def test_widths_vs_volume_shape_and_order():
    w = widths_vs_volume([1e8, 1e9])
    assert w.shape == (2, 2)
    assert np.all(w[1] < w[0])


def test_toy_posterior_is_a_ridge_along_the_product():
    """Exact toy posterior: sigma_8 Omega_m tightly measured, each parameter alone loose (the guide's degeneracy)."""
    x = band_power_model([0.315, 0.811], FIDUCIAL_SURVEY, problem="toy")[0]
    post = reference_posterior(x, problem="toy")
    prod_mean, prod_std = post.function_moments(lambda t: t[:, 0] * t[:, 1])
    assert prod_mean == pytest.approx(0.315 * 0.811, rel=0.01)
    assert prod_std / prod_mean < 0.03
    assert post.std()[1] > 0.08  # sigma_8 spread over much of the box [0.6, 1.0]
    # on the ridge the likelihood is flat: two points with the same product have the same ln L
    a, b = log_likelihood([[0.2555 / 0.7, 0.7], [0.2555 / 0.9, 0.9]], x, problem="toy")
    assert a == pytest.approx(b, abs=1e-9)


def test_bias_marginal_equals_summing_the_grid():
    x = simulate([0.315, 0.811, 1.5], 7, FIDUCIAL_SURVEY, "bias")
    post = reference_posterior(x, problem="bias")
    assert post.prob.ndim == 3 and post.prob.sum() == pytest.approx(1.0)
    marg = post.marginal((0, 1))
    np.testing.assert_allclose(marg.prob, post.prob.sum(axis=2))
    np.testing.assert_allclose(post.marginal((1, 0)).prob, marg.prob.T)
    bs8, err = post.function_moments(lambda t: t[:, 1] * t[:, 2])
    assert bs8 == pytest.approx(0.811 * 1.5, abs=4 * err) and err / bs8 < 0.02
    assert post.std()[1] > 5 * reference_posterior(simulate(PLANCK18_THETA, 7)).std()[1]


def test_grid_posterior_moments_by_hand():
    post = GridPosterior((np.array([0.0, 1.0]), np.array([0.0, 2.0])), np.array([[0.25, 0.25], [0.0, 0.5]]))
    np.testing.assert_allclose(post.mean(), [0.5, 1.5])
    np.testing.assert_allclose(post.std(), [0.5, np.sqrt(0.75)])
    m, s = post.function_moments(lambda t: t[:, 0] + t[:, 1])  # values 0, 2, (1), 3 with p .25 .25 0 .5
    assert m == pytest.approx(2.0) and s == pytest.approx(np.sqrt(0.25 * 4 + 0.25 * 0 + 0.5 * 1))


def test_a_posterior_narrower_than_the_grid_is_refused():
    s = FIDUCIAL_SURVEY.with_volume(1e14)
    with pytest.raises(ValueError, match="narrower than two grid cells"):
        reference_posterior(band_power_model(PLANCK18_THETA, s)[0], s, n_grid=31, n_coarse=21)
