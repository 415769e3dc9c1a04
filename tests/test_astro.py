"""Tests of coursekit.astro: FITS/WCS reading, the simulated field, detection, cross-matching, density peak, catalogue I/O."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table

from coursekit.astro import FULL, REDUCED, get_config
from coursekit.astro.catalog import predictions_table, read_predictions, tables_equal, write_predictions
from coursekit.astro.cluster import densest_concentration
from coursekit.astro.detect import (
    cross_match,
    deblend_peaks,
    detect,
    estimate_background,
    match_summary,
    table_coords,
)
from coursekit.astro.fitsio import FitsImageError, WCSError, read_image, write_image
from coursekit.astro.simulate import (
    FWHM_TO_SIGMA,
    FieldSpec,
    gaussian_psf_stamp,
    make_tan_wcs,
    read_truth,
    sersic_bn,
    simulate_field,
    write_field,
)

M67 = SkyCoord(132.825 * u.deg, 11.80 * u.deg)  # REFERENCES.md, J2000
SMALL = dict(shape=(200, 200), n_stars=25, n_galaxies=25)


# --------------------------------------------------------------------------- config

def test_config_per_mode():
    assert get_config("reduced") is REDUCED and get_config("full") is FULL
    assert FULL.field_shape[0] > REDUCED.field_shape[0] and REDUCED.stamp_size % 2 == 1


# --------------------------------------------------------------------------- fitsio

def _tan_header(shape=(50, 60)):
    w = make_tan_wcs(shape, 150.0, 2.0, 0.5)
    return w, w.to_header()


def test_read_image_round_trip(tmp_path):
    w, _ = _tan_header()
    data = np.arange(50 * 60, dtype=float).reshape(50, 60)
    path = write_image(tmp_path / "img.fits", data, w, unit="ct", meta={"OBJECT": "test"})
    img = read_image(path)
    np.testing.assert_array_equal(img.data, data)
    assert img.unit == u.ct and img.header["OBJECT"] == "test" and img.frame == "icrs"
    assert img.pixel_scale.to_value(u.arcsec) == pytest.approx(0.5, rel=1e-9)
    # the FITS reference pixel CRPIX (1-based) is 0-based CRPIX - 1 and maps to CRVAL
    c = img.wcs.pixel_to_world(w.wcs.crpix[0] - 1, w.wcs.crpix[1] - 1)
    assert c.ra.deg == pytest.approx(150.0, abs=1e-10) and c.dec.deg == pytest.approx(2.0, abs=1e-10)
    assert img.footprint().shape == (4, 2)
    assert img.obs_time is None


def test_read_image_picks_first_image_extension(tmp_path):
    w, hdr = _tan_header((8, 8))
    hdul = fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((8, 8)), header=hdr, name="SCI")])
    hdul.writeto(tmp_path / "ext.fits")
    img = read_image(tmp_path / "ext.fits")
    assert img.hdu == 1 and img.shape == (8, 8)
    assert read_image(tmp_path / "ext.fits", hdu="SCI").hdu == 1
    with pytest.raises(FitsImageError, match="no HDU 'NOPE'"):
        read_image(tmp_path / "ext.fits", hdu="NOPE")


def test_read_image_squeezes_degenerate_axis(tmp_path):
    w, hdr = _tan_header((6, 7))
    fits.PrimaryHDU(np.ones((1, 6, 7)), header=hdr).writeto(tmp_path / "cube.fits")
    assert read_image(tmp_path / "cube.fits").shape == (6, 7)
    fits.PrimaryHDU(np.ones((3, 6, 7)), header=hdr).writeto(tmp_path / "cube3.fits")
    with pytest.raises(FitsImageError, match="expected a 2-D image"):
        read_image(tmp_path / "cube3.fits")


def test_read_image_without_wcs(tmp_path):
    fits.PrimaryHDU(np.zeros((5, 5))).writeto(tmp_path / "nowcs.fits")
    with pytest.raises(WCSError, match="has no WCS"):
        read_image(tmp_path / "nowcs.fits")


def test_read_image_non_celestial_wcs(tmp_path):
    hdr = fits.Header()
    hdr["CTYPE1"], hdr["CTYPE2"] = "WAVE", "TIME"
    hdr["CRVAL1"], hdr["CRVAL2"], hdr["CDELT1"], hdr["CDELT2"] = 5000.0, 0.0, 1.0, 1.0
    hdr["CUNIT1"], hdr["CUNIT2"] = "Angstrom", "s"
    fits.PrimaryHDU(np.zeros((5, 5)), header=hdr).writeto(tmp_path / "spec.fits")
    with pytest.raises(WCSError, match="not celestial"):
        read_image(tmp_path / "spec.fits")


def test_read_image_singular_wcs(tmp_path):
    w, hdr = _tan_header((5, 5))
    for k in ("CD1_1", "CD1_2", "CD2_1", "CD2_2", "PC1_1", "PC1_2", "PC2_1", "PC2_2", "CDELT1", "CDELT2"):
        hdr.remove(k, ignore_missing=True)
    hdr["CD1_1"], hdr["CD1_2"], hdr["CD2_1"], hdr["CD2_2"] = 1e-4, 1e-4, 1e-4, 1e-4
    fits.PrimaryHDU(np.zeros((5, 5)), header=hdr).writeto(tmp_path / "sing.fits")
    with pytest.raises(WCSError, match="singular"):
        read_image(tmp_path / "sing.fits")


def test_read_image_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        read_image(tmp_path / "missing.fits")
    (tmp_path / "junk.fits").write_text("not a fits file at all" * 200)
    with pytest.raises(FitsImageError, match="not a readable FITS"):
        read_image(tmp_path / "junk.fits")
    Table({"a": [1, 2]}).write(tmp_path / "table.fits")
    with pytest.raises(FitsImageError, match="no image HDU"):
        read_image(tmp_path / "table.fits")


@pytest.mark.shared_data
def test_read_real_dss_m67(shared_real):
    img = read_image(shared_real / "fits_images_wcs" / "M6707HH_DSS_M67.fits")
    assert img.shape == (1059, 1059) and img.frame == "fk5"
    assert img.pixel_scale.to_value(u.arcsec) == pytest.approx(1.70, abs=0.01)
    assert img.center().separation(M67) < 1 * u.arcmin
    assert any("datfix" in f for f in img.fixes)  # the 1951 DATE-OBS was repaired, not warned about
    assert img.header["DATE-OBS"] == "29/11/51" and img.obs_time.iso[:10] == "1951-11-29"


@pytest.mark.shared_data
def test_read_real_spitzer(shared_real):
    img = read_image(shared_real / "fits_images_wcs" / "spitzer_irac_glimpse_l18.fits")
    assert img.shape == (513, 1025) and img.frame == "galactic"
    assert img.unit == u.MJy / u.sr
    assert img.pixel_scale.to_value(u.arcsec) == pytest.approx(1.2, rel=1e-6)
    assert np.isnan(img.data).any() and np.isfinite(img.data).mean() > 0.5
    c = img.center().galactic
    assert abs(c.l.deg - 18.2) < 0.1 and abs(c.b.deg - 0.2) < 0.1


# --------------------------------------------------------------------------- simulate

def test_sersic_bn_known_values():
    # b_1 = 1.6783, b_4 = 7.6692 (Ciotti & Bertin 1999; Graham & Driver 2005 table)
    assert sersic_bn(1.0) == pytest.approx(1.6783, abs=1e-3)
    assert sersic_bn(4.0) == pytest.approx(7.6692, abs=1e-3)


def test_gaussian_psf_stamp_moments():
    st, x0, y0 = gaussian_psf_stamp(10.3, 20.7, fwhm=3.0, half=12)
    assert st.sum() == pytest.approx(1.0, abs=1e-6)
    yy, xx = np.mgrid[: st.shape[0], : st.shape[1]]
    cx, cy = (st * (xx + x0)).sum(), (st * (yy + y0)).sum()
    assert cx == pytest.approx(10.3, abs=1e-6) and cy == pytest.approx(20.7, abs=1e-6)
    var = (st * (xx + x0 - cx) ** 2).sum()
    assert var == pytest.approx((3.0 * FWHM_TO_SIGMA) ** 2 + 1 / 12, rel=1e-3)  # pixel integration adds 1/12


def test_tan_wcs_orientation():
    w = make_tan_wcs((101, 101), 30.0, 45.0, 1.0)
    c0 = w.pixel_to_world(50, 50)
    assert c0.ra.deg == pytest.approx(30.0) and c0.dec.deg == pytest.approx(45.0)
    north = w.pixel_to_world(50, 51)
    east = w.pixel_to_world(49, 50)
    assert north.dec > c0.dec and east.ra > c0.ra  # north up, east left
    assert c0.separation(north).to_value(u.arcsec) == pytest.approx(1.0, rel=1e-6)


def test_simulate_field_deterministic_and_truth():
    a = simulate_field(seed=3, **SMALL)
    b = simulate_field(seed=3, **SMALL)
    c = simulate_field(seed=4, **SMALL)
    np.testing.assert_array_equal(a.data, b.data)
    assert not np.array_equal(a.data, c.data)
    t = a.truth
    assert len(t) == 50 and (t["type"] == "galaxy").sum() == 25 and t["is_galaxy"].sum() == 25
    assert t["flux"].unit == u.ct and t["ra"].unit == u.deg and t["x"].unit == u.pix
    np.testing.assert_allclose(t["mag"], 27.0 - 2.5 * np.log10(t["flux"]), atol=1e-10)
    assert np.all(t["r_eff"][t["type"] == "star"] == 0) and np.all(t["r_eff"][t["type"] == "galaxy"] >= 1.5)
    # positions obey the border and minimum separation
    x, y = np.asarray(t["x"]), np.asarray(t["y"])
    assert x.min() >= 12 and x.max() <= 200 - 13
    d = np.hypot(x[:, None] - x, y[:, None] - y) + np.eye(len(x)) * 1e9
    assert d.min() >= 10.0
    # sky coordinates agree with the WCS
    sky = a.wcs.pixel_to_world(x, y)
    np.testing.assert_allclose(sky.ra.deg, t["ra"], atol=1e-9)


def test_simulate_field_flux_and_noise():
    f = simulate_field(seed=1, **SMALL)
    injected = float(np.sum(f.truth["flux"]))
    light = float(np.sum(f.noiseless - f.spec.sky))
    assert light == pytest.approx(injected, rel=1e-6)  # sources away from the edges: nothing lost
    resid = f.data - f.noiseless
    empty = (f.noiseless - f.spec.sky) < 1e-3
    assert np.std(resid[empty]) == pytest.approx(f.noise_sigma, rel=0.05)


def test_simulated_star_centroid_is_truth():
    f = simulate_field(seed=2, shape=(64, 64), n_stars=1, n_galaxies=0, border=20)
    img = f.noiseless - f.spec.sky
    yy, xx = np.mgrid[:64, :64]
    assert (img * xx).sum() / img.sum() == pytest.approx(f.truth["x"][0], abs=1e-6)
    assert (img * yy).sum() / img.sum() == pytest.approx(f.truth["y"][0], abs=1e-6)


def test_simulate_bad_spec():
    with pytest.raises(ValueError, match="too small"):
        FieldSpec(shape=(20, 20))
    with pytest.raises(ValueError, match="cannot place"):
        simulate_field(seed=0, shape=(64, 64), n_stars=60, n_galaxies=0)


def test_write_field_and_read_back(tmp_path):
    f = simulate_field(seed=5, **SMALL)
    path = write_field(tmp_path / "field.fits", f)
    img = read_image(path)
    assert img.unit == u.ct and img.header["ZEROPT"] == 27.0
    np.testing.assert_allclose(img.data, f.data.astype(np.float32))
    truth = read_truth(path)
    assert len(truth) == 50 and truth["flux"].unit == u.ct
    np.testing.assert_allclose(truth["ra"], f.truth["ra"])
    Table({"a": [1]}).write(tmp_path / "t.fits")
    with pytest.raises(ValueError, match="no TRUTH"):
        read_truth(tmp_path / "t.fits")


# --------------------------------------------------------------------------- detect

def test_background_recovers_plane(rng):
    yy, xx = np.mgrid[:128, :128]
    plane = 100 + 0.1 * xx + 0.05 * yy
    data = plane + rng.normal(0, 2.0, plane.shape)
    bkg = estimate_background(data, box_size=16, filter_size=1)
    assert np.median(np.abs(bkg.background - plane)[16:-16, 16:-16]) < 0.3
    assert np.median(bkg.background_rms) == pytest.approx(2.0, rel=0.1)
    with pytest.raises(ValueError, match="box_size"):
        estimate_background(data, box_size=500)


def test_deblend_peaks_splits_two_blobs():
    yy, xx = np.mgrid[:40, :60]
    img = 100 * np.exp(-((xx - 20) ** 2 + (yy - 20) ** 2) / 18) + 60 * np.exp(-((xx - 32) ** 2 + (yy - 20) ** 2) / 18)
    labels = (img > 1).astype(int)
    out = deblend_peaks(img, labels, min_distance=3, min_peak=5.0)
    assert set(np.unique(out)) == {0, 1, 2}
    assert out[20, 20] != out[20, 32]
    # the dividing line lies at the saddle, nearer the fainter blob
    row = out[20]
    boundary = np.nonzero(np.diff(row[15:40]))[0][0] + 15
    assert 25 <= boundary <= 28
    with pytest.raises(ValueError, match="shape"):
        deblend_peaks(img, labels[:10])


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


def test_match_summary_hand_computed():
    truth = Table({"x": [0.0, 10.0, 20.0, 30.0], "y": [0.0, 0.0, 0.0, 0.0], "mag": [18.0, 19.0, 20.0, 23.0]})
    det = Table({"x": [0.3, 10.0, 29.0], "y": [0.4, 0.0, 0.0]})
    from coursekit.astro.detect import Match

    m = Match(index=np.array([0, 1, -1, 2]), separation=np.array([0.2, 0.0, 9.0, 0.4]) * u.arcsec,
              matched=np.array([True, True, False, True]), max_sep=1 * u.arcsec)
    s = match_summary(truth, det, m, None, mag_limit=20.0)
    assert s["completeness"] == pytest.approx(2 / 3)
    assert s["rms_px"] == pytest.approx(np.sqrt((0.5**2 + 0) / 2))
    assert s["purity"] == pytest.approx(1.0) and s["n_bright"] == 3


@pytest.mark.shared_data
def test_detect_real_spitzer_with_nan_border(shared_real):
    img = read_image(shared_real / "fits_images_wcs" / "spitzer_irac_glimpse_l18.fits")
    det = detect(img.data, img.wcs, fwhm=2.0, n_sigma=5.0, unit=img.unit)
    cat = det.catalog
    assert len(cat) > 50 and "lon" in cat.colnames and "lat" in cat.colnames
    assert cat["flux"].unit == u.MJy / u.sr
    assert np.all(np.isfinite(cat["x"])) and np.all(np.abs(cat["lat"]) < 1.0)


@pytest.mark.shared_data
def test_m67_densest_concentration_on_dss(shared_real):
    from coursekit.astro.pipeline import m67_analysis

    res = m67_analysis(shared_real / "fits_images_wcs" / "M6707HH_DSS_M67.fits")
    assert len(res.detection.catalog) > 500
    assert res.separation < 5 * u.arcmin  # the target
    # FK5 J2000 vs ICRS differ by a few mas: irrelevant here
    assert res.peak.center.separation(M67).to_value(u.arcmin) == pytest.approx(res.separation.value, abs=1e-3)
    assert res.peak.peak_density > 1.5 * res.peak.mean_density
    # the WCS maps the detections inside the plate's footprint
    ra = np.asarray(res.detection.catalog["ra"])
    assert 132.4 < ra.min() and ra.max() < 133.3


# --------------------------------------------------------------------------- cluster

def test_densest_concentration_recovers_injected_cluster(rng):
    field = SkyCoord(rng.uniform(99.7, 100.3, 600) * u.deg, rng.uniform(-0.3, 0.3, 600) * u.deg)
    centre = SkyCoord(100.1 * u.deg, -0.05 * u.deg)
    cl = SkyCoord(centre.ra + rng.normal(0, 1.0, 150) * u.arcmin, centre.dec + rng.normal(0, 1.0, 150) * u.arcmin)
    coords = SkyCoord(np.concatenate([field.ra, cl.ra]), np.concatenate([field.dec, cl.dec]))
    peak = densest_concentration(coords, smoothing=1.0 * u.arcmin)
    assert peak.center.separation(centre) < 0.5 * u.arcmin
    assert peak.peak_density > 5 * peak.mean_density
    with pytest.raises(ValueError, match="at least 3"):
        densest_concentration(coords[:2])


# --------------------------------------------------------------------------- catalog

def _det_table():
    t = Table()
    t["id"] = [1, 2, 3]
    t["ra"] = [150.0, 150.001, 150.002] * u.deg
    t["dec"] = [2.0, 2.001, 2.002] * u.deg
    t["x"] = [1.0, 2.0, 3.0] * u.pix
    t["y"] = [4.0, 5.0, 6.0] * u.pix
    t["flux"] = [100.0, 200.0, 300.0] * u.ct
    return t


def test_predictions_fits_round_trip(tmp_path):
    t = predictions_table(_det_table(), [0.1, 0.6, 0.95], model="StarGalaxyCNN", model_version="1.0",
                          source="field.fits sha256:abc", provenance="test", date="2026-01-01T00:00:00")
    assert t["class"].tolist() == ["star", "galaxy", "galaxy"]
    path = write_predictions(tmp_path / "pred.fits", t)
    back = read_predictions(path)
    assert tables_equal(t, back)
    assert back["ra"].unit == u.deg and back["flux"].unit == u.ct and back["x"].unit == u.pix
    for k in ("MODEL", "MODELVER", "DATE", "CREATOR", "SOURCE", "PROVENAN"):
        assert back.meta[k] == t.meta[k]
    assert back.meta["MODEL"] == "StarGalaxyCNN" and back.meta["DATE"] == "2026-01-01T00:00:00"
    with fits.open(path) as h:
        assert h["PREDICTIONS"].header["TUNIT2"] == "deg"


def test_predictions_bad_input(tmp_path):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        predictions_table(_det_table(), [0.1, 2.0, 0.3], model="m", model_version="1", source="s", provenance="p")
    with pytest.raises(ValueError, match="3 rows"):
        predictions_table(_det_table(), [0.1], model="m", model_version="1", source="s", provenance="p")
    with pytest.raises(ValueError, match="non-empty"):
        predictions_table(_det_table(), [0.1, 0.2, 0.3], model="", model_version="1", source="s", provenance="p")
    with pytest.raises(ValueError, match="provenance"):
        write_predictions(tmp_path / "x.fits", _det_table())
    # a file without the provenance keywords or with a wrong unit is refused on reading
    bare = _det_table()
    bare["p_galaxy"] = [0.1, 0.2, 0.3]
    hdu = fits.table_to_hdu(bare)
    hdu.name = "PREDICTIONS"
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(tmp_path / "bare.fits")
    with pytest.raises(ValueError, match="missing provenance"):
        read_predictions(tmp_path / "bare.fits")
    t = predictions_table(_det_table(), [0.1, 0.2, 0.3], model="m", model_version="1", source="s", provenance="p")
    t["ra"] = t["ra"].to(u.arcmin)
    write_predictions(tmp_path / "arcmin.fits", t)
    with pytest.raises(ValueError, match="unit"):
        read_predictions(tmp_path / "arcmin.fits")
    with pytest.raises(FileNotFoundError):
        read_predictions(tmp_path / "nope.fits")
