"""Tests of the galaxy simulator, the PSF convolution and the Lupton colour images."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.galaxies.simulate import (
    BAND_WEIGHTS,
    DEFAULT_MINIMUM,
    DEFAULT_STRETCH,
    SKY_COUNTS,
    _grid,
    flux_to_rgb,
    gaussian_psf_convolve,
    sersic,
    simulate_galaxies,
    simulate_rgb,
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


def test_flux_to_rgb_is_astropys_lupton_image_by_image():
    """The stacked call equals make_lupton_rgb applied to each image, and the asinh stretch by hand."""
    from astropy.visualization import LuptonAsinhStretch, ManualInterval, make_lupton_rgb

    x, _ = simulate_galaxies(3, size=24, seed=7)
    ours = flux_to_rgb(x)
    for i in range(3):
        r, g, b = (x[i, c].astype(np.float64) * BAND_WEIGHTS[c] for c in (2, 1, 0))
        ref = make_lupton_rgb(r, g, b, interval=ManualInterval(vmin=DEFAULT_MINIMUM, vmax=None),
                              stretch_object=LuptonAsinhStretch(stretch=DEFAULT_STRETCH, Q=8), output_dtype=float)
        np.testing.assert_allclose(ours[i].transpose(1, 2, 0), ref, atol=1e-6)
    # by hand for one pixel below saturation: I = mean(r, g, b) - minimum, f(I) = asinh(Q I / stretch) 0.1 / asinh(0.8)
    one = np.zeros((1, 3, 4, 4), np.float32)
    one[0, :, 0, 0] = [40.0 * 0.65, 40.0, 40.0 * 1.3]  # equal weighted bands -> grey
    v = 40.0 - DEFAULT_MINIMUM
    expected = v * np.arcsinh(8 * v / DEFAULT_STRETCH) * 0.1 / np.arcsinh(0.8) / v
    np.testing.assert_allclose(flux_to_rgb(one)[0, :, 0, 0], expected, rtol=1e-5)


def test_simulate_rgb_shapes():
    x, y = simulate_rgb(8, size=24, seed=1)
    assert x.shape == (8, 3, 24, 24) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 1 and len(y) == 8


def test_flux_to_rgb_range_and_channel_order():
    x = np.zeros((1, 3, 8, 8), dtype=np.float32)
    x[0, 2] = 500.0  # only z band: must come out red
    rgb = flux_to_rgb(x)
    assert rgb.shape == (1, 3, 8, 8) and rgb.dtype == np.float32
    assert rgb.min() >= 0 and rgb.max() <= 1
    assert rgb[0, 0].mean() > 0 and rgb[0, 1].max() == 0 and rgb[0, 2].max() == 0
    with pytest.raises(ValueError, match="bands"):
        flux_to_rgb(np.zeros((2, 4, 8, 8)))


def test_position_angle_aligns_elongated_galaxies():
    """Aligned edge-on discs and ellipticals: the light's second moments are wider along x than along y."""
    x, _ = simulate_galaxies(40, size=32, seed=3, classes=(0, 1), noise=False, position_angle=0.0)
    img = x[:, 1]
    yy, xx = np.mgrid[0:32, 0:32] - 15.5
    ixx = (img * xx**2).sum(axis=(1, 2)) / img.sum(axis=(1, 2))
    iyy = (img * yy**2).sum(axis=(1, 2)) / img.sum(axis=(1, 2))
    assert np.all(ixx >= iyy * 0.9) and np.mean(ixx > 1.2 * iyy) > 0.6
    xr, _ = simulate_galaxies(40, size=32, seed=3, classes=(0, 1), noise=False)
    ir = xr[:, 1]
    assert np.mean((ir * xx**2).sum(axis=(1, 2)) > (ir * yy**2).sum(axis=(1, 2))) < 0.8  # random: both ways
