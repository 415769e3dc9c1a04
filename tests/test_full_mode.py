"""Full mode, end to the model's input, for every data set whose full files the test cache holds.

The session cache is seeded from ../shared/data/real (see the root conftest), as CI does; in a student's
clone these tests are skipped by the ``real_sample`` fixture. Each test resolves the data set in full mode
(``COURSEKIT_MODE=full``, downloads forbidden), goes through the topic's own loader and stops at the array
or object its model takes, checking sizes and physical ranges that a wrong file or a wrong parser would break.
Galaxy10 DECaLS and the MAST light curves of KOIs are too large to hold; their readers are tested on files
written in the real schema in the topic tests (``test_galaxies_data``, ``test_transits_data``).
"""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def full_mode(monkeypatch):
    monkeypatch.setenv("COURSEKIT_MODE", "full")


def test_boss_dr10_full_to_features(real_sample, full_mode):
    from coursekit.photoz.data import features, load_boss
    from coursekit.photoz.simulate import PhotometryCatalog

    r = real_sample("sdss_boss_dr10_photoz", mode="full")
    assert r.tier == "full" and len(r.paths) == 6
    train, test = load_boss(verbose=False)
    assert train.meta["tier"] == "full"
    assert len(train) > 15000 and len(test) > 2000  # 20,820 unique galaxies in the six files
    x = features(PhotometryCatalog.from_table(train))
    assert x.shape == (len(train), 9) and np.isfinite(x).all()  # 5 magnitudes + 4 colours
    z = np.asarray(train["Z"], float)
    assert 0.3 < np.median(z) < 0.7  # BOSS CMASS/LOWZ redshifts


def test_gw150914_full_to_whitened_strain(real_sample, full_mode):
    from coursekit.gw.data import load_gw150914

    real_sample("gw150914_strain", mode="full")
    ev = load_gw150914()
    assert ev.tier == "full"
    for det in ("H1", "L1"):
        ts = ev.strain[det]
        assert ts.sample_rate.value == 4096 and abs(ts.duration.value - 32) < 1e-6
        white = ts.whiten(4, 2)
        seg = white.crop(ev.gps - 0.2, ev.gps + 0.05).value
        assert np.isfinite(seg).all() and np.abs(seg).max() > 3  # the chirp stands out of whitened noise


def test_kepler90_full_to_views(real_sample, full_mode):
    from coursekit.transits.data import lc_arrays, load_kepler90
    from coursekit.transits.preprocess import preprocess

    real_sample("kepler90_lightcurves", mode="full")
    lc = load_kepler90()
    assert lc.meta["TIER"] == "full"
    t, f = lc_arrays(lc)
    assert len(t) > 8000 and np.all(np.diff(t) > 0)
    # Kepler-90 h: P = 331.60 d, T0 = 140.5 BKJD (ephemeris of the KOI table), 13 h duration
    gv, lv = preprocess(t, f, 331.60059, 140.4960, 0.5416)
    assert gv.shape == (2001,) and lv.shape == (201,)
    assert np.nanmin(lv) < -0.5  # normalised: the transit reaches about -1 at the centre


def test_koi_table_full(real_sample, full_mode):
    from coursekit.transits.data import load_koi_table

    real_sample("kepler_koi_cumulative", mode="full")
    table = load_koi_table()
    assert len(table) == 9564
    assert {"CONFIRMED", "FALSE POSITIVE"} <= set(np.asarray(table["koi_disposition"]).astype(str))


def test_oec_and_pantheon_full_to_regression_inputs(real_sample, full_mode):
    from coursekit.symbolic.data import hubble_diagram, load_planets, load_supernovae

    real_sample("open_exoplanet_catalogue", mode="full")
    real_sample("pantheonplus_sh0es", mode="full")
    planets = load_planets(verbose=False)
    assert planets.meta["tier"] == "full" and len(planets) > 2000  # 2,519 with P, a and M*
    sne = load_supernovae(verbose=False)
    assert sne.meta["tier"] == "full" and len(sne) == 1701
    hd = hubble_diagram(sne)
    assert all(len(v) > 300 for v in hd.values())


def test_dss_and_spitzer_full_to_detections(real_sample, full_mode):
    from coursekit.astro.data import load_dss_m67, load_spitzer_glimpse

    real_sample("dss_m67_image", mode="full")
    real_sample("spitzer_glimpse_image", mode="full")
    dss = load_dss_m67(verbose=False)
    assert dss.tier == "full" and dss.data.shape == (1059, 1059) and dss.wcs.has_celestial
    sp = load_spitzer_glimpse(verbose=False)
    assert sp.tier == "full" and sp.wcs.has_celestial and np.isfinite(sp.data).any()
