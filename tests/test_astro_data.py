"""Tests of coursekit.astro.data: FITS/WCS reading into a CCDData, the manifest's plates (real and stand-in)."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.nddata import CCDData
from astropy.table import Table

from coursekit.astro.data import (
    M67_CENTER,
    FitsImageError,
    Plate,
    WCSError,
    load_dss_m67,
    load_spitzer_glimpse,
    object_position,
    read_image,
    write_image,
)
from coursekit.astro.simulate import make_tan_wcs

M67 = SkyCoord(132.825 * u.deg, 11.80 * u.deg)  # J2000


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


def test_read_real_dss_m67(real_sample):
    real_sample("dss_m67_image")
    img = load_dss_m67(verbose=False)
    assert isinstance(img, CCDData) and img.tier == "sample" and img.is_real
    assert img.shape == (1059, 1059) and img.frame == "fk5"
    assert img.pixel_scale.to_value(u.arcsec) == pytest.approx(1.70, abs=0.01)
    assert img.center().separation(M67) < 1 * u.arcmin
    assert any("datfix" in f for f in img.fixes)  # the 1951 DATE-OBS was repaired, not warned about
    assert img.header["DATE-OBS"] == "29/11/51" and img.obs_time.iso[:10] == "1951-11-29"


def test_read_real_spitzer(real_sample):
    real_sample("spitzer_glimpse_image")
    img = load_spitzer_glimpse(verbose=False)
    assert isinstance(img, CCDData) and img.tier == "sample"
    assert img.shape == (513, 1025) and img.frame == "galactic"
    assert img.unit == u.MJy / u.sr
    assert img.pixel_scale.to_value(u.arcsec) == pytest.approx(1.2, rel=1e-6)
    assert np.isnan(img.data).any() and np.isfinite(img.data).mean() > 0.5
    c = img.center().galactic
    assert abs(c.l.deg - 18.2) < 0.1 and abs(c.b.deg - 0.2) < 0.1

def test_read_image_is_ccddata_with_wcs(tmp_path):
    w, _ = _tan_header()
    img = read_image(write_image(tmp_path / "img.fits", np.ones((50, 60)), w, unit="ct"))
    assert isinstance(img, Plate) and isinstance(img, CCDData) and img.tier == "file"
    assert img.wcs.has_celestial and img.unit == u.ct and img.contains(img.center())
    assert not img.contains(SkyCoord(0 * u.deg, 0 * u.deg))
    with pytest.raises(FitsImageError, match="not a file"):
        read_image(tmp_path)


def test_stand_ins_have_the_same_type(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    dss = load_dss_m67(verbose=False)
    assert isinstance(dss, Plate) and dss.tier == "stand-in" and not dss.is_real
    assert "stand-in" in dss.message and "data import" in dss.message
    assert dss.frame == "icrs" and dss.center().separation(M67_CENTER) < 0.1 * u.arcmin
    assert dss.truth["member"].sum() > 100
    sp = load_spitzer_glimpse(verbose=False)
    assert isinstance(sp, Plate) and sp.frame == "galactic" and sp.unit == u.MJy / u.sr
    assert abs(sp.center().l.deg - 18.0) < 1e-6


def test_object_position_offline_and_refusals():
    assert object_position("M 67", online=False).separation(M67) < 1 * u.arcsec
    assert object_position("NGC2682", online=False).separation(M67_CENTER) < 1 * u.arcsec
    with pytest.raises(LookupError, match="--ra and --dec"):
        object_position("Andromeda", online=False)

