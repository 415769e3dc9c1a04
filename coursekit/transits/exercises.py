"""Exercises of notebook 05 (exoplanet transits), checked by ``coursekit.exercises.check``.

* value answers: ``transits.earth_depth``, ``transits.local_view_geometry``, ``transits.odd_even``;
* build it: ``transits.global_view`` and ``transits.local_view`` (the student's views against
  :func:`coursekit.transits.preprocess.global_view` / ``local_view`` on fixed random light curves);
* experiments: ``transits.flatten_window`` (a too-short detrending window eats a real transit: depth change with its
  error), ``transits.local_view_ablation`` (dual minus global-only AUC, paired bootstrap, and the verdict),
  ``transits.completeness`` (the search's completeness above SNR 10 minus below 7, binomial errors);
* the quiz ``quiz("transits")``, written in ``notebooks/quizzes/transits.yaml`` (packaged encoded).
"""

from __future__ import annotations

import math

import numpy as np

from coursekit.exercises import Result, as_value_err, effect_exercise, exercise, function_exercise

R_EARTH_KM = 6371.0
R_SUN_KM = 695700.0


@exercise("transits.earth_depth", title="Transit depth of an Earth twin",
          hints=("The planet blocks a disc of its own size out of the star's disc.",
                 "depth = (R_planet / R_star)**2; multiply by 1e6 for parts per million."))
def earth_depth(answer) -> Result:
    value = float(answer)
    truth = (R_EARTH_KM / R_SUN_KM) ** 2 * 1e6
    if abs(value - truth) < 0.05 * truth:
        return Result.ok(f"Right: {truth:.1f} ppm, about 84 parts per million.")
    if abs(value - truth * 1e-6) < 0.05 * truth * 1e-6:
        return Result.fail("That is the fraction; the question asks for parts per million (multiply by 1e6).")
    if abs(value - math.sqrt(truth * 1e-6) * 1e6) < 0.05 * math.sqrt(truth * 1e-6) * 1e6:
        return Result.fail("The depth is the *area* ratio of the discs: square the radius ratio.")
    return Result.fail("Depth = (R_planet / R_star)**2, in ppm; R_earth = 6371 km, R_sun = 695,700 km.")


@exercise("transits.local_view_geometry", title="Span and bin width of a local view",
          hints=("The local view covers a fixed number of transit durations on each side of mid-transit.",
                 "Window = 2 x 4 durations; each bin is 0.16 durations wide (bins overlap)."))
def local_view_geometry(answer) -> Result:
    window_days, bin_hours = (float(x) for x in answer)
    ok_w = abs(window_days - 8 * 8.0 / 24) < 0.02
    ok_b = abs(bin_hours - 0.16 * 8.0) < 0.02
    if ok_w and ok_b:
        return Result.ok("Right: 2.67 days in 201 overlapping bins, each 1.28 h wide.")
    if not ok_w:
        if abs(window_days - 4 * 8.0 / 24) < 0.02:
            return Result.fail("The view covers 4 durations on *each* side of mid-transit: 8 durations in total.")
        return Result.fail("Window = 2 x num_durations x duration, with duration in days (8 h = 1/3 d).")
    if abs(bin_hours - 8 * 8.0 / 200) < 0.02:
        return Result.fail("That is the bin *spacing*; the bins are wider than that (0.16 durations) and overlap.")
    return Result.fail("Bin width = bin_width_factor x duration = 0.16 x 8 h.")


@exercise("transits.odd_even", title="Odd/even depth test",
          hints=("Two independent measurements: how do their errors combine?",
                 "sigma = |d_odd - d_even| / sqrt(e_odd**2 + e_even**2); above 3 sigma, flag it."))
def odd_even(answer) -> Result:
    sigma, is_binary = answer
    sigma = float(sigma)
    truth = 400 / math.hypot(60, 60)
    if abs(sigma - truth) > 0.05:
        if abs(sigma - 400 / 60) < 0.05 or abs(sigma - 400 / 120) < 0.05:
            return Result.fail("Independent errors add in quadrature: sqrt(60**2 + 60**2), not 60 or 60 + 60.")
        return Result.fail("Significance = |depth_odd - depth_even| / sqrt(err_odd**2 + err_even**2).")
    if not isinstance(is_binary, (bool, np.bool_)):
        return Result.fail("Give the verdict as True or False.")
    if not bool(is_binary):
        return Result.fail(f"{truth:.2f} sigma is above the usual 3-sigma threshold: flag it as a likely binary.")
    return Result.ok(f"Right: {truth:.2f} sigma; odd and even events differ, the hallmark of an eclipsing binary "
                     "found at half its true period.")


# --------------------------------------------------------------------------- build it: the two views

