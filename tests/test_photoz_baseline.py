"""Tests of coursekit.photoz.baseline: template fitting (+ BPZ prior), kNN, random forest."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.photoz import baseline as B
from coursekit.photoz.simulate import PhotometryCatalog, flux_grid

_trapezoid = np.trapezoid if hasattr(np, "trapezoid") else np.trapz  # numpy < 2 has only trapz


def _noiseless_catalog(types, zs, r=19.0):
    grid = flux_grid()
    f = grid.fluxes(np.asarray(types, float), np.asarray(zs, float))
    f = f * 10 ** (-0.4 * r) / f[:, 2:3]
    mag = -2.5 * np.log10(f)
    return PhotometryCatalog(mag, np.full_like(mag, 0.02), np.asarray(zs, float))


def test_template_fit_recovers_redshift_of_template_galaxies():
    zs = np.array([0.1, 0.33, 0.52, 0.8, 1.1])
    cat = _noiseless_catalog([0.0, 1.0, 2.0, 3.0, 0.0], zs)
    tf = B.TemplateFitter(n_interp=0, sigma_model=0.0)
    np.testing.assert_allclose(tf.predict(cat, kind="chi2"), zs, atol=0.006)
    chi2 = tf.chi2(*cat.fluxes())
    assert np.all(chi2.min(axis=(1, 2)) < 0.05)  # an exact template at a grid-node redshift fits perfectly
    pdf = tf.predict_pdf(cat)
    np.testing.assert_allclose(_trapezoid(pdf, tf.z_grid, axis=1), 1.0, rtol=1e-6)


def test_template_amplitude_is_the_analytic_least_squares_scale():
    tf = B.TemplateFitter(n_interp=0, sigma_model=0.0, z_grid=np.array([0.0, 0.3, 0.6]))
    F = tf.model_flux[2, 1]  # Scd at z = 0.3
    f = 3.7e-8 * F
    err = np.full(5, 1e-9)
    chi2 = tf.chi2(f[None], err[None])
    assert chi2[0, 1, 2] == pytest.approx(0.0, abs=1e-12)
    assert chi2[0, 0, 2] > 1.0


def test_interpolated_templates_and_classes():
    grid = flux_grid()
    assert grid.interpolated(2).shape[0] == 16
    np.testing.assert_array_equal(B.template_classes(grid.template_types(0)), [0, 1, 1, 2, 2, 2])


def test_bpz_prior_is_normalised_and_has_the_hdfn_type_fractions():
    z = np.linspace(0.0, 4.0, 801)
    classes = np.array([0, 1, 1, 2, 2, 2])
    prior = B.bpz_prior(z, np.array([20.0, 24.0]), classes)
    total = _trapezoid(prior.sum(axis=2), z, axis=1)
    np.testing.assert_allclose(total, 1.0, rtol=1e-3)
    frac_e = _trapezoid(prior[0, :, 0], z)
    assert frac_e == pytest.approx(0.35, rel=1e-3)  # 35% E/S0 at m0 = 20 (Benitez 2000)
    # fainter galaxies: higher median redshift
    cdf = np.cumsum(prior.sum(axis=2), axis=1)
    assert z[np.searchsorted(cdf[1] / cdf[1, -1], 0.5)] > z[np.searchsorted(cdf[0] / cdf[0, -1], 0.5)]
    with pytest.raises(ValueError, match="prior"):
        B.TemplateFitter(prior="hdfn")


def test_knn_median_and_pdf():
    X = np.arange(100, dtype=float)[:, None]
    z = np.linspace(0.0, 0.99, 100)
    knn = B.KNNPhotoZ(k=5, bandwidth=0.01).fit(X, z)
    assert knn.predict(np.array([[50.2]]))[0] == pytest.approx(0.50)
    grid = np.linspace(0, 1.2, 601)
    pdf = knn.predict_pdf(np.array([[50.2]]), grid)
    assert _trapezoid(pdf[0], grid) == pytest.approx(1.0, rel=1e-6)
    assert grid[np.argmax(pdf[0])] == pytest.approx(0.5, abs=0.02)
    with pytest.raises(RuntimeError, match="fit"):
        B.KNNPhotoZ().predict(X)
    with pytest.raises(ValueError, match="at least k"):
        B.KNNPhotoZ(k=500).fit(X, z)


def test_forest_learns_a_smooth_relation(rng):
    X = rng.uniform(-1, 1, size=(2000, 2))
    z = 0.5 + 0.3 * X[:, 0]
    rf = B.ForestPhotoZ(n_estimators=30).fit(X[:1500], z[:1500])
    assert np.sqrt(np.mean((rf.predict(X[1500:]) - z[1500:]) ** 2)) < 0.03
