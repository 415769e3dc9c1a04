"""Benchmarks of the photo-z topic (``python -m coursekit.bench photoz``).

* ``boss_dr10``: the real SDSS-III BOSS DR10 sample (train on the four training
  files, test on the two evaluation files, z >= 0.005): MDN against random
  forest and kNN measured in the same run.
* ``synthetic``: the reduced-mode synthetic catalogue: MDN against template
  fitting (flat and BPZ prior) and kNN, point and p(z) metrics.
"""

from __future__ import annotations

import time

from coursekit.bench import benchmark


def _rounded(d: dict, digits: int = 5) -> dict:
    return {k: (round(v, digits) if isinstance(v, float) else v) for k, v in d.items()}


def _boss_root():
    from coursekit.data import fetch, shared_real_dir
    from coursekit.photoz.data import BOSS_DIRNAME

    shared = shared_real_dir()
    if shared is not None and (shared / BOSS_DIRNAME).is_dir():
        return shared / BOSS_DIRNAME
    return fetch("sdss_boss_dr10_photoz")[0].parent


@benchmark("photoz", "boss_dr10")
def boss_dr10() -> dict:
    """Real BOSS DR10: MDN NMAD vs random forest and kNN, outliers, 68% coverage."""
    from coursekit.photoz.data import load_boss
    from coursekit.photoz.evaluate import BOSS, compare_methods

    t0 = time.perf_counter()
    train, test = load_boss(_boss_root())
    res = compare_methods(train, test, config=BOSS, methods=("mdn", "knn", "rf"), progress=False)
    m, rf, knn = res.metrics["mdn"], res.metrics["rf"], res.metrics["knn"]
    out = {
        "n_train": len(train),
        "n_test": len(test),
        **{f"mdn_{k}": v for k, v in m.items()},
        "rf_nmad": rf["nmad"],
        "rf_outlier_fraction": rf["outlier_fraction"],
        "knn_nmad": knn["nmad"],
        "knn_outlier_fraction": knn["outlier_fraction"],
        "mdn_train_s": res.seconds["mdn"],
        "rf_s": res.seconds["rf"],
        "target_mdn_nmad": "< rf_nmad and < knn_nmad (reference RF 0.0192, kNN 0.0196)",
        "target_mdn_outlier_fraction": "<= 0.013",
        "target_mdn_coverage_68": "0.63 - 0.73",
        "passed_nmad": bool(m["nmad"] < rf["nmad"] and m["nmad"] < knn["nmad"]),
        "passed_outliers": bool(m["outlier_fraction"] <= 0.013),
        "passed_coverage": bool(0.63 <= m["coverage_68"] <= 0.73),
        "wall_s": time.perf_counter() - t0,
    }
    return _rounded(out)


@benchmark("photoz", "synthetic")
def synthetic() -> dict:
    """Reduced synthetic ugriz: MDN vs template fitting and kNN on NMAD and CRPS; MDN PIT KS."""
    from coursekit.photoz.evaluate import REDUCED, compare_methods, synthetic_split

    t0 = time.perf_counter()
    train, test = synthetic_split(REDUCED)
    res = compare_methods(train, test, config=REDUCED, methods=("mdn", "knn", "template", "template_bpz"),
                          progress=False)
    m = res.metrics
    best_tf_nmad = min(m["template"]["nmad"], m["template_bpz"]["nmad"])
    best_tf_crps = min(m["template"]["crps"], m["template_bpz"]["crps"])
    out = {
        "n_train": len(train),
        "n_test": len(test),
        **{f"{name}_{k}": v for name in m for k, v in m[name].items()
           if k in ("nmad", "outlier_fraction", "crps", "pit_ks", "coverage_68")},
        "mdn_train_s": res.seconds["mdn"],
        "template_s": res.seconds["template"],
        "target_mdn_nmad": "< template and < knn",
        "target_mdn_crps": "< template and < knn",
        "target_mdn_pit_ks": "<= 0.05",
        "passed_nmad": bool(m["mdn"]["nmad"] < min(best_tf_nmad, m["knn"]["nmad"])),
        "passed_crps": bool(m["mdn"]["crps"] < min(best_tf_crps, m["knn"]["crps"])),
        "passed_pit_ks": bool(m["mdn"]["pit_ks"] <= 0.05),
        "wall_s": time.perf_counter() - t0,
    }
    return _rounded(out)
