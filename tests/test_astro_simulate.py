"""Tests of coursekit.astro.simulate: the simulated field and the stand-ins of the real plates."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.table import Table

from coursekit.astro.data import read_image
from coursekit.astro.simulate import (
    FWHM_TO_SIGMA,
    FieldSpec,
    gaussian_psf_stamp,
    make_car_galactic_wcs,
    make_tan_wcs,
    read_truth,
    sersic_bn,
    simulate_cluster_plate,
    simulate_field,
    write_field,
)

SMALL = dict(shape=(200, 200), n_stars=25, n_galaxies=25)


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


def test_manifest_entries_for_astro():
    from coursekit.data import generate, get_dataset

    ds = get_dataset("simulated_field_astro")
    assert ds.notebook == "08" and "generator" in ds.reduced
    f = generate("simulated_field_astro", shape=[96, 96], n_stars=5, n_galaxies=5)
    assert f.data.shape == (96, 96) and len(f.truth) == 10

def test_cluster_plate_plummer_members_centred():
    centre = SkyCoord(132.825 * u.deg, 11.80 * u.deg)
    f = simulate_cluster_plate(seed=1, center=centre, shape=(300, 300), n_members=150, n_field=100,
                               core_radius_arcmin=1.0)
    t = f.truth
    assert 100 <= t["member"].sum() <= 150 and (~t["member"]).sum() == 100
    sky = SkyCoord(t["ra"], t["dec"])
    r_mem = sky[t["member"]].separation(centre).to_value(u.arcmin)
    r_fld = sky[~t["member"]].separation(centre).to_value(u.arcmin)
    assert np.median(r_mem) < 0.6 * np.median(r_fld)  # members concentrated, field uniform
    again = simulate_cluster_plate(seed=1, center=centre, shape=(300, 300), n_members=150, n_field=100,
                                   core_radius_arcmin=1.0)
    np.testing.assert_array_equal(f.data, again.data)


def test_car_galactic_wcs_centre_and_scale():
    w = make_car_galactic_wcs((101, 201), 18.0, 0.2, 1.2)
    c = w.pixel_to_world(100, 50)
    assert c.frame.name == "galactic"
    assert c.l.deg == pytest.approx(18.0, abs=1e-9) and c.b.deg == pytest.approx(0.2, abs=1e-9)
    assert c.separation(w.pixel_to_world(100, 51)).to_value(u.arcsec) == pytest.approx(1.2, rel=1e-6)

