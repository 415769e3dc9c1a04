"""coursekit.sbi.inference / analysis / plots: NPE wiring, C2ST, calibration bookkeeping, summaries."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from coursekit.sbi.analysis import degeneracy_exponent, s8, widths_vs_volume
from coursekit.sbi.inference import (
    Calibration,
    NPEConfig,
    c2st_to_reference,
    calibration,
    features,
    train_posterior,
)
from coursekit.sbi.simulate import PLANCK18_THETA, PRIOR_HIGH, PRIOR_LOW, sample_prior, simulate

TINY = NPEConfig(n_simulations=1000, hidden_features=16, num_transforms=2, training_batch_size=250,
                 max_epochs=3, stop_after_epochs=2)


@pytest.fixture(scope="module")
def training_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("npe_cwd")


@pytest.fixture(scope="module")
def tiny_posterior(training_dir):
    import os
    import warnings

    cwd = os.getcwd()
    os.chdir(training_dir)  # trained from here: sbi must leave no files behind (see the test below)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Maximum number of epochs")
            return train_posterior(config=TINY, seed=0, show_progress=False)
    finally:
        os.chdir(cwd)


def test_training_writes_no_tensorboard_logs(tiny_posterior, training_dir):
    import inspect

    from sbi.inference import NPE

    if "tracker" not in inspect.signature(NPE.__init__).parameters:
        pytest.skip("this sbi has no tracker argument; it writes ./sbi-logs")
    assert list(training_dir.iterdir()) == []


def test_import_sbi_inside_coursekit_sbi_is_the_library(tiny_posterior):
    # coursekit/sbi/inference.py did `from sbi.inference import NPE`: an absolute import of the library
    lib = sys.modules["sbi"]
    assert "coursekit" not in lib.__file__
    from sbi.inference import NPE, DirectPosterior

    assert NPE.__module__.startswith("sbi.")
    assert isinstance(tiny_posterior.posterior, DirectPosterior)


def test_train_posterior_shapes_and_prior_support(tiny_posterior):
    tp = tiny_posterior
    assert tp.n_simulations == 1000 and 1 <= tp.epochs <= 4  # sbi may run one epoch past max_num_epochs
    assert len(tp.train_loss) == tp.epochs
    hist = tp.history()
    assert hist.epochs == tp.epochs and hist.best_epoch == int(np.argmin(tp.val_loss))
    x_obs = simulate(PLANCK18_THETA, 0)
    samples = tp.sample(200, x_obs, seed=1)
    assert samples.shape == (200, 2)
    assert np.all(samples >= PRIOR_LOW - 1e-6) and np.all(samples <= PRIOR_HIGH + 1e-6)
    batched = tp.sample_batched(50, simulate(sample_prior(3, 1), 2))
    assert batched.shape == (50, 3, 2)
    assert tp.log_prob(samples[:5], x_obs).shape == (5,)


def test_train_posterior_rejects_bad_input(tiny_posterior):
    with pytest.raises(ValueError, match="both theta and x"):
        train_posterior(theta=np.zeros((10, 2)), config=TINY)
    with pytest.raises(ValueError, match=r"x must have shape \(10, 12\)"):
        train_posterior(theta=sample_prior(10, 0), x=np.ones((10, 5)), config=TINY)
    with pytest.raises(ValueError, match=r"x_obs must have shape \(12,\)"):
        tiny_posterior.sample(10, np.ones(7))


def test_features_are_log_band_powers():
    x = np.array([[100.0, np.e**3], [-5.0, 1.0]])
    np.testing.assert_allclose(features(x), [[np.log(100.0), 3.0], [0.0, 0.0]])
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(features(torch.tensor(x)).numpy(), features(x))


def test_c2st_half_for_same_distribution_and_one_for_disjoint(rng):
    a = rng.normal(size=(600, 2))
    b = rng.normal(size=(600, 2))
    assert c2st_to_reference(a, b) < 0.58
    assert c2st_to_reference(a, b + 5.0) > 0.98
    with pytest.raises(ValueError, match="same d"):
        c2st_to_reference(a, b[:, :1])


def _calib(ranks, hpd, n=100):
    return Calibration(ranks=ranks, ks_pvals=np.array([0.5, 0.5]), hpd_ranks=hpd, n_samples=n,
                       tarp_ecp=np.linspace(0, 1, 5), tarp_alpha=np.linspace(0, 1, 5), tarp_atc=0.0,
                       tarp_ks_pval=1.0)


def test_coverage_from_hpd_ranks_by_hand():
    # truth's density beats 90, 50, 20 and 10 of 100 samples: inside the 68% region iff rank >= 32
    cal = _calib(np.zeros((4, 2)), np.array([90.0, 50.0, 20.0, 10.0]))
    assert cal.coverage([0.68])[0] == pytest.approx(0.5)
    assert cal.coverage([0.95])[0] == pytest.approx(1.0)  # every rank >= 5
    assert cal.coverage([0.95, 0.1])[1] == pytest.approx(0.25)  # only rank 90 >= 90


def test_verdict_lines():
    rng = np.random.default_rng(0)
    good = _calib(np.zeros((200, 2)), rng.uniform(0, 100, 200))
    assert good.verdict().startswith("CALIBRATED")
    over = _calib(np.zeros((200, 2)), rng.uniform(0, 100, 200) ** 2 / 100)  # truth too often improbable
    assert "overconfident" in over.verdict()
    bad_ks = Calibration(**{**good.__dict__, "ks_pvals": np.array([0.001, 0.5])})
    assert "not uniform" in bad_ks.verdict()


def test_calibration_runs_end_to_end(tiny_posterior):
    cal = calibration(tiny_posterior, n_tests=20, n_samples=50, seed=3)
    assert cal.ranks.shape == (20, 2) and cal.hpd_ranks.shape == (20,)
    assert np.all((cal.ranks >= 0) & (cal.ranks <= 50))
    assert cal.ks_pvals.shape == (2,)
    assert cal.tarp_ecp.shape == cal.tarp_alpha.shape
    cov = cal.coverage([0.0, 1.0])
    assert cov[0] == pytest.approx(0.0) and cov[1] == pytest.approx(1.0)


def test_degeneracy_exponent_recovers_a_planted_direction(rng):
    # ln sigma_8 + 0.5 ln Omega_m tightly constrained, the orthogonal direction loose
    ln_om = np.log(0.3) + 0.2 * rng.normal(size=5000)
    ln_s8 = np.log(0.8) - 0.5 * (ln_om - np.log(0.3)) + 0.002 * rng.normal(size=5000)
    alpha = degeneracy_exponent(np.exp(np.stack([ln_om, ln_s8], axis=1)))
    assert alpha == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ValueError, match="positive"):
        degeneracy_exponent(np.array([[0.3, -0.8], [0.2, 0.8], [0.1, 0.7]]))


def test_s8_by_hand():
    np.testing.assert_allclose(s8(np.array([[0.3, 0.8], [0.6, 0.5]])), [0.8, 0.5 * np.sqrt(2)])


def test_widths_vs_volume_shape_and_order():
    w = widths_vs_volume([1e8, 1e9])
    assert w.shape == (2, 2)
    assert np.all(w[1] < w[0])


def test_plots_return_axes(tiny_posterior):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from coursekit.sbi.plots import plot_band_powers, plot_coverage, plot_pair, plot_sbc_ranks, plot_widths_vs_volume
    from coursekit.sbi.reference import reference_posterior

    x_obs = simulate(PLANCK18_THETA, 0)
    ref = reference_posterior(x_obs)
    assert plot_band_powers(x_obs, others=[(0.2, 0.7)]) is not None
    axes = plot_pair(ref.sample(500, 0), ref, truth=PLANCK18_THETA)
    assert axes.shape == (2, 2)
    cal = calibration(tiny_posterior, n_tests=10, n_samples=20)
    assert plot_sbc_ranks(cal) is not None and plot_coverage(cal) is not None
    assert plot_widths_vs_volume([1e8, 1e9], np.array([[0.02, 0.01], [0.006, 0.003]]), 1e8, [0.02, 0.01])
    plt.close("all")



@pytest.mark.slow
def test_npe_matches_the_exact_posterior_at_the_fiducial():
    """Ground truth: the reduced NPE configuration must be hard to tell from the exact posterior (C2ST <= 0.6)."""
    from coursekit.sbi.inference import npe_config
    from coursekit.sbi.reference import reference_posterior

    cfg = npe_config("reduced")
    trained = train_posterior(config=cfg, seed=0, show_progress=False)
    x_obs = simulate(PLANCK18_THETA, 7)
    exact = reference_posterior(x_obs)
    npe = trained.sample(2000, x_obs, seed=0)
    assert c2st_to_reference(npe, exact.sample(2000, 1)) <= 0.60
    np.testing.assert_allclose(npe.mean(0), exact.mean(), atol=0.3 * exact.std().max())
    np.testing.assert_allclose(npe.std(0), exact.std(), rtol=0.5)


def test_npe_config_per_mode():
    from coursekit.sbi.inference import npe_config

    reduced, full = npe_config("reduced"), npe_config("full")
    assert reduced.n_simulations == 10000 and reduced.n_sbc >= 200
    assert full.n_simulations > reduced.n_simulations and full.n_sbc >= reduced.n_sbc
