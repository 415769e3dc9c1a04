"""Benchmarks of the astro topic: ``python -m coursekit.bench astro``. They time the experiment's own steps.

* ``detection``: :func:`~coursekit.astro.experiment.detection_scan` at 1.5 sigma on three simulated fields:
  completeness above the stated limit and astrometric RMS.
* ``star_galaxy``: :func:`~coursekit.astro.experiment.simulate_data` / ``fit_baselines`` / ``train`` /
  ``evaluate``: CNN vs. concentration cut vs. random forest on four held-out simulated fields.
* ``m67``: :func:`~coursekit.astro.experiment.locate_cluster` on the DSS plate (its stand-in where the sample
  is absent, said in ``tier``).
"""

from __future__ import annotations

import time

from coursekit.bench import benchmark

#: Targets, declared once.
TARGET_COMPLETENESS = 0.95   # above the stated limit, every field
TARGET_RMS_PX = 0.5          # astrometric RMS of matched sources above the limit
TARGET_ACC_CNN = 0.95        # star/galaxy accuracy above the limit, every held-out field
TARGET_M67_ARCMIN = 5.0      # density peak within this of M67's catalogued centre


@benchmark("astro", "detection")
def detection() -> dict:
    """Detection completeness (>= 95% above the stated limit) and position RMS (< 0.5 px) on simulated fields."""
    import numpy as np

    from coursekit.astro.config import get_config
    from coursekit.astro.experiment import detection_scan, field_spec
    from coursekit.astro.simulate import simulate_field

    cfg = get_config()
    comps, rmss, false, times = [], [], [], []
    for seed in (1, 2, 3):
        f = simulate_field(seed=seed, spec=field_spec(cfg))
        t0 = time.perf_counter()
        point = detection_scan((1.5,), field=f)[0]
        times.append(time.perf_counter() - t0)
        comps.append(point.completeness_bright.value)
        rmss.append(point.rms_px)
        false.append(point.false_detections.value)
    out = {
        "mag_limit": f.spec.mag_limit,
        "completeness_min": float(np.min(comps)),
        "completeness_mean": float(np.mean(comps)),
        "rms_px_max": float(np.max(rmss)),
        "false_detections_max": int(np.max(false)),
        "detect_time_s": float(np.mean(times)),
        "deblender": "photutils.segmentation.deblend_sources",
        "target_completeness": f">= {TARGET_COMPLETENESS} above mag_limit",
        "target_rms_px": f"< {TARGET_RMS_PX}",
    }
    out["passed_completeness"] = out["completeness_min"] >= TARGET_COMPLETENESS
    out["passed_rms"] = out["rms_px_max"] < TARGET_RMS_PX
    return out


@benchmark("astro", "star_galaxy")
def star_galaxy() -> dict:
    """Star/galaxy accuracy above the limit: CNN (target >= 0.95) vs. concentration cut vs. random forest."""
    import numpy as np

    from coursekit.astro.config import get_config
    from coursekit.astro.experiment import TEST_SEEDS, evaluate, fit_baselines, simulate_data, train
    from coursekit.config import seed_everything

    seed_everything(0)
    cfg = get_config()
    t0 = time.perf_counter()
    data = simulate_data(cfg, test_seeds=TEST_SEEDS[:4])
    t_data = time.perf_counter() - t0
    t0 = time.perf_counter()
    base = fit_baselines(data)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    trained = train(data, cfg, progress=False)
    t_train = time.perf_counter() - t0
    ev = evaluate(data, trained, base, n_boot=cfg.n_boot)
    y = np.asarray(data.test.table["is_galaxy"], bool)
    mag = np.asarray(data.test.table["mag_true"], float)
    seeds = np.asarray(data.test.table["field_seed"])
    m: dict = {"mag_limit": ev.mag_limit, "n_train": len(data.train), "n_test": len(data.test),
               "n_test_bright": ev.n_test_bright}
    for key, name in (("cnn", "CNN"), ("rf", "random forest"), ("concentration", "concentration cut")):
        m[f"acc_{key}"] = round(ev.accuracy[name].value, 4)
        m[f"acc_{key}_err"] = round(ev.accuracy[name].err, 4)
        per_field = [float(np.mean(ev.predictions[name][(seeds == s) & (mag <= ev.mag_limit)]
                                   == y[(seeds == s) & (mag <= ev.mag_limit)])) for s in data.test_seeds]
        m[f"acc_{key}_min_4fields"] = round(float(np.min(per_field)), 4)
        m[f"acc_{key}_mean_4fields"] = round(float(np.mean(per_field)), 4)
    for name, d in ev.cnn_minus.items():
        m[f"cnn_minus_{name.replace(' ', '_')}"] = round(d.value, 4)
        m[f"cnn_minus_{name.replace(' ', '_')}_err"] = round(d.err, 4)
    m["cnn_minus_concentration_faint"] = round(ev.faint_difference.value, 4)
    m["cnn_minus_concentration_faint_err"] = round(ev.faint_difference.err, 4)
    m.update({"time_data_s": round(t_data, 2), "time_train_s": round(t_train, 2), "time_baselines_s": round(t_base, 2)})
    m["target_acc_cnn"] = f">= {TARGET_ACC_CNN} above mag_limit (every field)"
    m["passed_acc_cnn"] = m["acc_cnn_min_4fields"] >= TARGET_ACC_CNN
    return m


@benchmark("astro", "m67")
def m67() -> dict:
    """Densest concentration of stars detected on the DSS plate within 5 arcmin of M67's catalogue centre."""
    from coursekit.astro.data import load_dss_m67
    from coursekit.astro.experiment import locate_cluster

    t0 = time.perf_counter()
    res = locate_cluster(load_dss_m67(verbose=False))
    loc = res.location
    return {
        "tier": res.plate.tier,
        "n_detected": loc.n_sources,
        "peak_ra_deg": round(float(loc.found.icrs.ra.deg), 4),
        "peak_dec_deg": round(float(loc.found.icrs.dec.deg), 4),
        "separation_arcmin": round(res.offset.value, 3),
        "separation_err_arcmin": round(res.offset.err, 3),
        "peak_over_mean_density": round(loc.peak.peak_density / loc.peak.mean_density, 2),
        "time_s": round(time.perf_counter() - t0, 2),
        "target_separation_arcmin": f"< {TARGET_M67_ARCMIN}",
        "passed_separation": res.offset.value < TARGET_M67_ARCMIN,
    }
