"""coursekit.sbi.metrics: C2ST with its error, calibration bookkeeping, S_8, degeneracy direction, PPC."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.sbi.metrics import (
    Calibration,
    c2st,
    degeneracy_exponent,
    posterior_predictive_pvalue,
    s8,
)
from coursekit.sbi.simulate import FIDUCIAL_SURVEY, PLANCK18_THETA, band_power_model, band_power_sigma, simulate


def test_c2st_half_for_same_distribution_and_one_for_disjoint(rng):
    a = rng.normal(size=(600, 2))
    b = rng.normal(size=(600, 2))
    same = c2st(a, b)
    assert same.value < 0.58
    assert same.err == pytest.approx(np.sqrt(same.value * (1 - same.value) / 1200), rel=0.01)
    assert c2st(a, b + 5.0).value > 0.98
    with pytest.raises(ValueError, match="same d"):
        c2st(a, b[:, :1])
    with pytest.raises(ValueError, match="at least 10"):
        c2st(a[:5], b[:5])


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
    c = cal.coverage_68()
    assert c.value == pytest.approx(0.5) and c.err == pytest.approx(0.25)  # sqrt(0.5 * 0.5 / 4)


def test_verdict_lines():
    rng = np.random.default_rng(0)
    good = _calib(np.zeros((200, 2)), rng.uniform(0, 100, 200))
    assert good.verdict().startswith("CALIBRATED")
    over = _calib(np.zeros((200, 2)), rng.uniform(0, 100, 200) ** 2 / 100)  # truth too often improbable
    assert "overconfident" in over.verdict()
    bad_ks = Calibration(**{**good.__dict__, "ks_pvals": np.array([0.001, 0.5])})
    assert "not uniform" in bad_ks.verdict()


def test_degeneracy_exponent_recovers_a_planted_direction(rng):
    # ln sigma_8 + 0.5 ln Omega_m tightly constrained, the orthogonal direction loose
    ln_om = np.log(0.3) + 0.2 * rng.normal(size=5000)
    ln_s8 = np.log(0.8) - 0.5 * (ln_om - np.log(0.3)) + 0.002 * rng.normal(size=5000)
    alpha = degeneracy_exponent(np.exp(np.stack([ln_om, ln_s8], axis=1)))
    assert alpha == pytest.approx(0.5, abs=0.02)
    with pytest.raises(ValueError, match="positive"):
        degeneracy_exponent(np.array([[0.3, -0.8], [0.2, 0.8], [0.1, 0.7]]))


def test_degeneracy_exponent_of_the_toy_ridge_is_one():
    from coursekit.sbi.baseline import reference_posterior

    x = band_power_model([0.315, 0.811], FIDUCIAL_SURVEY, problem="toy")[0]
    samples = reference_posterior(x, problem="toy").sample(4000, 0)
    assert degeneracy_exponent(samples) == pytest.approx(1.0, abs=0.1)


def test_s8_by_hand():
    np.testing.assert_allclose(s8(np.array([[0.3, 0.8], [0.6, 0.5]])), [0.8, 0.5 * np.sqrt(2)])


def test_ppc_flags_an_observation_the_model_cannot_make():
    x = simulate(PLANCK18_THETA, 7)
    near_truth = np.tile(PLANCK18_THETA, (400, 1))
    good = posterior_predictive_pvalue(x, near_truth, seed=0)
    # at a single theta the p-value is the chi^2 survival function with n_bins degrees of freedom
    from scipy.stats import chi2

    model = band_power_model(PLANCK18_THETA, FIDUCIAL_SURVEY)[0]
    t_obs = np.sum(((x - model) / band_power_sigma(model, FIDUCIAL_SURVEY)) ** 2)
    assert good.value == pytest.approx(chi2.sf(t_obs, FIDUCIAL_SURVEY.n_bins), abs=3 * good.err)
    assert good.err == pytest.approx(np.sqrt(good.value * (1 - good.value) / 400), rel=0.01)
    bad = posterior_predictive_pvalue(1.6 * x, near_truth, seed=0)  # 60% more power than any theta here makes
    assert bad.value < 0.01


class _GaussianPosterior:
    """The exact posterior of theta ~ N(0, 1), x = theta + N(0, 1) in each of d dimensions: N(x/2, scale^2/2).

    scale = 1 is calibrated; scale < 1 is overconfident. Has the two methods _calibration uses."""

    def __init__(self, scale: float = 1.0):
        self.sd = scale * np.sqrt(0.5)

    def sample_batched(self, shape, x, show_progress_bars=False):
        import torch

        return x[None] / 2 + self.sd * torch.randn(shape + tuple(x.shape))

    def log_prob_batched(self, theta, x, norm_posterior=False):
        return (-0.5 * ((theta - x[None] / 2) / self.sd) ** 2).sum(-1)


@pytest.mark.parametrize("scale", [1.0, 0.6])
def test_calibration_against_an_exact_gaussian_posterior(scale):
    import torch

    from coursekit.sbi.metrics import _calibration

    torch.manual_seed(0)
    th = torch.randn(400, 2)
    x = th + torch.randn(400, 2)
    cal = _calibration(_GaussianPosterior(scale), th, x, n_samples=200)
    assert cal.ranks.shape == (400, 2) and cal.ranks.min() >= 0 and cal.ranks.max() <= 200
    c68 = cal.coverage_68()
    if scale == 1.0:  # exact posterior: uniform ranks, 68% coverage within 3 binomial sigma, TARP diagonal
        assert np.all(cal.ks_pvals > 0.001)
        assert abs(c68.value - 0.68) < 3 * 0.0233
        assert cal.tarp_atc == pytest.approx(0.0, abs=3.0) and cal.tarp_ks_pval > 0.001
        assert cal.verdict().startswith("CALIBRATED")
    else:  # 0.6 x too narrow: the truth's HPD level chi^2_2 < -2 ln(0.32) scaled by 0.36: coverage ~0.34
        assert np.all(cal.ks_pvals < 1e-4)
        assert c68.value < 0.45
        assert "overconfident" in cal.verdict()


def test_sbc_ranks_match_sbi_run_sbc_on_the_same_samples():
    import torch
    from sbi.diagnostics.sbc import _run_sbc

    torch.manual_seed(1)
    th = torch.randn(30, 2)
    samples = torch.randn(50, 30, 2)
    ours = (samples < th[None]).sum(0).to(torch.float32)
    assert torch.equal(ours, _run_sbc(th, th, samples, "marginals", show_progress_bar=False))
