"""Tests of coursekit.astro.detect: background, detection with photutils' deblender, sky cross-matching."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from coursekit.astro.detect import cross_match, detect, estimate_background, nearest_within, table_coords
from coursekit.astro.metrics import match_summary
from coursekit.astro.simulate import gaussian_psf_stamp, make_tan_wcs, simulate_field


def test_background_recovers_plane(rng):
    yy, xx = np.mgrid[:128, :128]
    plane = 100 + 0.1 * xx + 0.05 * yy
    data = plane + rng.normal(0, 2.0, plane.shape)
    bkg = estimate_background(data, box_size=16, filter_size=1)
    assert np.median(np.abs(bkg.background - plane)[16:-16, 16:-16]) < 0.3
    assert np.median(bkg.background_rms) == pytest.approx(2.0, rel=0.1)
    with pytest.raises(ValueError, match="box_size"):
        estimate_background(data, box_size=500)


def test_detect_simulated_field_targets():
    f = simulate_field(seed=11, shape=(256, 256), n_stars=40, n_galaxies=40)
    det = detect(f.data, f.wcs, fwhm=f.spec.psf_fwhm)
    cat = det.catalog
    for col in ("x", "y", "ra", "dec", "flux", "flux_err", "snr", "fwhm", "concentration", "gini"):
        assert col in cat.colnames
    assert cat["flux"].unit == u.ct and cat["ra"].unit == u.deg
    m = cross_match(table_coords(f.truth), table_coords(cat), 1.0 * u.arcsec)
    s = match_summary(f.truth, cat, m, f.wcs, f.spec.mag_limit)
    assert s["completeness"] >= 0.95
    assert s["rms_px"] < 0.5
    assert s["purity"] > 0.9
    # matched fluxes agree with the injected ones for bright stars (segment flux misses only the faint wings)
    bright = m.matched & (f.truth["mag"] < 19) & (f.truth["type"] == "star")
    ratio = np.asarray(cat["flux"])[m.index[bright]] / np.asarray(f.truth["flux"])[bright]
    assert np.median(ratio) == pytest.approx(1.0, abs=0.08)
    # stars are more concentrated than galaxies
    conc = np.asarray(cat["concentration"])[m.index[m.matched]]
    gal = np.asarray(f.truth["is_galaxy"])[m.matched].astype(bool)
    assert np.median(conc[~gal]) > np.median(conc[gal])


def test_detect_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        detect(np.zeros(10))
    with pytest.raises(ValueError, match="no finite"):
        detect(np.full((64, 64), np.nan))
    with pytest.raises(ValueError, match="deblend"):
        detect(np.zeros((64, 64)) + np.arange(64), deblend="magic")
    # NaN fails every comparison: it used to slip through `n_sigma <= 0` and detect nothing, silently
    for bad in ({"n_sigma": np.nan}, {"fwhm": np.inf}, {"n_sigma": -1.0}, {"contrast": np.nan}):
        with pytest.raises(ValueError, match="finite number > 0"):
            detect(np.zeros((64, 64)) + np.arange(64), **bad)
    with pytest.raises(ValueError, match="integers"):
        detect(np.zeros((64, 64)) + np.arange(64), n_pixels=0)


def test_cross_match_one_to_one():
    ref = SkyCoord([10.0, 10.0, 10.0] * u.deg, [0.0, 10 / 3600, 10.3 / 3600] * u.deg)
    det = SkyCoord([10.0 + 0.5 / 3600, 10.0] * u.deg, [0.0, 10.2 / 3600] * u.deg)
    m = cross_match(ref, det, 1 * u.arcsec)
    # ref 0 -> det 0 (0.5"); refs 1 and 2 both want det 1 (0.2" and 0.1"): the closer (ref 2) keeps it
    assert m.matched.tolist() == [True, False, True]
    assert m.index.tolist() == [0, -1, 1]
    assert m.separation[0].to_value(u.arcsec) == pytest.approx(0.5, rel=1e-3)
    tight = cross_match(ref, det, 0.3 * u.arcsec)
    assert tight.matched.tolist() == [False, False, True]
    with pytest.raises(ValueError, match="angle"):
        cross_match(ref, det, 1.0)
    assert not cross_match(ref, det[:0], 1 * u.arcsec).matched.any()
    assert cross_match(ref, det[:1], 1 * u.arcsec).matched.tolist() == [True, False, False]


def test_detect_real_spitzer_with_nan_border(real_sample):
    from coursekit.astro.data import load_spitzer_glimpse

    real_sample("spitzer_glimpse_image")
    img = load_spitzer_glimpse(verbose=False)
    det = detect(img.data, img.wcs, fwhm=2.0, n_sigma=5.0, unit=img.unit)
    cat = det.catalog
    assert len(cat) > 50 and "lon" in cat.colnames and "lat" in cat.colnames
    assert cat["flux"].unit == u.MJy / u.sr
    assert np.all(np.isfinite(cat["x"])) and np.all(np.abs(cat["lat"]) < 1.0)

def _two_stars(sep_px: float, ratio: float = 0.6, rng=None):
    rng = np.random.default_rng(0) if rng is None else rng
    img = np.full((64, 96), 50.0)
    for x, f in ((40.0, 5000.0), (40.0 + sep_px, 5000.0 * ratio)):
        st, x0, y0 = gaussian_psf_stamp(x, 32.0, 3.0, 12)
        img[y0:y0 + st.shape[0], x0:x0 + st.shape[1]] += f * st
    return rng.poisson(img).astype(float)


def test_photutils_deblender_splits_a_blend():
    """Two stars 2 FWHM apart merge into one segment; deblend_sources splits them at their true positions."""
    img = _two_stars(6.0)
    wcs = make_tan_wcs(img.shape, 150.0, 2.0, 0.4)
    merged = detect(img, wcs, fwhm=3.0, n_sigma=3.0, box_size=32, deblend=None).catalog
    split = detect(img, wcs, fwhm=3.0, n_sigma=3.0, box_size=32).catalog
    assert len(merged) == 1 and len(split) == 2
    assert sorted(np.round(np.asarray(split["x"]))) == [40.0, 46.0]
    assert split.meta["DEBLEND"] == "photutils"


def test_nearest_within_hand_computed():
    ref = SkyCoord([10.0, 10.0, 10.0] * u.deg, [0.0, 10 / 3600, 50 / 3600] * u.deg)
    det = SkyCoord([10.0 + 0.5 / 3600, 10.0] * u.deg, [0.0, 10.2 / 3600] * u.deg)
    assert nearest_within(ref, det, 1 * u.arcsec).tolist() == [0, 1, -1]
    assert nearest_within(ref, det, 0.3 * u.arcsec).tolist() == [-1, 1, -1]
    assert nearest_within(ref, det[:0], 1 * u.arcsec).tolist() == [-1, -1, -1]
    with pytest.raises(ValueError, match="angle"):
        nearest_within(ref, det, 1.0)

