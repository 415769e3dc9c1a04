"""Benchmarks of the transits topic: ``python -m coursekit.bench transits``; each times the experiment's own steps.

* ``cnn_vs_vetting``: held-out simulated TCEs; dual-view CNN AUC >= 0.97 and significantly above classical vetting;
  the global-only ablation beside it (paired-bootstrap AUC differences);
* ``bls_recovery``: the search recovers the injected period within 0.1 % for >= 95 % of planets with SNR >= 10;
* ``kepler90``: on Kepler-90's quarters (real sample; the stand-in offline), the search recovers a known planet
  and the CNN scores it as a planet;
* ``search_false_positives``: :data:`CENSUS_PER_KIND` simulated single quarters of every kind through the path of
  ``transits search`` (search, fitted durations, views, the model's score, the star's signals vetted as one system):
  planets' recall at score >= 0.5, and the fraction of each non-planet kind (binaries, background binaries,
  heartbeat stars, fast rotators, pulsators, quiet stars) scored >= 0.5, for the CNN alone and the calibrated CNN
  with vetting features (the model ``transits train`` saves: its vetter fitted on the clean validation TCEs and on
  the TCEs of a blind search of other simulated stars, :func:`~coursekit.transits.experiment.search_examples`,
  whose seed is not the census's), each the mean over :data:`CENSUS_TRAINING_SEEDS` trainings of the CNN on the
  same TCEs (:func:`coursekit.metrics.seed_mean`). Background binaries are reported but not held to
  the target: diluted to planet-like depths, they are told apart by centroid motion (Bryson et al. 2013), which
  flux-only vetting does not see.

Targets are declared once, in :data:`TARGETS`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coursekit.bench import benchmark

#: What each benchmark must reach.
TARGETS = {
    "auc_dual_cnn": 0.97,
    "cnn_beats_vetting_sigma": 2.0,
    "bls_recovery_rate_snr_ge_10": 0.95,
    "kepler90_recovered_and_scored": 1,
    "planet_recall_at_0.5": 0.8,
    "false_positive_fraction_at_0.5": 0.1,
}

#: Simulated stars per kind whose blind-search TCEs calibrate the vetter (as ``transits train`` does).
SEARCH_EXAMPLES_PER_KIND = 40
#: Simulated single quarters per kind in the false-positive census: at 20 the binomial error of a leak of 0.1 is
#: +-0.07, so a census could not tell 0.03 from 0.17; at 50 it is +-0.04.
CENSUS_PER_KIND = 50
#: Training seeds of the CNN (and its vetter) whose census figures are averaged: one training's figure could be a
#: lucky draw. (Ten seeds on 50 stars per kind gave binaries' leak 0.10 for every seed, the same five stars; planet
#: recall 0.94-0.96, quiet stars 0.02-0.04. The draw of stars moves them more: three of those trainings on the
#: censuses of seeds 2025 and 2026 leak 0.06-0.08 and 0.02-0.06 of binaries, with planet recall 0.86 and 0.96-0.98.)
CENSUS_TRAINING_SEEDS = (0, 1, 2)

_CACHE: dict[str, Any] = {}


def bench_config():
    """The reduced run, enlarged to the bench's sizes (3,000 TCEs over 3 quarters, >= 20 epochs)."""
    from coursekit.transits.config import get_config

    c = get_config()
    return c.with_(n_lightcurves=max(c.n_lightcurves, 3000), n_quarters=max(c.n_quarters, 3),
                   epochs=max(c.epochs, 20))


def _trained() -> dict[str, Any]:
    """The experiment's simulate and train steps, run once per process (dual-view and global-view CNN)."""
    if "result" in _CACHE:
        return _CACHE["result"]
    from coursekit.transits.experiment import simulate_tces, train_cnn

    config = bench_config()
    split = simulate_tces(config)
    from coursekit.transits.experiment import calibrate_cnn, search_examples

    dual = train_cnn(split, config, progress=False)
    glob = train_cnn(split, config, views=("global",), progress=False)
    search = search_examples(SEARCH_EXAMPLES_PER_KIND, progress=False)  # its own seed, not the census's
    vetted = calibrate_cnn(dual, split, search=search)
    _CACHE["result"] = {"config": config, "split": split, "dual": dual, "global": glob, "vetted": vetted,
                        "search": search}
    return _CACHE["result"]


