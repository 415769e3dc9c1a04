"""Benchmarks of the sbi topic (``python -m coursekit.bench sbi``): the experiment's steps, timed, against the
targets declared here."""

from __future__ import annotations

import time

import numpy as np

from coursekit.bench import benchmark

#: Targets, declared once.
TARGET_SIMULATIONS_PER_S = 10_000
TARGET_EH_VS_PYCCL = 1e-3
TARGET_C2ST = 0.60
TARGET_SBC_KS_P = 0.01
TARGET_COVERAGE_68 = (0.63, 0.73)
#: The bench's own sample sizes, larger than the notebook's reduced ones, so its figures keep their precision.
N_SBC = 300
N_C2ST = 2000


def _calibration_figures(prefix: str, cal) -> dict:
    c68 = cal.coverage_68()
    return {
        f"{prefix}sbc_ks_p": [round(float(p), 4) for p in cal.ks_pvals],
        f"{prefix}passed_sbc": bool(np.all(cal.ks_pvals > TARGET_SBC_KS_P)),
        f"{prefix}coverage_68": c68.value,
        f"{prefix}coverage_68_err": round(c68.err, 4),
        f"{prefix}passed_coverage": TARGET_COVERAGE_68[0] <= c68.value <= TARGET_COVERAGE_68[1],
        f"{prefix}tarp_atc": cal.tarp_atc,
    }


@benchmark("sbi", "simulator")
def simulator() -> dict:
    """Band-power simulations per second; Eisenstein & Hu versus pyccl over the prior; GRF-on-a-grid check."""
    from coursekit.sbi.power import ccl_linear_power, linear_power
    from coursekit.sbi.simulate import (
        FIDUCIAL_SURVEY,
        PLANCK18_THETA,
        Survey,
        band_power_model,
        band_power_sigma,
        grf_band_powers,
        sample_prior,
        simulate,
    )

    theta = sample_prior(100_000, 0)
    simulate(theta[:10], 0)  # build the cached spline once
    t0 = time.perf_counter()
    simulate(theta, 1)
    rate = len(theta) / (time.perf_counter() - t0)

    k = np.geomspace(1e-3, 1.0, 200)
    worst = 0.0
    t0 = time.perf_counter()
    for om in np.linspace(0.1, 0.5, 9):
        for s8 in (0.6, 0.8, 1.0):
            worst = max(worst, float(np.max(np.abs(linear_power(k, om, s8)[0] / ccl_linear_power(k, om, s8) - 1))))
    t_ccl = time.perf_counter() - t0

    survey = Survey(volume=1e9, k_min=0.02, k_max=0.14, n_bins=6)
    t0 = time.perf_counter()
    runs = np.array([grf_band_powers(PLANCK18_THETA, s, survey, n_mesh=48)[0] for s in range(16)])
    t_grf = (time.perf_counter() - t0) / len(runs)
    model = band_power_model(PLANCK18_THETA, survey)[0]
    pull = (runs.mean(0) - model) / (band_power_sigma(model, survey) / np.sqrt(len(runs)))
    return {
        "simulations_per_s": round(rate),
        "target_simulations_per_s": f">= {TARGET_SIMULATIONS_PER_S}",
        "passed_speed": rate >= TARGET_SIMULATIONS_PER_S,
        "grf_seconds_per_realisation": round(t_grf, 3),
        "eh_vs_pyccl_max_rel_dev": worst,
        "target_eh_vs_pyccl": f"< {TARGET_EH_VS_PYCCL:g} over Omega_m in [0.1, 0.5], sigma_8 in [0.6, 1], "
                              "k in [1e-3, 1] h/Mpc",
        "passed_eh_vs_pyccl": worst < TARGET_EH_VS_PYCCL,
        "pyccl_comparison_s": round(t_ccl, 2),
        "grf_max_abs_pull_of_mean": float(np.abs(pull).max()),
        "fiducial_volume_mpc3_per_h3": FIDUCIAL_SURVEY.volume,
    }


