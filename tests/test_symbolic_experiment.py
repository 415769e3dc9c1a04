"""coursekit.symbolic.experiment: each step recovers its law at reduced search sizes (Operon), with errors."""

from __future__ import annotations

import numpy as np
import pytest
from astropy import units as u

from coursekit.symbolic import experiment as X
from coursekit.symbolic import simulate as S
from coursekit.symbolic.config import REDUCED, Config

TINY = Config(population_size=60, generations=6, restarts=1, max_rows=100, n_bootstrap=5, sweep_noise=(0.01, 0.3),
              sweep_seeds=2, sweep_population=40, sweep_generations=4)


def test_kepler_orbits_recovers_the_exponent_and_its_baseline():
    res = X.kepler_orbits(S.simulate_orbits(seed=0), seed=0, config=REDUCED, engine="operon", n_boot=20)
    assert res.recovered and res.law.exponents["a"] == pytest.approx(1.5, abs=0.01)
    assert res.law.coefficient == pytest.approx(1.0, abs=0.05)
    assert res.p.value == pytest.approx(1.5, abs=0.01) and np.isfinite(res.p.err)
    b = res.baseline.exponents[0]
    assert b.value == pytest.approx(1.5, abs=4 * b.err) and 0 < b.err < 0.005
    assert X.KEPLER_TIME_S == pytest.approx(1.0, abs=1e-4)  # 2 pi / sqrt(G M_sun) in yr per AU^1.5


def test_kepler_planets_solar_system_and_moons():
    table = S.solar_system_table()
    res = X.kepler_planets(table, seed=0, config=REDUCED, engine="operon", n_boot=20)
    assert res.recovered and res.n_rows == 12
    assert res.p_a.value == pytest.approx(1.5, abs=0.01) and res.p_M.value == pytest.approx(-0.5, abs=0.01)
    assert res.coefficient_days == pytest.approx(X.KEPLER_DAYS, rel=0.01)
    assert X.KEPLER_DAYS == pytest.approx(365.25, abs=0.1)
    assert res.baseline.exponents[1].value == pytest.approx(-0.5, abs=0.01)


def test_kepler_planets_clips_an_inconsistent_row():
    from astropy.table import QTable, vstack

    rng = np.random.default_rng(0)
    a = 10 ** rng.uniform(-2, 1, 30)
    m = 10 ** rng.uniform(-0.5, 0.3, 30)
    P = 365.256 * a**1.5 / np.sqrt(m)
    P[0] *= 5  # a wrong period
    extra = QTable({"name": [f"p{i}" for i in range(30)], "period": P * u.day, "semimajoraxis": a * u.AU,
                    "hoststar_mass": m * u.M_sun, "list": ["star"] * 30})
    t = vstack([S.solar_system_table(), extra])
    res = X.kepler_planets(t, seed=0, config=REDUCED, engine="operon", n_boot=10)
    assert res.n_clipped == 1 and not res.keep[12]
    assert res.recovered and res.p_M.value == pytest.approx(-0.5, abs=0.01)


@pytest.mark.slow
def test_nfw_halo_form_recovered():
    res = X.nfw_halo(S.simulate_nfw_profile(seed=0), seed=0, config=REDUCED, engine="operon", n_boot=20)
    assert res.recovered
    assert res.inner_slope == pytest.approx(-1, abs=0.15) and res.outer_slope == pytest.approx(-3, abs=0.15)
    assert res.rs.value == pytest.approx(20, rel=0.25)
    assert res.baseline_rs.value == pytest.approx(20, abs=3 * res.baseline_rs.err + 1)


def test_radius_at_slope_of_nfw_is_rs():
    r = np.geomspace(0.2, 400, 50)
    ln_nfw = lambda x: -np.log(x / 20) - 2 * np.log1p(x / 20)  # noqa: E731
    assert X._radius_at_slope(ln_nfw, r) == pytest.approx(20, rel=1e-3)
    assert np.isnan(X._radius_at_slope(lambda x: -np.log(x), r))  # a single power law has no break


