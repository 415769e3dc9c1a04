"""Tests of the galaxy simulator, the PSF convolution, the colour stretch and the morphology features."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.galaxies.features import FEATURE_NAMES, morphology_features, train_forest
from coursekit.galaxies.preprocess import flux_to_rgb, lupton_rgb, uint8_to_rgb
from coursekit.galaxies.simulate import (
    CLASSES,
    SKY_COUNTS,
    _grid,
    gaussian_psf_convolve,
    sersic,
    simulate_galaxies,
)


def test_shapes_dtype_balance_and_determinism():
    x, y = simulate_galaxies(40, size=32, seed=3)
    assert x.shape == (40, 3, 32, 32) and x.dtype == np.float32
    assert y.dtype == np.int64 and np.bincount(y, minlength=4).tolist() == [10, 10, 10, 10]
    x2, y2 = simulate_galaxies(40, size=32, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = simulate_galaxies(40, size=32, seed=4)
    assert not np.allclose(x, x3)


def test_restrict_classes():
    _, y = simulate_galaxies(9, size=32, seed=0, classes=(1, 3))
    assert set(y.tolist()) == {1, 3}


def test_noiseless_flux_is_conserved_and_centred():
    """Without noise, a compact elliptical keeps (almost) all its r-band flux, centred in the frame."""
    rng = np.random.default_rng(0)
    x, y = simulate_galaxies(8, size=64, seed=rng, classes=(0,), flux_range=(1e4, 1e4), noise=False)
    total = x[:, 1].sum(axis=(1, 2))
    # r_eff <= 8 px Sérsic n <= 5 profiles lose some light in the wings beyond a 64 px frame
    assert np.all(total > 0.8e4) and np.all(total <= 1.0001e4)
    yy, xx = np.mgrid[0:64, 0:64]
    cx = (x[:, 1] * xx).sum(axis=(1, 2)) / total
    cy = (x[:, 1] * yy).sum(axis=(1, 2)) / total
    assert np.all(np.abs(cx - 31.5) < 4) and np.all(np.abs(cy - 31.5) < 4)


def test_ellipticals_are_redder_than_irregulars():
    x, y = simulate_galaxies(200, size=32, seed=1, classes=(0, 3), noise=False)
    g, z = x[:, 0].sum(axis=(1, 2)), x[:, 2].sum(axis=(1, 2))
    gz = -2.5 * np.log10(g / z)
    assert np.median(gz[y == 0]) - np.median(gz[y == 3]) > 0.5


def test_noise_level_matches_sky():
    """An empty corner has the photon noise of the sky: sqrt(SKY_COUNTS)."""
    x, _ = simulate_galaxies(200, size=64, seed=2, flux_range=(1e3, 1e3))
    corner = x[:, :, :6, :6]
    np.testing.assert_allclose(corner.std(axis=(0, 2, 3)), np.sqrt(SKY_COUNTS), rtol=0.05)
    assert np.all(np.abs(corner.mean(axis=(0, 2, 3))) < 0.1 * np.sqrt(SKY_COUNTS))


def test_sersic_half_light_radius():
    """A round n=1 Sérsic profile encloses half its light within r_eff (to pixelisation accuracy)."""
    g = _grid(128)
    img = sersic(g, np.array([10.0]), np.array([1.0]), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))[0]
    r = np.hypot(g.x, g.y)
    assert img.sum() == pytest.approx(1.0, rel=1e-5)
    assert img[r <= 10.0].sum() == pytest.approx(0.5, abs=0.02)


def test_psf_convolution_matches_astropy():
    from astropy.convolution import Gaussian2DKernel, convolve

    rng = np.random.default_rng(1)
    img = rng.random((1, 1, 40, 40))
    fwhm = 3.0
    ours = gaussian_psf_convolve(img, np.array([[fwhm]]))[0, 0]
    sigma = fwhm / (2 * np.sqrt(2 * np.log(2)))
    kernel = Gaussian2DKernel(sigma, x_size=79, y_size=79, mode="center")
    ref = convolve(img[0, 0], kernel, boundary="fill", fill_value=0.0, normalize_kernel=True)
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-9)


def test_psf_conserves_flux_of_a_centred_point():
    img = np.zeros((1, 3, 33, 33))
    img[..., 16, 16] = 1.0
    out = gaussian_psf_convolve(img, np.array([[1.5, 2.0, 2.5]]))
    np.testing.assert_allclose(out.sum(axis=(2, 3)), 1.0, atol=1e-6)
    # wider PSF -> lower peak: peak of a sampled unit Gaussian ~ 1 / (2 pi sigma^2)
    peaks = out[0, :, 16, 16]
    assert peaks[0] > peaks[1] > peaks[2]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 0}, "positive integer"),
        ({"n": 4, "size": 8}, "size"),
        ({"n": 4, "classes": (5,)}, "indices"),
        ({"n": 4, "flux_range": (-1.0, 2.0)}, "flux_range"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_galaxies(**kwargs)


def test_psf_bad_shape():
    with pytest.raises(ValueError, match=r"\(n, C, H, W\)"):
        gaussian_psf_convolve(np.zeros((4, 4)), np.array([1.0]))


def test_lupton_matches_astropy():
    from astropy.visualization import make_lupton_rgb

    rng = np.random.default_rng(0)
    r, g, b = (rng.gamma(2.0, 20.0, (16, 16)) for _ in range(3))
    ours = lupton_rgb(r, g, b, stretch=30.0, Q=8)
    ref = make_lupton_rgb(r, g, b, stretch=30.0, Q=8, minimum=0) / 255.0
    # astropy rounds to 8 bits
    np.testing.assert_allclose(ours, ref, atol=1 / 255 + 1e-9)


def test_flux_to_rgb_range_and_channel_order():
    x = np.zeros((1, 3, 8, 8), dtype=np.float32)
    x[0, 2] = 500.0  # only z band: must come out red
    rgb = flux_to_rgb(x)
    assert rgb.shape == (1, 3, 8, 8) and rgb.dtype == np.float32
    assert rgb.min() >= 0 and rgb.max() <= 1
    assert rgb[0, 0].mean() > 0 and rgb[0, 1].max() == 0 and rgb[0, 2].max() == 0
    with pytest.raises(ValueError, match="bands"):
        flux_to_rgb(np.zeros((2, 4, 8, 8)))


def test_uint8_to_rgb_crop_and_resize():
    img = np.zeros((2, 100, 100, 3), dtype=np.uint8)
    img[:, 40:60, 40:60] = 255  # a white square in the middle
    out = uint8_to_rgb(img, size=20, crop=0.2)
    assert out.shape == (2, 3, 20, 20)
    np.testing.assert_allclose(out, 1.0, atol=1e-6)  # the central 20% is all square
    with pytest.raises(ValueError, match=r"\(n, H, W, 3\)"):
        uint8_to_rgb(np.zeros((2, 3, 10, 10)))


# --------------------------------------------------------------------------- features

def _round_profile(size=64, scale=3.0):
    yy, xx = np.mgrid[0:size, 0:size] - (size - 1) / 2
    return np.exp(-np.hypot(xx, yy) / scale)


def test_features_of_symmetric_and_asymmetric_images():
    disc = _round_profile()
    img = np.stack([disc, disc, disc])[None] * 100
    lop = img.copy()
    lop[..., 32:40, 36:44] += 20  # one bright off-centre clump
    f = morphology_features(np.concatenate([img, lop]))
    names = list(FEATURE_NAMES)
    assert f.shape == (2, len(FEATURE_NAMES))
    a, e = names.index("asymmetry"), names.index("ellipticity")
    assert abs(f[0, a]) < 0.01 < f[1, a]
    assert f[0, e] < 0.02  # round
    # exponential profile: r_half = 1.678 h
    assert f[0, names.index("r_half")] == pytest.approx(1.678 * 3.0, abs=0.4)
    # equal bands -> zero colours
    assert f[0, names.index("colour_br")] == pytest.approx(0.0, abs=1e-9)


def test_clumpiness_sees_knots_not_noise():
    rng = np.random.default_rng(3)
    disc = _round_profile(scale=5.0) * 200
    knots = disc.copy()
    for cx, cy in [(20, 25), (40, 38), (30, 44), (45, 22)]:
        knots[cy - 1 : cy + 2, cx - 1 : cx + 2] += 150
    stack = np.stack([np.stack([p] * 3) for p in (disc, knots)]) + rng.normal(0, 3.0, (2, 3, 64, 64))
    s = morphology_features(stack)[:, FEATURE_NAMES.index("clumpiness")]
    assert abs(s[0]) < 0.05 and s[1] > s[0] + 0.05


def test_concentration_orders_profiles():
    yy, xx = np.mgrid[0:64, 0:64] - 31.5
    r = np.hypot(xx, yy)
    expo = np.exp(-r / 4.0)
    devauc = np.exp(-7.67 * ((r / 6.0) ** 0.25 - 1))
    f = morphology_features(np.stack([np.stack([p] * 3) for p in (expo, devauc)]))
    c = f[:, FEATURE_NAMES.index("concentration")]
    # Conselice 2003: C ~ 2.7 for an exponential disc, larger for de Vaucouleurs (within a finite aperture)
    assert 2.4 < c[0] < 3.0 and c[1] > c[0] + 0.8


def test_features_bad_shape():
    with pytest.raises(ValueError, match=r"\(n, 3, H, W\)"):
        morphology_features(np.zeros((2, 1, 16, 16)))


def test_forest_beats_chance_on_simulations():
    x, y = simulate_galaxies(400, size=48, seed=5)
    xt, yt = simulate_galaxies(200, size=48, seed=6)
    forest = train_forest(morphology_features(x), y, n_estimators=50)
    acc = (forest.predict(morphology_features(xt)) == yt).mean()
    assert acc > 0.6  # chance is 0.25
    assert len(CLASSES) == 4
