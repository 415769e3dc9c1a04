"""The four laws of notebook 06, recovered by the offline engine at reduced-mode search sizes."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.symbolic import problems as P
from coursekit.symbolic import simulate as S
from coursekit.symbolic.data import hubble_diagram, load_pantheon


def test_kepler_simulated_recovers_exponent():
    res = P.kepler_simulated(S.simulate_orbits(seed=0), seed=0, config=P.REDUCED, engine="operon")
    assert res.recovered
    assert res.values["p"] == pytest.approx(1.5, abs=0.01)
    assert res.values["c"] == pytest.approx(1.0, abs=0.05)
    assert res.baseline["p"] == pytest.approx(1.5, abs=0.01)
    assert res.values["c_theory"] == pytest.approx(1.0, abs=1e-4)
    assert set(res.report()) >= {"law", "recovered", "p", "baseline_p"}


def test_kepler_planets_solar_system_and_moons():
    res = P.kepler_planets(S.solar_system_table(), seed=0, config=P.REDUCED, engine="operon")
    assert res.recovered
    assert res.values["p_a"] == pytest.approx(1.5, abs=0.01)
    assert res.values["p_M"] == pytest.approx(-0.5, abs=0.01)
    assert res.values["c"] == pytest.approx(res.values["c_theory"], rel=0.01)


@pytest.mark.slow
def test_nfw_profile_form_recovered():
    prof = S.simulate_nfw_profile(seed=0)
    res = P.nfw_profile(prof, seed=0, config=P.REDUCED, engine="operon")
    assert res.recovered
    assert res.values["inner_slope"] == pytest.approx(-1, abs=0.15)
    assert res.values["outer_slope"] == pytest.approx(-3, abs=0.15)
    assert res.values["rs"] == pytest.approx(20, rel=0.25)
    assert res.baseline["rs"] == pytest.approx(20, rel=0.1)


def _synthetic_hubble(h0=70.0, n=300, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.uniform(0.023, 0.1, n)
    from astropy import units as u

    d = 299792.458 * z / h0 * (1 + 0.07 * rng.normal(size=n))
    return {"z": z, "v": 299792.458 * z * u.km / u.s, "d": d * (1 + z) * u.Mpc}


def test_hubble_law_on_synthetic_flow():
    res = P.hubble_law(_synthetic_hubble(), seed=0, config=P.REDUCED, engine="operon")
    assert res.values["H0"] == pytest.approx(70, abs=1.5)
    assert res.recovered
    with pytest.raises(ValueError, match="distance must be"):
        P.hubble_law(_synthetic_hubble(), distance="angular")


@pytest.mark.shared_data
def test_hubble_law_pantheon(shared_real):
    t = load_pantheon(shared_real / "supernova_hubble_diagram_pantheonplus" / "Pantheon+SH0ES.dat")
    res = P.hubble_law(hubble_diagram(t), seed=0, config=P.REDUCED, engine="operon")
    assert res.recovered
    assert 71 < res.values["H0"] < 76


def test_kepler_planets_clips_an_inconsistent_row():
    import pandas as pd

    t = S.solar_system_table()
    rng = np.random.default_rng(0)
    extra = pd.DataFrame({"name": [f"p{i}" for i in range(30)], "a_au": 10 ** rng.uniform(-2, 1, 30),
                          "host_mass_msun": 10 ** rng.uniform(-0.5, 0.3, 30), "host": "star"})
    extra["period_days"] = 365.256 * extra["a_au"] ** 1.5 / np.sqrt(extra["host_mass_msun"])
    extra.loc[0, "period_days"] *= 5  # a wrong period
    res = P.kepler_planets(pd.concat([t, extra], ignore_index=True), seed=0, config=P.REDUCED, engine="operon")
    assert res.values["n_clipped"] == 1 and not res.data["keep"][len(t)]
    assert res.recovered and res.values["p_M"] == pytest.approx(-0.5, abs=0.01)


@pytest.mark.shared_data
def test_kepler_planets_open_exoplanet_catalogue(shared_real):
    from coursekit.symbolic.data import load_oec

    t = load_oec(shared_real / "exoplanet_catalogue_oec" / "open_exoplanet_catalogue.csv")
    res = P.kepler_planets(t, seed=0, config=P.REDUCED, engine="operon")
    assert res.recovered
    assert res.values["p_a"] == pytest.approx(1.5, abs=0.02)
    assert res.values["p_M"] == pytest.approx(-0.5, abs=0.05)
    assert res.values["p_M_before_clipping"] > -0.48  # the outliers flatten the mass exponent


def test_hubble_ratio_reads_q0_from_the_slope():
    from astropy import units as u

    rng = np.random.default_rng(2)
    z = rng.uniform(0.02, 0.5, 400)
    v = 299792.458 * z
    d_l = v / 70.0 * (1 + (1 - (-0.5)) * z / 2) * (1 + 0.02 * rng.normal(size=z.size))
    res = P.hubble_ratio({"z": z, "v": v * u.km / u.s, "d": d_l * u.Mpc}, seed=0, config=P.REDUCED, engine="operon")
    assert res.values["H0"] == pytest.approx(70, abs=1.0)
    assert res.values["q0"] == pytest.approx(-0.5, abs=0.1)
    assert res.baseline["q0"] == pytest.approx(-0.5, abs=0.2)
