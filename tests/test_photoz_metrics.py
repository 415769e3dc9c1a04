"""Tests of coursekit.photoz.metrics against hand-computed values and analytic references."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from coursekit.photoz import metrics as M


def test_point_metrics_hand_computed():
    z_spec = np.array([0.0, 0.5, 1.0, 0.2, 0.1])
    z_phot = np.array([0.01, 0.53, 1.0, 0.56, 0.1])
    # dz = [0.01, 0.02, 0.0, 0.3, 0.0]
    np.testing.assert_allclose(M.delta_z(z_phot, z_spec), [0.01, 0.02, 0.0, 0.3, 0.0], atol=1e-12)
    assert M.nmad(z_phot, z_spec) == pytest.approx(1.48 * 0.01)
    # median(dz) = 0.01; |dz - 0.01| = [0, 0.01, 0.01, 0.29, 0.01] -> median 0.01
    assert M.sigma_mad(z_phot, z_spec) == pytest.approx(1.4826 * 0.01)
    assert M.bias(z_phot, z_spec) == pytest.approx(0.33 / 5)
    assert M.outlier_fraction(z_phot, z_spec) == pytest.approx(0.2)
    assert M.outlier_fraction(z_phot, z_spec, threshold=0.015) == pytest.approx(0.4)


def test_sigma_mad_removes_bias_nmad_does_not():
    z = np.linspace(0.1, 1.0, 101)
    shifted = z + 0.05 * (1 + z)  # a pure bias of 0.05
    assert M.sigma_mad(shifted, z) == pytest.approx(0.0, abs=1e-12)
    assert M.nmad(shifted, z) == pytest.approx(1.48 * 0.05)


def test_point_metrics_reject_bad_input():
    with pytest.raises(ValueError, match="same length"):
        M.nmad([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="NaN"):
        M.nmad([0.1, np.nan], [0.1, 0.2])


def _gauss_pdfs(grid, mu, sigma):
    return stats.norm.pdf(grid[None, :], mu[:, None], sigma[:, None])


def test_crps_matches_gaussian_closed_form():
    grid = np.linspace(-1.0, 3.0, 4001)
    mu = np.array([0.5, 1.0, 0.3])
    sigma = np.array([0.05, 0.2, 0.1])
    z_true = np.array([0.52, 0.6, 0.3])
    x = (z_true - mu) / sigma
    exact = sigma * (x * (2 * stats.norm.cdf(x) - 1) + 2 * stats.norm.pdf(x) - 1 / np.sqrt(np.pi))
    np.testing.assert_allclose(M.crps(grid, _gauss_pdfs(grid, mu, sigma), z_true), exact, rtol=2e-3, atol=1e-6)


def test_crps_of_delta_is_absolute_error_and_outside_grid_adds_distance():
    grid = np.linspace(0, 1, 1001)
    pdf = np.zeros((1, grid.size))
    pdf[0, 300] = 1.0  # a spike at 0.3 (a triangle of width 2 dz)
    assert M.crps(grid, pdf, [0.7])[0] == pytest.approx(0.4, abs=2e-3)
    assert M.crps(grid, pdf, [1.5])[0] == pytest.approx(1.2, abs=2e-3)


def test_pit_coverage_and_ks_for_calibrated_and_overconfident_pdfs(rng):
    grid = np.linspace(-2, 4, 1201)
    n = 3000
    mu = rng.uniform(0.2, 1.5, n)
    z_true = mu + 0.1 * rng.standard_normal(n)
    good = _gauss_pdfs(grid, mu, np.full(n, 0.1))
    narrow = _gauss_pdfs(grid, mu, np.full(n, 0.05))
    u = M.pit(grid, good, z_true)
    np.testing.assert_allclose(u, stats.norm.cdf((z_true - mu) / 0.1), atol=2e-3)
    assert M.ks_uniform(u) < 0.03
    assert M.interval_coverage(grid, good, z_true, 0.68) == pytest.approx(0.68, abs=0.03)
    assert M.interval_coverage(grid, good, z_true, 0.95) == pytest.approx(0.95, abs=0.015)
    # an over-confident p(z) under-covers: the 68% interval (+-0.05) holds ~38% of the truths
    assert M.interval_coverage(grid, narrow, z_true, 0.68) == pytest.approx(2 * stats.norm.cdf(0.5) - 1, abs=0.03)
    assert M.ks_uniform(M.pit(grid, narrow, z_true)) > 0.1
    summary = M.pdf_metrics(grid, good, z_true)
    assert set(summary) == {"crps", "pit_ks", "coverage_68", "coverage_95"}


def test_ks_uniform_hand_value():
    # PIT values all at 0.5: the empirical CDF jumps 0 -> 1 at 0.5, distance 0.5
    assert M.ks_uniform(np.full(10, 0.5)) == pytest.approx(0.5)


def test_quantiles_and_cdf():
    grid = np.linspace(0, 1, 101)
    pdf = np.ones((2, grid.size))
    q = M.quantiles(grid, pdf, [0.16, 0.5, 0.84])
    np.testing.assert_allclose(q, [[0.16, 0.5, 0.84]] * 2, atol=1e-9)
    np.testing.assert_allclose(M.cdf_on_grid(grid, pdf)[:, -1], 1.0)


def test_pdf_input_checks():
    grid = np.linspace(0, 1, 11)
    with pytest.raises(ValueError, match="to match z_grid"):
        M.pit(grid, np.ones((2, 5)), [0.1, 0.2])
    with pytest.raises(ValueError, match="non-negative"):
        M.crps(grid, -np.ones((1, 11)), [0.1])
    with pytest.raises(ValueError, match="rows"):
        M.pit(grid, np.ones((2, 11)), [0.1])
    with pytest.raises(ValueError, match="level"):
        M.interval_coverage(grid, np.ones((1, 11)), [0.5], level=1.5)


def test_metrics_by_bin_counts():
    zs = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    res = M.metrics_by_bin(zs, zs, np.array([18, 18.5, 19, 20, 20.5, 21]), [17, 19.5, 22])
    np.testing.assert_array_equal(res["count"], [3, 3])
    assert np.all(np.isnan(res["nmad"]))  # fewer than 5 per bin -> NaN, not a noisy number


def test_the_two_nmads_hand_values():
    """Ilbert et al. 2006 (bias included) vs Brammer et al. 2008 (median subtracted) on a biased estimator."""
    zs = np.zeros(5)
    zp = np.array([0.10, 0.11, 0.12, 0.13, 0.50])  # dz = zp; median 0.12
    assert M.nmad(zp, zs) == pytest.approx(1.48 * 0.12)
    # |dz - 0.12| = 0.02, 0.01, 0, 0.01, 0.38 -> median 0.01
    assert M.sigma_mad(zp, zs) == pytest.approx(1.4826 * 0.01)


def test_measure_and_paired_difference_uncertainties():
    rng = np.random.default_rng(0)
    zs = rng.uniform(0.1, 0.8, 2000)
    a = zs + 0.02 * (1 + zs) * rng.standard_normal(2000)
    b = zs + 0.03 * (1 + zs) * rng.standard_normal(2000)
    ma = M.measure("nmad", a, zs, n_boot=200)
    assert ma.value == pytest.approx(M.nmad(a, zs)) and 0.0003 < ma.err < 0.001
    assert ma.value == pytest.approx(0.02, abs=3 * ma.err)
    d = M.paired_difference("nmad", a, b, zs, n_boot=200)
    assert d.value == pytest.approx(M.nmad(a, zs) - M.nmad(b, zs)) and d.value < -4 * d.err
    same = M.paired_difference("nmad", a, a, zs, n_boot=50)
    assert same.value == 0 and same.err == 0
    with pytest.raises(ValueError, match="unknown metric"):
        M.measure("rmse", a, zs)


def test_multimodal_indices_finds_the_bimodal_rows():
    from scipy import stats

    grid = np.linspace(0, 1.5, 301)
    uni = stats.norm.pdf(grid, 0.4, 0.05)
    bi = 0.6 * stats.norm.pdf(grid, 0.3, 0.04) + 0.4 * stats.norm.pdf(grid, 0.9, 0.04)
    weak = 0.95 * stats.norm.pdf(grid, 0.3, 0.04) + 0.05 * stats.norm.pdf(grid, 0.9, 0.04)
    idx = M.multimodal_indices(grid, np.stack([uni, weak, bi, uni]), n=3)
    np.testing.assert_array_equal(idx, [2])