@benchmark("sbi", "npe_vs_exact")
def npe_vs_exact() -> dict:
    """NPE (sbi, neural spline flow) against the exact grid posterior: C2ST, SBC, expected coverage, TARP
    (the experiment's observe / exact_posterior / train_npe / compare_to_exact / calibrate steps)."""
    from dataclasses import replace

    from coursekit.config import seed_everything
    from coursekit.sbi import experiment as ex
    from coursekit.sbi.config import get_config

    seed_everything(0)
    cfg = replace(get_config("reduced"), n_sbc=N_SBC, n_c2st=N_C2ST)
    obs = ex.observe("reduced", verbose=False)
    t0 = time.perf_counter()
    exact = ex.exact_posterior(obs)
    t_ref = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    trained = ex.train_npe(config=cfg, seed=0, show_progress=False)
    t_train, c_train = time.perf_counter() - t0, time.process_time() - c0
    comp = ex.compare_to_exact(trained, obs, exact, cfg.n_c2st, seed=0)
    t0 = time.perf_counter()
    cal = ex.calibrate(trained, config=cfg)
    t_cal = time.perf_counter() - t0
    return {
        "n_simulations": cfg.n_simulations,
        "density_estimator": cfg.density_estimator,
        "epochs": trained.epochs,
        "train_s": round(t_train, 1),
        "train_cpu_s": round(c_train, 1),
        "c2st_npe_vs_exact": comp.c2st.value,
        "c2st_npe_vs_exact_err": round(comp.c2st.err, 4),
        "c2st_exact_vs_exact": comp.c2st_floor.value,
        "c2st_excess_over_floor": str(comp.excess),
        "target_c2st": f"<= {TARGET_C2ST}",
        "passed_c2st": comp.c2st.value <= TARGET_C2ST,
        "npe_mean": np.round(comp.npe_mean, 4).tolist(),
        "exact_mean": np.round(comp.exact_mean, 4).tolist(),
        "npe_std": np.round(comp.npe_std, 4).tolist(),
        "exact_std": np.round(comp.exact_std, 4).tolist(),
        "exact_posterior_s": round(t_ref, 2),
        "sbc_tests": cfg.n_sbc,
        "sbc_ks_p_omega_m": float(cal.ks_pvals[0]),
        "sbc_ks_p_sigma_8": float(cal.ks_pvals[1]),
        "target_sbc_ks_p": f"> {TARGET_SBC_KS_P} each, >= 200 tests",
        "passed_sbc": bool(np.all(cal.ks_pvals > TARGET_SBC_KS_P)) and cfg.n_sbc >= 200,
        "coverage_68": cal.coverage_68().value,
        "coverage_68_err": round(cal.coverage_68().err, 4),
        "target_coverage_68": f"{TARGET_COVERAGE_68[0]}-{TARGET_COVERAGE_68[1]}",
        "passed_coverage": TARGET_COVERAGE_68[0] <= cal.coverage_68().value <= TARGET_COVERAGE_68[1],
        "tarp_atc": cal.tarp_atc,
        "calibration_s": round(t_cal, 1),
        "verdict": cal.verdict(),
        "planck2018": "Omega_m = 0.315 +- 0.007, sigma_8 = 0.811 +- 0.006",
    }


@benchmark("sbi", "degeneracies")
def degeneracies() -> dict:
    """The guide's toy ridge and the free galaxy bias: C2ST against the exact posteriors, SBC and coverage
    (the experiment's degeneracy and nuisance steps)."""
    from coursekit.config import seed_everything
    from coursekit.sbi import experiment as ex
    from coursekit.sbi.config import get_config

    seed_everything(0)
    cfg = get_config("reduced")
    t0 = time.perf_counter()
    deg = ex.degeneracy("reduced", cfg, n_c2st=N_C2ST)
    t_deg = time.perf_counter() - t0
    t0 = time.perf_counter()
    nui = ex.nuisance("reduced", cfg, n_c2st=N_C2ST)
    t_nui = time.perf_counter() - t0
    out = {
        "toy_simulations": cfg.toy_simulations,
        "toy_c2st_npe_vs_exact": str(deg.comparison.c2st),
        "toy_c2st_floor": str(deg.comparison.c2st_floor),
        "toy_alpha_exact": round(deg.alpha_exact, 3),
        "toy_alpha_npe": round(deg.alpha_npe, 3),
        "toy_product_exact": str(deg.product_exact),
        "toy_product_npe": str(deg.product_npe),
        "toy_s": round(t_deg, 1),
        "bias_simulations": cfg.bias_simulations,
        "bias_c2st_npe_vs_exact": str(nui.comparison.c2st),
        "bias_c2st_floor": str(nui.comparison.c2st_floor),
        "bias_sigma8_width_b_known": round(nui.sigma8_fixed.err, 4),
        "bias_sigma8_width_b_marginalised": round(nui.sigma8_marg_exact.err, 4),
        "bias_sigma8_degradation": round(nui.sigma8_degradation, 1),
        "bias_bs8_exact": str(nui.bs8_exact),
        "bias_bs8_npe": str(nui.bs8_npe),
        "bias_s8_b_known": str(nui.s8_fixed),
        "bias_s8_b_marginalised": str(nui.s8_marg_exact),
        "bias_s": round(t_nui, 1),
        "target_c2st": f"<= {TARGET_C2ST} (both)",
        "passed_c2st": max(deg.comparison.c2st.value, nui.comparison.c2st.value) <= TARGET_C2ST,
    }
    t0 = time.perf_counter()
    out.update(_calibration_figures("toy_", ex.calibrate(deg.trained, config=cfg)))
    out.update(_calibration_figures("bias_", ex.calibrate(nui.trained, config=cfg)))
    out["calibration_s"] = round(time.perf_counter() - t0, 1)
    return out


@benchmark("sbi", "simulation_budget")
def simulation_budget() -> dict:
    """C2ST against the exact posterior versus the number of simulations, amortised and sequential NPE, with the
    spread over seeds (the experiment's simulation_budget step)."""
    from coursekit.config import seed_everything
    from coursekit.sbi import experiment as ex
    from coursekit.sbi.config import get_config

    seed_everything(0)
    cfg = get_config("reduced")
    obs = ex.observe("reduced", verbose=False)
    exact = ex.exact_posterior(obs)
    res = ex.simulation_budget(obs, exact, config=cfg, progress=False)
    out = {"sizes": res.sizes.tolist(), "seeds": cfg.budget_seeds, "rounds": res.rounds}
    for n, a, s, d in zip(res.sizes, res.curve("amortised"), res.curve("sequential"), res.sequential_advantage()):
        out[f"c2st_amortised_{n}"] = str(a)
        out[f"c2st_sequential_{n}"] = str(s)
        out[f"sequential_gain_{n}"] = f"{d} ({d.significance:.1f} sigma)"
    gain = res.gain()
    out["amortised_gain_smallest_to_largest"] = f"{gain} ({gain.significance:.1f} sigma)"
    out["amortised_s"] = round(res.seconds["amortised"], 1)
    out["sequential_s"] = round(res.seconds["sequential"], 1)
    return out
