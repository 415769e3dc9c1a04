"""``python -m coursekit.bench symbolic``: how often the offline engine recovers each law.

Runs in reduced-mode search sizes (what the notebook uses). CPU seconds per
fit are reported besides wall time: on a shared machine wall time is inflated
by other processes, CPU time is what one free core would take.
"""

from __future__ import annotations

import time

import numpy as np

from coursekit.bench import benchmark

N_SEEDS = 10


@benchmark("symbolic", "kepler_simulated_seeds")
def kepler_simulated_seeds() -> dict:
    """Kepler's third law from simulated orbits (1% noise): p within 0.01 of 1.5, over 10 noise seeds."""
    from coursekit.symbolic.problems import REDUCED, kepler_simulated
    from coursekit.symbolic.simulate import simulate_orbits

    t0 = time.perf_counter()
    res = [kepler_simulated(simulate_orbits(seed=s), seed=s, config=REDUCED, engine="operon") for s in range(N_SEEDS)]
    free = [kepler_simulated(simulate_orbits(seed=s), seed=s, config=REDUCED, engine="operon", free_exponent=True)
            for s in range(N_SEEDS)]
    p = np.array([r.values["p"] for r in res])
    p_free = np.array([r.values["p"] for r in free])
    ok = sum(r.recovered for r in res)
    return {
        "recovered": ok,
        "seeds": N_SEEDS,
        "median_abs_p_error": float(np.nanmedian(np.abs(p - 1.5))),
        "free_exponent_recovered": sum(r.recovered for r in free),
        "free_exponent_median_abs_p_error": float(np.nanmedian(np.abs(p_free - 1.5))),
        "baseline_loglog_median_abs_p_error": float(np.median([abs(r.baseline["p"] - 1.5) for r in res])),
        "max_cpu_s_per_fit": float(max(r.cpu_s for r in res)),
        "wall_s": round(time.perf_counter() - t0, 1),
        "target_recovered": ">= 9 of 10",
        "target_cpu_s_per_fit": "<= 30",
        "passed_recovered": ok >= 9,
        "passed_time": max(r.cpu_s for r in res) <= 30,
    }


@benchmark("symbolic", "nfw_seeds")
def nfw_seeds() -> dict:
    """NFW form (inner slope -1, outer -3, break at rs) from noisy simulated halo profiles, over 10 seeds."""
    from coursekit.symbolic.problems import REDUCED, nfw_profile
    from coursekit.symbolic.simulate import simulate_nfw_profile

    t0 = time.perf_counter()
    res = [nfw_profile(simulate_nfw_profile(seed=s), seed=s, config=REDUCED, engine="operon") for s in range(N_SEEDS)]
    ok = sum(r.recovered for r in res)
    return {
        "recovered": ok,
        "seeds": N_SEEDS,
        "median_rs_kpc": float(np.nanmedian([r.values["rs"] for r in res])),
        "baseline_curve_fit_median_rs_kpc": float(np.median([r.baseline["rs"] for r in res])),
        "rs_true_kpc": 20.0,
        "max_cpu_s_per_fit": float(max(r.cpu_s for r in res)),
        "wall_s": round(time.perf_counter() - t0, 1),
        "target_recovered": ">= 8 of 10",
        "passed_recovered": ok >= 8,
        "passed_time": max(r.cpu_s for r in res) <= 30,
    }


@benchmark("symbolic", "hubble_h0")
def hubble_h0() -> dict:
    """H0 from Pantheon+ Hubble-flow supernovae (0.023 < z < 0.1) versus a least-squares fit of d = v/H0."""
    from coursekit.symbolic.data import hubble_diagram, supernova_table
    from coursekit.symbolic.problems import REDUCED, hubble_law, hubble_ratio

    table = supernova_table("reduced")
    t0 = time.perf_counter()
    flow = hubble_law(hubble_diagram(table.data), seed=0, config=REDUCED, engine="operon")
    beyond = hubble_ratio(hubble_diagram(table.data, z_max=0.5), seed=0, config=REDUCED, engine="operon")
    diff = abs(flow.values["H0"] - flow.baseline["H0"])
    return {
        "data": table.source,
        "H0_symbolic": flow.values["H0"],
        "H0_least_squares": flow.baseline["H0"],
        "abs_difference": diff,
        "law": str(flow.fit.best),
        "H0_beyond_z0.1": beyond.values["H0"],
        "q0_beyond_z0.1": beyond.values["q0"],
        "q0_quadratic_baseline": beyond.baseline["q0"],
        "cpu_s": flow.cpu_s + beyond.cpu_s,
        "wall_s": round(time.perf_counter() - t0, 1),
        "target_abs_difference": "<= 2 km/s/Mpc",
        "passed_h0": diff <= 2.0,
    }
