"""coursekit.sbi.experiment, config and data: every step on a tiny configuration, and run() -> Report."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from coursekit.sbi import experiment as ex
from coursekit.sbi.config import FULL, REDUCED, get_config
from coursekit.sbi.data import load_observation, observation_from_band_powers

TINY = replace(REDUCED, n_simulations=400, hidden_features=16, num_transforms=2, training_batch_size=200,
               max_epochs=3, stop_after_epochs=2, n_sbc=20, n_posterior_samples=50, n_c2st=200,
               toy_simulations=300, bias_simulations=300, budget_sizes=(200, 400), budget_seeds=2,
               sequential_rounds=2, budget_c2st=200)


def test_config_per_mode():
    assert get_config("reduced") is REDUCED and get_config("full") is FULL
    assert REDUCED.n_simulations == 10000 and REDUCED.n_sbc >= 200
    assert FULL.n_simulations > REDUCED.n_simulations and FULL.n_sbc >= REDUCED.n_sbc
    assert FULL.budget_sizes[0] == 300 and FULL.budget_sizes[-1] == 30000 and FULL.budget_seeds >= 3


def test_observation_resolves_to_the_stand_in_and_says_so(capsys):
    obs = load_observation("reduced")
    assert obs.tier == "stand-in" and "sbi_band_powers_simulated" in capsys.readouterr().out
    np.testing.assert_array_equal(obs.theta_true, [0.315, 0.811])
    assert obs.x.shape == (12,) and np.all(obs.x > 0)
    table = obs.table()
    assert len(table) == 12 and table.meta["theta_true"]["sigma_8"] == pytest.approx(0.811)
    np.testing.assert_allclose(table["band_power"], obs.x)
    again = load_observation("reduced", verbose=False)
    np.testing.assert_array_equal(again.x, obs.x)  # the same seed every time


def test_observation_outside_the_prior_is_flagged():
    obs = load_observation("reduced", theta=[0.315, 1.15], verbose=False)
    assert "OUTSIDE the prior box" in obs.message
    assert obs.problem.high == (0.5, 1.0)  # the problem keeps its box; only the simulation was widened
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        load_observation("reduced", problem="bias", theta=[0.3, 0.8], verbose=False)
    with pytest.raises(ValueError, match="finite and positive"):
        load_observation("reduced", theta=[np.nan, 0.8], verbose=False)


def test_user_band_powers_are_checked():
    obs = observation_from_band_powers(np.full(12, 1e4))
    assert obs.theta_true is None and obs.tier == "user"
    with pytest.raises(ValueError, match=r"shape \(12,\)"):
        observation_from_band_powers(np.ones(5))


@pytest.fixture(scope="module")
def main_steps():
    obs = ex.observe("reduced", verbose=False)
    exact = ex.exact_posterior(obs)
    trained = ex.train_npe(config=TINY, show_progress=False)
    return obs, exact, trained


def test_main_steps_return_typed_results(main_steps):
    obs, exact, trained = main_steps
    comp = ex.compare_to_exact(trained, obs, exact, 300)
    assert isinstance(comp, ex.PosteriorComparison)
    assert 0.4 < comp.c2st.value <= 1.0 and comp.c2st.err > 0
    assert abs(comp.c2st_floor.value - 0.5) < 5 * comp.c2st_floor.err + 0.02
    cal = ex.calibrate(trained, config=TINY)
    assert cal.ranks.shape == (20, 2)


def test_misspecification_step(main_steps):
    _, _, trained = main_steps
    mis = ex.misspecification(trained, "reduced", n_samples=300)
    assert mis.obs_out.theta_true[1] == pytest.approx(1.15)
    assert mis.inside_out.value < mis.inside_in.value  # the network's mass leaves the box at the outside truth
    assert mis.samples_out.shape == (300, 2)
    assert mis.ppc_out.value <= mis.ppc_in.value + 3 * (mis.ppc_in.err + mis.ppc_out.err)


def test_budget_step_validates_and_measures(main_steps):
    obs, exact, _ = main_steps
    with pytest.raises(ValueError, match="two budgets"):
        ex.simulation_budget(obs, exact, config=TINY, sizes=(400,))
    with pytest.raises(ValueError, match="2 seeds"):
        ex.simulation_budget(obs, exact, config=TINY, seeds=1)
    with pytest.raises(ValueError, match="workers"):
        ex.simulation_budget(obs, exact, config=TINY, workers=0)
    res = ex.simulation_budget(obs, exact, config=TINY, progress=False, workers=2)
    assert res.amortised.shape == (2, 2) and res.sequential.shape == (2, 2)
    assert np.all((res.amortised > 0.4) & (res.amortised <= 1.0))
    assert np.all((res.sequential > 0.4) & (res.sequential <= 1.0))
    assert len(res.curve()) == 2 and res.gain().err > 0
    assert len(res.sequential_advantage()) == 2
    # every (budget, seed) cell is seeded on its own: the same numbers in this process as in two workers
    serial = ex.simulation_budget(obs, exact, config=TINY, progress=False, workers=1, sizes=(200, 400), seeds=2)
    np.testing.assert_array_equal(serial.amortised, res.amortised)
    np.testing.assert_array_equal(serial.sequential, res.sequential)


def test_run_returns_a_strict_json_report(monkeypatch):
    monkeypatch.setattr(ex, "get_config", lambda mode=None: TINY)
    report = ex.run("reduced")
    d = report.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["topic"] == "sbi" and d["tiers"] == {"sbi_band_powers_simulated": "stand-in"}
    assert {"data", "baseline", "train", "evaluate", "degeneracy", "nuisance", "budget", "misspecification"} <= set(
        d["timings"])
    assert "C2ST NPE vs exact (eh)" in d["metrics"] and "C2ST NPE vs exact (toy ridge)" in d["metrics"]
    assert any(c["baseline"] == "amortised NPE" for c in d["comparisons"])
