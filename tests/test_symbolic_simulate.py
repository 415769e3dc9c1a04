"""coursekit.symbolic.simulate: simulators with known laws and the typed-in facts, in the real tables' layouts."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u

from coursekit.symbolic import simulate as S


def test_kepler_period_one_au_is_one_year():
    assert S.kepler_period(1 * u.AU).to_value(u.yr) == pytest.approx(1.0, abs=1e-4)
    assert S.kepler_period(4 * u.AU, 4 * u.M_sun).to_value(u.yr) == pytest.approx(4.0, abs=1e-3)


def test_simulate_orbits_follow_the_law_with_the_stated_noise():
    o = S.simulate_orbits(2000, rel_noise=0.02, seed=3)
    assert o["a"].unit == u.AU and o["T"].unit == u.yr
    resid = o["T"].to_value(u.yr) / o["a"].to_value(u.AU) ** 1.5 - 1
    assert np.std(resid) == pytest.approx(0.02, rel=0.1)
    assert abs(np.mean(resid)) < 0.002
    np.testing.assert_array_equal(S.simulate_orbits(seed=1)["a"], S.simulate_orbits(seed=1)["a"])
    with pytest.raises(ValueError, match="rel_noise >= 0"):
        S.simulate_orbits(10, rel_noise=-1)


def test_nfw_density_and_profile():
    rho0 = 1e7 * u.Msun / u.kpc**3
    assert S.nfw_density(20 * u.kpc, rho0, 20 * u.kpc).to_value(u.Msun / u.kpc**3) == pytest.approx(2.5e6)
    p = S.simulate_nfw_profile(n_bins=30, scatter=0.0, seed=0)
    assert p["r"].shape == (30,) and p["r"][0].to_value(u.kpc) == pytest.approx(0.2)
    np.testing.assert_allclose(p["rho"], S.nfw_density(p["r"], p["rho0"], p["rs"]))
    noisy = S.simulate_nfw_profile(n_bins=400, scatter=0.05, seed=1)
    ratio = np.log((noisy["rho"] / S.nfw_density(noisy["r"], noisy["rho0"], noisy["rs"])).decompose().value)
    assert np.std(ratio) == pytest.approx(0.05, rel=0.15)


def test_solar_system_table_obeys_kepler():
    t = S.solar_system_table()
    assert len(t) == 12 and set(t["list"]) == {"Sun", "Jupiter"}
    assert t["period"].unit == u.day and t["semimajoraxis"].unit == u.AU and t["hoststar_mass"].unit == u.M_sun
    k = t["semimajoraxis"].value ** 3 / ((t["period"].to_value(u.yr)) ** 2 * t["hoststar_mass"].value)
    np.testing.assert_allclose(k, 1.0, rtol=0.01)


def test_simulated_supernovae_match_astropy():
    from astropy.cosmology import FlatLambdaCDM

    t = S.simulate_supernovae(200, sigma_mu=0.0, seed=0)
    mu = FlatLambdaCDM(H0=73, Om0=0.334).distmod(np.asarray(t["zHD"])).value
    np.testing.assert_allclose(t["MU_SH0ES"].to_value(u.mag), mu)
    assert np.all(np.diff(t["zHD"]) > 0) and t["IS_CALIBRATOR"].sum() == 0
