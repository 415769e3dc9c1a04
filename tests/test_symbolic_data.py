"""coursekit.symbolic.data: the OEC and Pantheon+ readers, resolution through the manifest (real sample or
stand-in, same layout), the Hubble diagram."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u
from astropy.table import QTable

from coursekit.data import DataError
from coursekit.symbolic import data as D

OEC_HEADER = ("name,binaryflag,mass,radius,period,semimajoraxis,eccentricity,periastron,longitude,ascendingnode,"
              "inclination,temperature,age,discoverymethod,discoveryyear,lastupdate,system_rightascension,"
              "system_declination,system_distance,hoststar_mass,hoststar_radius,hoststar_metallicity,"
              "hoststar_temperature,hoststar_age,list")


def test_read_oec_on_a_file_in_the_real_format(tmp_path):
    f = tmp_path / "oec.csv"
    f.write_text(
        OEC_HEADER + "\n"
        "Earth,0,0.00315,0.0892,365.256,1.0,0.0167,,,,,288,,,,,,,,1.0,1.0,,5778,,Solar System\n"
        "HD 1 b,0,1.2,,10.5,0.09,,,,,,,,RV,2001,15/01/01,00 00 00,+00 00 00,30,1.1,,,,,"
        "\"Confirmed planets, Planets in binary systems\"\n"
        "Orphan,3,5.0,,,,,,,,,,,imaging,2010,,,,,,,,,,Free-floating planets\n"
    )
    t = D.read_oec(f)
    assert isinstance(t, QTable) and list(t["name"]) == ["Earth", "HD 1 b"]
    assert t["period"][1] == 10.5 * u.day and t["hoststar_mass"][1] == 1.1 * u.M_sun
    assert t["semimajoraxis"].unit == u.AU
    assert "Planets in binary systems" in t["list"][1]


def test_read_oec_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        D.read_oec(tmp_path / "missing.csv")
    f = tmp_path / "bad.csv"
    f.write_text("name,period\nX,3\n")
    with pytest.raises(DataError, match=r"lacks the Open Exoplanet Catalogue column\(s\) \['semimajoraxis'"):
        D.read_oec(f)
    f.write_text(OEC_HEADER + "\nX,0,,,,,,,,,,,,,,,,,,,,,,,\n")
    with pytest.raises(DataError, match="no row with period"):
        D.read_oec(f)


def _pantheon_file(tmp_path):
    f = tmp_path / "Pantheon+SH0ES.dat"
    rows = ["CID IDSURVEY zHD zHDERR MU_SH0ES MU_SH0ES_ERR_DIAG IS_CALIBRATOR",
            "cal1 1 0.005 0.001 32.0 0.1 1"]
    for i, z in enumerate(np.linspace(0.02, 0.5, 20)):
        rows.append(f"sn{i} 1 {z:.4f} 0.001 {5 * np.log10(299792.458 * z / 70 * 1e6 / 10):.4f} 0.15 0")
    f.write_text("\n".join(rows) + "\n")
    return f


def test_read_pantheon_and_hubble_diagram(tmp_path):
    t = D.read_pantheon(_pantheon_file(tmp_path))
    assert len(t) == 21 and t["IS_CALIBRATOR"].sum() == 1 and t["MU_SH0ES"].unit == u.mag
    h = D.hubble_diagram(t, z_min=0.0, z_max=0.3)
    assert len(h["z"]) == 12  # the calibrator is dropped, z < 0.3 kept
    assert h["v"].unit == u.km / u.s and h["d"].unit == u.Mpc
    np.testing.assert_allclose((h["v"] / h["d"]).to_value(u.km / u.s / u.Mpc), 70.0, rtol=1e-3)
    # d_err = d ln(10)/5 sigma_mu: 0.15 mag is 6.9 % in distance
    np.testing.assert_allclose(h["d_err"] / h["d"], np.log(10) / 5 * 0.15)
    with pytest.raises(ValueError, match="only 0 supernovae"):
        D.hubble_diagram(t, z_min=0.9, z_max=1.0)
    with pytest.raises(ValueError, match="z_min < z_max"):
        D.hubble_diagram(t, z_min=0.3, z_max=0.1)


def test_read_pantheon_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        D.read_pantheon(tmp_path / "nope.dat")
    f = tmp_path / "p.dat"
    f.write_text("zHD MU_SH0ES\n0.1 38\n")
    with pytest.raises(DataError, match="lacks the Pantheon"):
        D.read_pantheon(f)


def test_stand_ins_offline_have_the_real_layout(monkeypatch, tmp_path, no_network):
    monkeypatch.setenv("COURSEKIT_DATA_DIR", str(tmp_path))
    planets = D.load_planets("reduced", verbose=False)
    assert planets.meta["tier"] == "stand-in" and "stand-in" in planets.meta["message"]
    assert len(planets) == 12 and {"period", "semimajoraxis", "hoststar_mass"} <= set(planets.colnames)
    sne = D.load_supernovae("reduced", verbose=False)
    assert sne.meta["tier"] == "stand-in" and "SIMULATED" in sne.meta["source"] and len(sne) == 600
    assert sne["MU_SH0ES"].unit == u.mag
    assert 100 < len(D.hubble_diagram(sne)["z"]) < 300


def test_real_oec_sample(real_sample):
    r = real_sample("open_exoplanet_catalogue")
    t = D.load_planets("reduced", verbose=False)
    assert t.meta["tier"] == "sample" and str(r.folder) in t.meta["message"]
    assert len(t) == 2519 and {"Mercury", "Neptune"} <= set(t["name"])
    k = t["semimajoraxis"].value ** 3 / (t["period"].to_value(u.yr) ** 2 * t["hoststar_mass"].value)
    assert np.median(k) == pytest.approx(1.0, abs=0.01)


def test_real_pantheon_sample(real_sample):
    real_sample("pantheonplus_sh0es")
    t = D.load_supernovae("reduced", verbose=False)
    assert t.meta["tier"] == "sample"
    assert len(t) == 1701 and t["IS_CALIBRATOR"].sum() == 77
    assert 350 < len(D.hubble_diagram(t)["z"]) < 500