def _folded_lightcurve(rng: np.random.Generator):
    """A random flattened light curve with a box transit: ((time, flux, period, t0[, duration]), {})."""
    period = float(rng.uniform(2.0, 6.0))
    t0 = float(rng.uniform(0.0, period))
    duration = float(rng.uniform(0.08, 0.25))
    time = np.sort(rng.uniform(0.0, 30.0, 3000))
    flux = 1.0 + 2e-4 * rng.standard_normal(len(time))
    phase = np.mod(time - t0 + period / 2, period) - period / 2
    flux[np.abs(phase) < duration / 2] -= float(rng.uniform(5e-4, 3e-3))
    return time, flux, period, t0, duration


function_exercise(
    "transits.global_view", title="Build the global view (Shallue & Vanderburg 2018, Sec. 3.3)",
    reference="coursekit.transits.preprocess:global_view",
    make_inputs=lambda rng: _folded_lightcurve(rng)[:4], n_trials=4, rtol=1e-6, atol=1e-9,
    hints=("Fold: phase = (time - t0 + P/2) mod P - P/2. Then 2001 bins of width P/2001 from -P/2; the median "
           "flux in each; empty bins take the median of all the flux.",
           "bin = floor((phase + P/2) / (P/2001)); values[i] = median(flux[bin == i]); then subtract the median of "
           "the view and divide by |its minimum|."),
)

function_exercise(
    "transits.local_view", title="Build the local view (Shallue & Vanderburg 2018, Sec. 3.3)",
    reference="coursekit.transits.preprocess:local_view",
    make_inputs=lambda rng: _folded_lightcurve(rng), n_trials=4, rtol=1e-6, atol=1e-9,
    hints=("201 bins of width 0.16 durations whose left edges are evenly spaced so that the first starts at "
           "-4 durations and the last ends at +4 durations: they overlap.",
           "half = min(P/2, 4 * duration); w = 0.16 * duration; left_i = -half + i * (2 * half - w) / 200; bin i "
           "holds left_i <= phase < left_i + w; empty bins take the median of all the flux; normalise as the global "
           "view."),
)


# --------------------------------------------------------------------------- experiments

effect_exercise(
    "transits.flatten_window", title="A detrending window shorter than the transit eats it",
    direction=-1, min_sigma=3.0, value_range=(-1000.0, -50.0), what="depth(short window) - depth(long window) [ppm]",
    hints=("Flatten Kepler-90 with window_days=0.25 and with 2.0, and measure Kepler-90 d's depth in each with "
           "search.transit_snr; the depth error is the scatter over sqrt(in-transit cadences).",
           "effect = depth_short - depth_long; err = hypot(err_short, err_long). The 8-h transit is longer than "
           "the short window, so the trend follows it down and the depth shrinks."),
)

effect_exercise(
    "transits.completeness", title="How completeness grows with SNR",
    direction=+1, min_sigma=2.0, value_range=(0.2, 1.0),
    what="completeness(SNR >= 10) - completeness(SNR < 7)",
    hints=("experiment.injection_recovery returns a Completeness with one Measurement per SNR bin.",
           "Combine the bins above 10 and below 7 with coursekit.metrics.difference (independent binomial errors)."),
)


@exercise("transits.local_view_ablation", title="Does the local view help? Dual minus global-only AUC",
          hints=("experiment.evaluate bootstraps AUC(dual) - AUC(global) on the same test set (paired).",
                 "A difference is significant at 2 sigma when |value| >= 2 x err; give (Measurement, verdict)."))
def local_view_ablation(answer) -> Result:
    try:
        measured, significant = answer
        value, err = as_value_err(measured)
    except (TypeError, ValueError):
        return Result.fail("Answer with (difference, significant): the Measurement of AUC(dual) - AUC(global) "
                           "and True/False.")
    if not (math.isfinite(value) and math.isfinite(err)) or err <= 0:
        return Result.fail("The difference needs a positive, finite uncertainty: take it from the paired bootstrap.")
    if not -0.3 <= value <= 0.3:
        return Result.fail(f"An AUC difference of {value:.3g} is implausible; check that both models were scored on "
                           "the same test set.")
    if not isinstance(significant, (bool, np.bool_)):
        return Result.fail("Give the verdict as True or False.")
    sigma = abs(value) / err
    truth = sigma >= 2.0
    if bool(significant) != truth:
        return Result.fail(f"{value:+.4f} ± {err:.4f} is {sigma:.1f} sigma from zero: "
                           f"{'significant' if truth else 'not significant'} at 2 sigma.")
    if truth and value > 0:
        verdict = "a significant gain from the local view"
    elif truth:
        verdict = "significant, and the local view hurts: look at what it adds on these data"
    else:
        verdict = "not significant: on these data the local view adds nothing measurable"
    return Result.ok(f"Right: {value:+.4f} ± {err:.4f} ({sigma:.1f} sigma), {verdict}.")
