"""coursekit.symbolic.simulate and .data: simulators with known laws, the OEC and Pantheon+ readers."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u

from coursekit.data import DataError
from coursekit.symbolic import data as D
from coursekit.symbolic import simulate as S

OEC_HEADER = ("name,binaryflag,mass,radius,period,semimajoraxis,eccentricity,periastron,longitude,ascendingnode,"
              "inclination,temperature,age,discoverymethod,discoveryyear,lastupdate,system_rightascension,"
              "system_declination,system_distance,hoststar_mass,hoststar_radius,hoststar_metallicity,"
              "hoststar_temperature,hoststar_age,list")


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
    assert len(t) == 12 and set(t["host"]) == {"Sun", "Jupiter"}
    k = t["a_au"] ** 3 / ((t["period_days"] / 365.25) ** 2 * t["host_mass_msun"])
    np.testing.assert_allclose(k, 1.0, rtol=0.01)


def test_simulated_supernovae_match_astropy():
    from astropy.cosmology import FlatLambdaCDM

    t = S.simulate_supernovae(200, sigma_mu=0.0, seed=0)
    mu = FlatLambdaCDM(H0=73, Om0=0.334).distmod(t["zHD"].to_numpy()).value
    np.testing.assert_allclose(t["MU_SH0ES"], mu)
    assert t["zHD"].is_monotonic_increasing


def test_load_oec_on_a_file_in_the_real_format(tmp_path):
    f = tmp_path / "oec.csv"
    f.write_text(
        OEC_HEADER + "\n"
        "Earth,0,0.00315,0.0892,365.256,1.0,0.0167,,,,,288,,,,,,,,1.0,1.0,,5778,,Solar System\n"
        "HD 1 b,0,1.2,,10.5,0.09,,,,,,,,RV,2001,15/01/01,00 00 00,+00 00 00,30,1.1,,,,,"
        "\"Confirmed planets, Planets in binary systems\"\n"
        "Orphan,3,5.0,,,,,,,,,,,imaging,2010,,,,,,,,,,Free-floating planets\n"
    )
    t = D.load_oec(f)
    assert list(t["name"]) == ["Earth", "HD 1 b"]
    assert t.loc[1, "period_days"] == 10.5 and t.loc[1, "host_mass_msun"] == 1.1
    assert "Planets in binary systems" in t.loc[1, "list"]


def test_load_oec_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        D.load_oec(tmp_path / "missing.csv")
    f = tmp_path / "bad.csv"
    f.write_text("name,period\nX,3\n")
    with pytest.raises(DataError, match=r"lacks the Open Exoplanet Catalogue column\(s\) \['semimajoraxis'"):
        D.load_oec(f)
    f.write_text(OEC_HEADER + "\nX,0,,,,,,,,,,,,,,,,,,,,,,,\n")
    with pytest.raises(DataError, match="no row with period"):
        D.load_oec(f)


def _pantheon_file(tmp_path):
    f = tmp_path / "Pantheon+SH0ES.dat"
    rows = ["CID IDSURVEY zHD zHDERR MU_SH0ES MU_SH0ES_ERR_DIAG IS_CALIBRATOR",
            "cal1 1 0.005 0.001 32.0 0.1 1"]
    for i, z in enumerate(np.linspace(0.02, 0.5, 20)):
        rows.append(f"sn{i} 1 {z:.4f} 0.001 {5 * np.log10(299792.458 * z / 70 * 1e6 / 10):.4f} 0.15 0")
    f.write_text("\n".join(rows) + "\n")
    return f


def test_load_pantheon_and_hubble_diagram(tmp_path):
    t = D.load_pantheon(_pantheon_file(tmp_path))
    assert len(t) == 21 and t["IS_CALIBRATOR"].sum() == 1
    h = D.hubble_diagram(t, z_min=0.0, z_max=0.3)
    assert len(h["z"]) == 12  # the calibrator is dropped, z < 0.3 kept
    assert h["v"].unit == u.km / u.s and h["d"].unit == u.Mpc
    np.testing.assert_allclose((h["v"] / h["d"]).to_value(u.km / u.s / u.Mpc), 70.0, rtol=1e-3)
    with pytest.raises(ValueError, match="only 0 supernovae"):
        D.hubble_diagram(t, z_min=0.9, z_max=1.0)


def test_load_pantheon_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        D.load_pantheon(tmp_path / "nope.dat")
    f = tmp_path / "p.dat"
    f.write_text("zHD MU_SH0ES\n0.1 38\n")
    with pytest.raises(DataError, match="lacks the Pantheon"):
        D.load_pantheon(f)


def test_reduced_mode_without_shared_samples_uses_packaged_facts(monkeypatch):
    monkeypatch.setattr(D, "shared_real_dir", lambda: None)
    planets = D.planets_table("reduced")
    assert not planets.real and len(planets.data) == 12 and "typed" in planets.source
    sne = D.supernova_table("reduced")
    assert not sne.real and "SIMULATED" in sne.source and len(sne.data) == 600


@pytest.mark.shared_data
def test_real_oec_sample(shared_real):
    t = D.load_oec(shared_real / "exoplanet_catalogue_oec" / "open_exoplanet_catalogue.csv")
    assert len(t) == 2519
    assert {"Mercury", "Neptune"} <= set(t["name"])
    k = t["a_au"] ** 3 / ((t["period_days"] / 365.25) ** 2 * t["host_mass_msun"])
    assert np.median(k) == pytest.approx(1.0, abs=0.01)


@pytest.mark.shared_data
def test_real_pantheon_sample(shared_real):
    t = D.load_pantheon(shared_real / "supernova_hubble_diagram_pantheonplus" / "Pantheon+SH0ES.dat")
    assert len(t) == 1701 and t["IS_CALIBRATOR"].sum() == 77
    h = D.hubble_diagram(t)
    assert 350 < len(h["z"]) < 500
    assert D.planets_table("reduced").real and D.supernova_table("reduced").real


def test_full_mode_offline_fails_fast(no_network, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    with pytest.raises((DataError, RuntimeError)):
        D.planets_table("full")
    with pytest.raises((DataError, RuntimeError)):
        D.supernova_table("full")
