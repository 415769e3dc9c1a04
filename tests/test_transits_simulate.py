"""Simulator: cadence and gaps, transit physics, binaries, noise levels, labels, dataset assembly."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.transits.data import LONG_CADENCE_DAYS
from coursekit.transits.preprocess import phase_fold
from coursekit.transits.simulate import (
    SimulationConfig,
    kepler_time_grid,
    make_dataset,
    simulate_kepler90_like,
    simulate_lightcurves,
    transit_duration,
)

SMALL = SimulationConfig(n_quarters=1)


def test_time_grid_has_kepler_cadence_and_gaps(rng):
    time, good = kepler_time_grid(SimulationConfig(n_quarters=3), rng)
    np.testing.assert_allclose(np.diff(time), 29.4 / 1440, rtol=1e-3)
    assert time[-1] - time[0] == pytest.approx(270, abs=0.1)
    lost = 1 - good.mean()
    assert 0.02 < lost < 0.12  # a few downlink / quarter gaps
    gaps = np.diff(time[good])
    assert gaps.max() > 0.8  # at least one gap of about a day


def test_transit_duration_of_the_earth():
    # Earth-Sun: a/R* = 215, k = 0.00917, central transit: about 13 hours
    d = transit_duration(365.25, 215.03, 0.00917, 0.0)
    assert d * 24 == pytest.approx(13.0, abs=0.2)
    assert transit_duration(10.0, 20.0, 0.1, 1.2) == 0.0  # b > 1 + k: no transit


def test_planet_light_curve_has_the_injected_transit():
    sim = simulate_lightcurves(3, seed=3, config=SMALL, kinds=["planet"] * 3)
    p = sim.params
    assert sim.flux.shape == (3, len(sim.time)) and sim.flux.dtype == np.float32
    assert np.isnan(sim.flux).any()  # gaps
    np.testing.assert_array_equal(p["label"], [1, 1, 1])
    for i in range(3):
        t, f = sim.lightcurve(i)
        inside = np.abs(phase_fold(t, p["period"][i], p["t0"][i])) < 0.25 * p["duration"][i]
        out = np.abs(phase_fold(t, p["period"][i], p["t0"][i])) > p["duration"][i]
        # local comparison (spots vary slowly): depth within noise of the model depth
        measured = np.median(f[out]) - np.mean(f[inside])
        noise = np.std(f[out]) / np.sqrt(inside.sum())
        assert measured == pytest.approx(p["depth"][i], abs=5 * noise + 0.15 * p["depth"][i])
        assert p["rp_rs"][i] ** 2 < 1.3 * p["depth"][i]  # limb darkening deepens the centre


def test_eclipsing_binary_has_a_secondary_and_quiet_star_none():
    sim = simulate_lightcurves(40, seed=5, config=SMALL, kinds=["eb"] * 20 + ["quiet"] * 20)
    p = sim.params
    assert set(p["label"]) == {0}
    strong = [i for i in range(20) if p["secondary_ratio"][i] > 0.3 and p["depth"][i] > 0.01
              and p["spot_amp"][i] < 0.2 * p["depth"][i]]  # spots as deep as the eclipse would bias this check
    assert strong, "expected some binaries with a visible secondary"
    for i in strong:
        t, f = sim.lightcurve(i)
        prim = np.abs(phase_fold(t, p["period"][i], p["t0"][i])) < 0.2 * p["duration"][i]
        t_sec = p["t0"][i] + p["secondary_phase"][i] * p["period"][i]
        assert abs(p["secondary_phase"][i] - 0.5) < 0.1
        sec = np.abs(phase_fold(t, p["period"][i], t_sec)) < 0.1 * p["duration"][i]
        if prim.sum() > 3 and sec.sum() > 3:
            d1, d2 = 1 - np.median(f[prim]), 1 - np.median(f[sec])
            assert d2 / d1 == pytest.approx(p["secondary_ratio"][i], abs=0.25)
    assert np.all(p["depth"][20:] == 0) and np.all(p["snr_expected"][20:] == 0)


def test_white_noise_follows_the_cdpp():
    cfg = SimulationConfig(n_quarters=1, spot_amp_range=(1e-7, 2e-7))
    sim = simulate_lightcurves(6, seed=1, config=cfg, kinds=["quiet"] * 6)
    sigma_expected = sim.params["cdpp_ppm"] * 1e-6 * np.sqrt((6.5 / 24) / LONG_CADENCE_DAYS)
    # point-to-point scatter removes the red noise: std(diff) / sqrt(2) ~ white sigma
    for i in range(6):
        _, f = sim.lightcurve(i)
        est = np.std(np.diff(f)) / np.sqrt(2)
        assert est == pytest.approx(sigma_expected[i], rel=0.25)


def test_simulate_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="unknown kind"):
        simulate_lightcurves(1, kinds=["brown dwarf"], config=SMALL)
    with pytest.raises(ValueError, match="kinds has 2 entries"):
        simulate_lightcurves(1, kinds=["planet", "eb"], config=SMALL)


def test_make_dataset_shapes_and_split():
    ds = make_dataset(16, seed=2, n_quarters=1, chunk=8, progress=False)
    assert ds.global_view.shape == (16, 2001) and ds.local_view.shape == (16, 201)
    assert np.isfinite(ds.global_view).all() and np.isfinite(ds.local_view).all()
    np.testing.assert_array_equal(ds.label, (ds.kind == "planet").astype(int))
    assert set(ds.vetting) >= {"snr", "odd_even_sigma", "secondary_sigma", "score"}
    tr, va, te = ds.split((0.5, 0.25, 0.25), seed=0)
    assert (len(tr), len(va), len(te)) == (8, 4, 4)
    with pytest.raises(ValueError, match="sum to 1"):
        ds.split((0.5, 0.5, 0.5))


def test_kepler90_stand_in_has_its_planets():
    import lightkurve as lk

    from coursekit.transits.data import lc_arrays

    lc = simulate_kepler90_like(seed=0)
    assert isinstance(lc, lk.LightCurve)  # the same type as the real quarters
    time, flux = lc_arrays(lc)
    assert 260 < time[0] < 261 and 537 < time[-1] < 539
    ph = phase_fold(time, 331.5972732, 140.498929)  # Kepler-90 h, 8322 ppm
    deficit = np.median(flux[np.abs(ph) > 1]) - np.mean(flux[np.abs(ph) < 0.15])
    assert deficit == pytest.approx(8.3e-3, rel=0.2)


def test_inject_transit_depth_and_times():
    from coursekit.transits.data import lc_arrays, make_lightcurve
    from coursekit.transits.simulate import inject_transit

    t = 300 + np.arange(0, 30, LONG_CADENCE_DAYS)
    lc = inject_transit(make_lightcurve(t, np.ones(len(t))), period=5.0, t0=302.0, depth=1e-3, duration=0.2)
    _, f = lc_arrays(lc)
    ph = phase_fold(t, 5.0, 302.0)
    assert np.all(f[np.abs(ph) > 0.15] == 1.0)  # untouched outside the transits
    assert 1 - f[np.abs(ph) < 0.02].mean() == pytest.approx(1e-3, rel=0.25)
    with pytest.raises(ValueError, match="depth"):
        inject_transit(lc, period=5.0, t0=302.0, depth=2.0, duration=0.2)