def _synthetic_flow(h0=70.0, n=300, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.uniform(0.023, 0.1, n)
    d = 299792.458 * z / h0 * (1 + 0.07 * rng.normal(size=n))
    return {"z": z, "v": 299792.458 * z * u.km / u.s, "d": d * (1 + z) * u.Mpc}


def test_hubble_flow_on_synthetic_supernovae():
    res = X.hubble_flow(_synthetic_flow(), seed=0, config=REDUCED, engine="operon", n_boot=50)
    assert res.H0.value == pytest.approx(70, abs=1.5) and 0.2 < res.H0.err < 2
    assert res.baseline_H0.value == pytest.approx(70, abs=3 * res.baseline_H0.err)
    assert res.H0.unit == res.baseline_H0.unit == "km/s/Mpc"


def test_cosmography_reads_q0_from_the_ratio_of_slope_to_constant():
    rng = np.random.default_rng(2)
    z = rng.uniform(0.02, 0.5, 400)
    v = 299792.458 * z
    d_l = v / 70.0 * (1 + (1 - (-0.5)) * z / 2) * (1 + 0.02 * rng.normal(size=z.size))
    res = X.cosmography({"z": z, "v": v * u.km / u.s, "d": d_l * u.Mpc}, seed=0, config=REDUCED, engine="operon",
                        n_boot=50)
    assert res.H0.value == pytest.approx(70, abs=1.0)
    assert res.q0.value == pytest.approx(-0.5, abs=max(0.1, 3 * res.q0.err)) and res.q0.err > 0
    assert res.accelerating and res.pulls()["Einstein-de Sitter"] < -2
    assert res.baseline.q0.value == pytest.approx(-0.5, abs=0.2)


def test_a_decelerating_universe_with_a_positive_slope_is_not_called_accelerating():
    # Einstein-de Sitter: q0 = +1/2, so d_L/(cz) = (1/H0)(1 + z/4): positive slope, decelerating
    rng = np.random.default_rng(3)
    z = rng.uniform(0.02, 0.3, 400)
    v = 299792.458 * z
    d_l = v / 70.0 * (1 + 0.25 * z) * (1 + 0.01 * rng.normal(size=z.size))
    res = X.cosmography({"z": z, "v": v * u.km / u.s, "d": d_l * u.Mpc}, seed=0, config=REDUCED, engine="operon",
                        n_boot=50)
    assert res.q0.value == pytest.approx(0.5, abs=max(0.1, 3 * res.q0.err))
    assert not res.accelerating


def test_sweep_ablation_and_run_at_tiny_sizes(monkeypatch):
    sweep = X.noise_sweep(config=TINY, engine="operon")
    assert sweep.noise == (0.01, 0.3) and len(sweep.p) == 2 and len(sweep.p[0]) == 2
    assert all(0 <= r.value <= 1 for r in sweep.rate) and "noise" in sweep.table()
    abl = X.operator_ablation(config=TINY, engine="operon")
    assert len(abl.names) == 2 and np.isfinite(abl.loss_increase().value)
    monkeypatch.setattr(X, "get_config", lambda mode=None: TINY)
    report = X.run("reduced", engine="operon")
    d = report.to_dict()
    assert d["topic"] == "symbolic" and set(d["tiers"]) == {"open_exoplanet_catalogue", "pantheonplus_sh0es"}
    assert {"kepler_orbits", "cosmography", "noise_sweep"} <= set(d["timings"])
    assert any("q0" in c["metric"] for c in d["comparisons"])
    import json

    json.dumps(d, allow_nan=False)


def test_a_power_law_only_where_the_formula_is_one_over_the_data():
    import pandas as pd
    import sympy

    from coursekit.symbolic.model import SymbolicFit

    a_sym = sympy.Symbol("a", positive=True)

    def fit_of(expr):
        return SymbolicFit(front=pd.DataFrame({"complexity": [5], "loss": [1.0], "score": [0.0], "expression": [expr],
                                               "equation": [str(expr)]}), best_index=0, symbols=(a_sym,),
                           feature_names=("a",), target_name="T", engine="operon", engine_reason="", selection="best",
                           wall_s=0.0)

    a = np.geomspace(0.2, 40, 50)
    assert X._pure_power_law_over(fit_of(sympy.Float(0.98) * a_sym ** sympy.Float(1.51)), a)
    # invisible on 0.1-10, but 11 yr at a = 40 AU: not a power law over these orbits
    bent = sympy.Float(0.98) * a_sym ** sympy.Float(1.51) - sympy.Float(2e-27) * a_sym ** sympy.Float(17.3)
    assert not X._pure_power_law_over(fit_of(bent), a)