@benchmark("transits", "cnn_vs_vetting")
def cnn_vs_vetting() -> dict[str, Any]:
    """Dual-view CNN vs global-only CNN vs classical vetting on held-out simulated TCEs (AUC with intervals)."""
    import time

    from coursekit.transits.experiment import LITERATURE_ACCURACY, LITERATURE_AUC, evaluate

    r = _trained()
    test = r["split"].test
    t0 = time.perf_counter()
    ev = evaluate(test, {"dual-view CNN": r["dual"].model, "global-view CNN": r["global"].model,
                         "vetted": r["vetted"].model})
    t_eval = time.perf_counter() - t0
    dual, glob, vet = (ev.metrics[k] for k in ("dual-view CNN", "global-view CNN", "classical vetting"))
    vetted = ev.metrics["vetted"]
    d_vet = ev.differences[("dual-view CNN", "classical vetting")]
    d_glob = ev.differences[("dual-view CNN", "global-view CNN")]
    d_vetted = ev.differences[("vetted", "classical vetting")]
    return {
        "n_simulated": len(r["split"]),
        "n_test": len(test),
        "epochs_dual": r["dual"].history.epochs,
        "auc_dual_cnn": round(dual.auc.value, 4),
        "auc_dual_cnn_err": round(dual.auc.err, 4),
        "accuracy_dual_cnn": round(dual.accuracy.value, 4),
        "accuracy_dual_cnn_err": round(dual.accuracy.err, 4),
        "auc_global_only_cnn": round(glob.auc.value, 4),
        "auc_global_only_cnn_err": round(glob.auc.err, 4),
        "auc_dual_cnn_plus_vetting_features": round(vetted.auc.value, 4),
        "auc_dual_cnn_plus_vetting_features_err": round(vetted.auc.err, 4),
        "accuracy_dual_cnn_plus_vetting_features": round(vetted.accuracy.value, 4),
        "auc_dual_plus_features_minus_vetting": str(d_vetted),
        "auc_vetting_baseline": round(vet.auc.value, 4),
        "auc_vetting_baseline_err": round(vet.auc.err, 4),
        "accuracy_vetting_baseline": round(vet.accuracy.value, 4),
        "auc_dual_minus_vetting": str(d_vet),
        "auc_dual_minus_vetting_sigma": round(d_vet.significance, 1),
        "auc_dual_minus_global": str(d_glob),
        "auc_dual_minus_global_sigma": round(d_glob.significance, 1),
        "literature_auc_shallue_vanderburg_dr24": LITERATURE_AUC,
        "literature_accuracy_shallue_vanderburg_dr24": LITERATURE_ACCURACY,
        "simulate_s": round(r["split"].seconds, 1),
        "train_dual_s": round(r["dual"].seconds, 1),
        "train_global_s": round(r["global"].seconds, 1),
        "evaluate_s": round(t_eval, 1),
        "target_auc_dual_cnn": f">= {TARGETS['auc_dual_cnn']}",
        "target_cnn_beats_vetting": f"AUC(dual) - AUC(vetting) > 0 at >= {TARGETS['cnn_beats_vetting_sigma']} sigma",
        "passed_auc": dual.auc.value >= TARGETS["auc_dual_cnn"],
        "passed_beats_vetting": d_vet.value > 0 and d_vet.significance >= TARGETS["cnn_beats_vetting_sigma"],
    }


@benchmark("transits", "bls_recovery")
def bls_recovery() -> dict[str, Any]:
    """Period recovery (within 0.1 %) of injected planets: the experiment's injection-recovery step."""
    from coursekit.transits.experiment import injection_recovery

    config = bench_config()
    inj = injection_recovery(config, n=config.n_bls_examples, snr_range=(8.0, 150.0), n_quarters=config.n_quarters,
                             seed=123, edges=(0.0, 10.0, np.inf), progress=False)
    low, high = inj.completeness.fraction
    return {
        "n_planets": len(inj.snr),
        "n_snr_ge_10": inj.completeness.injected[1],
        "recovery_rate_snr_ge_10": round(high.value, 4),
        "recovery_rate_snr_ge_10_err": round(high.err, 4),
        "recovery_rate_snr_lt_10": round(low.value, 4) if inj.completeness.injected[0] else None,
        "seconds_per_light_curve": round(inj.seconds_per_lightcurve, 2),
        "target_recovery_rate_snr_ge_10": f">= {TARGETS['bls_recovery_rate_snr_ge_10']} within 0.1 % of the period",
        "passed": high.value >= TARGETS["bls_recovery_rate_snr_ge_10"],
    }


