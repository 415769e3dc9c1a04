"""Tests of coursekit.astro.baseline: the density peak, locating an object, the classical star/galaxy methods."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from coursekit.astro.baseline import (
    FEATURES,
    densest_concentration,
    feature_matrix,
    fit_concentration_cut,
    locate,
    locate_on_plate,
    random_forest_baseline,
)
from coursekit.astro.metrics import accuracy_above
from coursekit.astro.model import labelled_sample
from coursekit.astro.simulate import simulate_field

M67 = SkyCoord(132.825 * u.deg, 11.80 * u.deg)


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


def test_labelled_sample_and_baselines():
    f = simulate_field(seed=21, shape=(256, 256), n_stars=40, n_galaxies=40)
    s = labelled_sample(f, stamp_size=15)
    t = s.table
    assert len(t) >= 55 and s.stamps.shape == (len(t), 15, 15) and s.background.shape == s.stamps.shape
    assert set(np.unique(t["is_galaxy"])) == {0, 1}
    for col in FEATURES + ("mag_true", "truth_id", "edge"):
        assert col in t.colnames
    X = feature_matrix(t)
    assert X.shape == (len(t), len(FEATURES)) and np.isfinite(X).all()
    ds = s.dataset()
    assert len(ds) == len(t) and ds[0][0].shape == (1, 15, 15)
    # a concentration cut separates bright stars from galaxies on this field
    thr = fit_concentration_cut(t, t["is_galaxy"])
    acc = accuracy_above(np.asarray(t["concentration"]) < thr, t["is_galaxy"], t["mag_true"], 20.0)
    assert acc >= 0.9
    p, _ = random_forest_baseline(t, t, n_estimators=20)
    assert p.shape == (len(t),) and accuracy_above(p > 0.5, t["is_galaxy"], t["mag_true"], 99) > 0.95


def test_m67_densest_concentration_on_dss(real_sample):
    from coursekit.astro.data import load_dss_m67

    real_sample("dss_m67_image")
    loc, det = locate_on_plate(load_dss_m67(verbose=False), M67, n_boot=10)
    assert len(det.catalog) > 500
    assert loc.offset < 5 * u.arcmin  # the target
    assert 0 < loc.offset_err < 2 * u.arcmin
    assert loc.peak.peak_density > 1.5 * loc.peak.mean_density
    # the WCS maps the detections inside the plate's footprint
    ra = np.asarray(det.catalog["ra"])
    assert 132.4 < ra.min() and ra.max() < 133.3

def test_locate_cluster_and_nearest_source(rng):
    centre = SkyCoord(100.1 * u.deg, -0.05 * u.deg)
    field = SkyCoord(rng.uniform(99.8, 100.4, 400) * u.deg, rng.uniform(-0.35, 0.25, 400) * u.deg)
    cl = SkyCoord(centre.ra + rng.normal(0, 1.0, 150) * u.arcmin, centre.dec + rng.normal(0, 1.0, 150) * u.arcmin)
    coords = SkyCoord(np.concatenate([field.ra, cl.ra]), np.concatenate([field.dec, cl.dec]))
    loc = locate(coords, centre, n_boot=20)
    assert loc.method == "density peak" and loc.offset < 0.6 * u.arcmin and loc.offset_err > 0 * u.arcmin
    assert loc.measurement().unit == "arcmin"
    near = locate(coords, coords[7], method="source")
    assert near.offset.to_value(u.arcsec) == pytest.approx(0.0, abs=1e-6) and near.found.separation(coords[7]) == 0
    with pytest.raises(ValueError, match="'cluster' or 'source'"):
        locate(coords, centre, method="peak")


def test_locate_on_stand_in_plate_and_refusals():
    from coursekit.astro.data import _plate
    from coursekit.astro.simulate import simulate_cluster_plate

    sim = simulate_cluster_plate(seed=3, center=M67, shape=(300, 300), n_members=150, n_field=120)
    plate = _plate(sim.data, sim.wcs, u.dimensionless_unscaled)
    loc, det = locate_on_plate(plate, M67, n_boot=10)
    assert loc.offset < 1.5 * u.arcmin and len(det.catalog) > 150
    with pytest.raises(ValueError, match="outside the plate"):
        locate_on_plate(plate, SkyCoord(10 * u.deg, 10 * u.deg))

