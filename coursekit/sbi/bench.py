"""Benchmarks of the sbi topic: ``python -m coursekit.bench sbi``."""

from __future__ import annotations

import time

import numpy as np

from coursekit.bench import benchmark


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
        "target_simulations_per_s": ">= 10000",
        "passed_speed": rate >= 10_000,
        "grf_seconds_per_realisation": round(t_grf, 3),
        "eh_vs_pyccl_max_rel_dev": worst,
        "target_eh_vs_pyccl": "< 1e-3 over Omega_m in [0.1, 0.5], sigma_8 in [0.6, 1], k in [1e-3, 1] h/Mpc",
        "passed_eh_vs_pyccl": worst < 1e-3,
        "pyccl_comparison_s": round(t_ccl, 2),
        "grf_max_abs_pull_of_mean": float(np.abs(pull).max()),
        "fiducial_volume_mpc3_per_h3": FIDUCIAL_SURVEY.volume,
    }


@benchmark("sbi", "npe_vs_exact")
def npe_vs_exact() -> dict:
    """NPE (sbi, neural spline flow) against the exact grid posterior: C2ST, SBC, expected coverage, TARP."""
    from dataclasses import replace

    from coursekit.config import seed_everything
    from coursekit.sbi.inference import c2st_to_reference, calibration, npe_config, train_posterior
    from coursekit.sbi.reference import reference_posterior
    from coursekit.sbi.simulate import FIDUCIAL_SURVEY, PLANCK18_THETA, simulate

    seed_everything(0)
    cfg = replace(npe_config("reduced"), n_sbc=300)
    t0 = time.perf_counter()
    trained = train_posterior(config=cfg, seed=0, show_progress=False)
    t_train = time.perf_counter() - t0

    x_obs = simulate(PLANCK18_THETA, 7, FIDUCIAL_SURVEY)
    t0 = time.perf_counter()
    ref = reference_posterior(x_obs)
    t_ref = time.perf_counter() - t0
    npe_s = trained.sample(cfg.n_c2st, x_obs, seed=0)
    ref_s = ref.sample(cfg.n_c2st, 1)
    c2st = c2st_to_reference(npe_s, ref_s)
    c2st_floor = c2st_to_reference(ref.sample(cfg.n_c2st, 2), ref_s)  # two exact sample sets: the floor

    t0 = time.perf_counter()
    cal = calibration(trained, n_tests=cfg.n_sbc, n_samples=cfg.n_posterior_samples, seed=1)
    t_cal = time.perf_counter() - t0
    c68 = float(cal.coverage([0.68])[0])
    return {
        "n_simulations": cfg.n_simulations,
        "density_estimator": cfg.density_estimator,
        "epochs": trained.epochs,
        "train_s": round(t_train, 1),
        "c2st_npe_vs_exact": c2st,
        "c2st_exact_vs_exact": c2st_floor,
        "target_c2st": "<= 0.60",
        "passed_c2st": c2st <= 0.60,
        "npe_mean": np.round(npe_s.mean(0), 4).tolist(),
        "exact_mean": np.round(ref.mean(), 4).tolist(),
        "npe_std": np.round(npe_s.std(0), 4).tolist(),
        "exact_std": np.round(ref.std(), 4).tolist(),
        "exact_posterior_s": round(t_ref, 2),
        "sbc_tests": cfg.n_sbc,
        "sbc_ks_p_omega_m": float(cal.ks_pvals[0]),
        "sbc_ks_p_sigma_8": float(cal.ks_pvals[1]),
        "target_sbc_ks_p": "> 0.01 each, >= 200 tests",
        "passed_sbc": bool(np.all(cal.ks_pvals > 0.01)) and cfg.n_sbc >= 200,
        "coverage_68": c68,
        "target_coverage_68": "0.63-0.73",
        "passed_coverage": 0.63 <= c68 <= 0.73,
        "tarp_atc": cal.tarp_atc,
        "calibration_s": round(t_cal, 1),
        "verdict": cal.verdict(),
        "planck2018": "Omega_m = 0.315 +- 0.007, sigma_8 = 0.811 +- 0.006",
    }