@benchmark("transits", "kepler90")
def kepler90() -> dict[str, Any]:
    """Search Kepler-90 (the real sample when available), match known planets, score them with the CNN."""
    from coursekit.transits.experiment import load_real_data, search_kepler90

    data = load_real_data(verbose=False)  # `bench --json` prints JSON only
    config = bench_config()
    from coursekit.transits.experiment import score_candidates

    k90 = search_kepler90(data, n_signals=max(config.kepler90_signals, 3), model=_trained()["vetted"].model,
                          config=config)
    raw = score_candidates(k90, _trained()["dual"].model)  # the same TCEs scored by the CNN alone
    out: dict[str, Any] = {"tier": data.tiers["kepler90_lightcurves"], "n_cadences": len(data.lightcurve),
                           "search_s": round(k90.seconds, 1)}
    for k, (c, name) in enumerate(zip(k90.candidates, k90.matches), 1):
        out[f"signal{k}_period_d"] = round(c.signal.period, 4)
        out[f"signal{k}_snr"] = round(c.signal.snr, 1)
        out[f"signal{k}_n_transits"] = int(c.signal.n_transits)
        out[f"signal{k}_match"] = name or "none"
        out[f"signal{k}_score"] = None if c.planet_score is None else round(c.planet_score, 3)
        rs = raw.candidates[k - 1].planet_score
        out[f"signal{k}_cnn_only_score"] = None if rs is None else round(rs, 3)
        out[f"signal{k}_vetting_score"] = None if c.vetting_score is None else round(c.vetting_score, 2)
    scored = k90.recovered_and_scored
    out["recovered"] = ", ".join(k90.recovered) or "none"
    out["recovered_and_scored_planet"] = ", ".join(scored) or "none"
    out["target"] = (f">= {TARGETS['kepler90_recovered_and_scored']} known Kepler-90 planet recovered and scored "
                     "> 0.5 by the calibrated CNN + vetting features")
    out["passed"] = len(scored) >= TARGETS["kepler90_recovered_and_scored"]
    return out


@benchmark("transits", "search_false_positives")
def search_false_positives() -> dict[str, Any]:
    """Simulated single quarters of every kind through ``transits search``'s path: recall of planets and the
    fraction of each non-planet kind at score >= 0.5, CNN alone against CNN + vetting features (calibrated)."""
    from coursekit.metrics import seed_mean
    from coursekit.transits.experiment import calibrate_cnn, search_census, train_cnn
    from coursekit.transits.simulate import KINDS

    r = _trained()
    models: dict[str, Any] = {}
    for seed in CENSUS_TRAINING_SEEDS:
        if seed == r["config"].seed:
            dual, vetted = r["dual"], r["vetted"]
        else:  # the same TCEs and the same search examples, another initialisation and batch order
            dual = train_cnn(r["split"], r["config"], seed=seed, progress=False)
            vetted = calibrate_cnn(dual, r["split"], search=r["search"])
        models[f"cnn/{seed}"], models[f"vetted/{seed}"] = dual.model, vetted.model
    census = search_census(models, n_per_kind=CENSUS_PER_KIND, seed=2024, progress=False)
    out: dict[str, Any] = {"n_per_kind": CENSUS_PER_KIND, "quarters": 1,
                           "training_seeds": list(CENSUS_TRAINING_SEEDS),
                           "seconds_per_light_curve": round(census.seconds, 2),
                           "vetter_calibration_tces": f"{len(r['split'].val)} validation + {len(r['search'])} from a "
                                                      f"blind search of {SEARCH_EXAMPLES_PER_KIND} stars per kind "
                                                      f"({int(r['search'].label.sum())} planets)",
                           "search_examples_s": round(r["search"].seconds, 1)}
    worst, recall = 0.0, 0.0
    for name in ("cnn", "vetted"):
        for kind in KINDS:
            per_seed = [census.above(kind, f"{name}/{s}") for s in CENSUS_TRAINING_SEEDS]
            m = seed_mean(per_seed)
            key = "planet_recall" if kind == "planet" else f"{kind}_above_0.5"
            out[f"{name}_{key}"] = round(m.value, 3)
            out[f"{name}_{key}_err"] = round(m.err, 3)
            out[f"{name}_{key}_per_seed"] = [round(x.value, 3) for x in per_seed]
            if name == "vetted" and kind == "planet":
                recall = m.value
            elif name == "vetted" and kind != "beb":
                worst = max(worst, m.value)
    out["target"] = (f"calibrated model, mean over {len(CENSUS_TRAINING_SEEDS)} trainings: planet recall >= "
                     f"{TARGETS['planet_recall_at_0.5']}, every non-planet kind but background binaries (centroids "
                     f"needed) <= {TARGETS['false_positive_fraction_at_0.5']} above 0.5")
    # means of fractions k/n: compared at 1e-9, so that three trainings' 5/50 (0.1 + 2e-17 in floating point)
    # meet a target of 0.1
    out["passed"] = (recall >= TARGETS["planet_recall_at_0.5"] - 1e-9
                     and worst <= TARGETS["false_positive_fraction_at_0.5"] + 1e-9)
    return out
