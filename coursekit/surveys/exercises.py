"""Exercises, build-it, experiment and quiz of notebook 01 (the data tsunami).

Worked solutions live in ``notebooks/01_data_tsunami.ipynb`` between the solution markers (not here).
"""

from __future__ import annotations

import math

import astropy.units as u

from coursekit.exercises import Result, effect_exercise, exercise, function_exercise

RUBIN_GALAXIES = 20e9


@exercise("surveys.rubin_per_year",
          title="Rubin's raw data volume in one year (300 nights), as an astropy Quantity in PB",
          hints=("Multiply the volume of one night by the number of nights, with units attached.",
                 "`(20 * u.TB * 300).to(u.PB)`: astropy converts TB to PB (1 PB = 1000 TB)."))
def rubin_per_year(answer) -> Result:
    if not isinstance(answer, u.Quantity):
        return Result.fail("Give a Quantity with units, e.g. `(... * u.TB).to(u.PB)`, not a bare number.")
    if not answer.unit.is_equivalent(u.byte):
        return Result.fail(f"Your answer is in {answer.unit}, which is not a data volume: multiply the nightly "
                           "volume by the number of nights so the per-night unit cancels.")
    pb = answer.to(u.PB).value
    if abs(pb - 6.0) / 6.0 < 0.02:
        return Result.ok(f"{answer.to(u.PB):.3g} per year, ~60 PB of raw images over the ten-year survey.")
    if abs(pb - 6.0 * 8) / 48 < 0.02:
        return Result.fail("That is 8x too large: TB is terabytes, Tbit terabits (1 byte = 8 bits).")
    if abs(pb * 1000 - 6.0) / 6.0 < 0.02 or abs(pb / 1000 - 6.0) / 6.0 < 0.02:
        return Result.fail("Off by a factor of 1000: 1 PB = 1000 TB. Let astropy convert with `.to(u.PB)`.")
    return Result.fail(f"{pb:.3g} PB is not right: 20 TB per night times 300 nights.")


@exercise("surveys.volunteer_years",
          title="Years a Galaxy Zoo-sized model crowd needs for Rubin's 20 billion galaxies (a lower bound)",
          hints=("The model crowd's rate is `volunteer_rate()` (galaxies per day); time = number / rate.",
                 "`classification_time(20e9, volunteer_rate()).to(u.year)`, about 270 years."))
def volunteer_years(answer) -> Result:
    from coursekit.surveys import classification_time, volunteer_rate

    expected = classification_time(RUBIN_GALAXIES, volunteer_rate()).to(u.year).value
    if not isinstance(answer, u.Quantity) or not answer.unit.is_equivalent(u.year):
        return Result.fail("Give a time Quantity, e.g. `classification_time(20e9, volunteer_rate()).to(u.year)`.")
    got = answer.to(u.year).value
    if abs(got - expected) / expected < 0.05:
        return Result.ok(f"About {expected:.0f} years, and that is a LOWER bound: the model crowd clicks ~54 million "
                         "times a week, while Galaxy Zoo 1 received ~50 million clicks in its whole first year.")
    if abs(got - expected * 17 / 20) / expected < 0.05:
        return Result.fail("17 billion is Rubin's count of stars; it catalogues ~20 billion galaxies (Ivezić et al. 2019).")
    if abs(got * 38 - expected) / expected < 0.05:
        return Result.fail("Each galaxy needs ~38 independent classifications: use `volunteer_rate()`, which "
                           "divides the click rate by that.")
    if abs(got / 56 - expected) / expected < 0.2:
        return Result.fail("That is the empirical Galaxy Zoo 1 rate; this exercise asks for the model crowd's "
                           "lower bound, `volunteer_rate()`.")
    return Result.fail(f"{got:.3g} yr differs from the expected value; use 20e9 galaxies and `volunteer_rate()`.")


@exercise("surveys.gpus_needed",
          title="How many copies of your measured CNN would classify 20 billion galaxies in one day?",
          hints=("One machine classifies `throughput` galaxies per second; how many in a day?",
                 "`math.ceil((20e9 / (throughput * u.day)).to(u.one).value)`: u.day converts to seconds for you."))
def gpus_needed(answer, throughput: u.Quantity | None = None) -> Result:
    if throughput is None:
        return Result.fail("Pass your measured throughput: check('surveys.gpus_needed', answer, throughput=throughput)")
    if not isinstance(throughput, u.Quantity):
        throughput = float(getattr(throughput, "value", throughput)) / u.s
    expected = math.ceil((RUBIN_GALAXIES / (throughput * u.day)).to(u.one).value)
    if not isinstance(answer, (int, float)) or isinstance(answer, bool):
        return Result.fail("Give a plain number of machines (an int).")
    if abs(answer - expected) <= max(1, 0.02 * expected):
        return Result.ok(f"{expected:,} copies of this machine, or a handful of GPUs: ML makes the impossible routine.")
    if abs(answer * 86400 - expected) <= 0.05 * expected or abs(answer - expected * 86400) <= 0.05 * expected * 86400:
        return Result.fail("A day has 86,400 seconds: convert with `(20e9 / (throughput * u.day)).to(u.one)`.")
    if abs(answer - expected * 17 / 20) <= 0.03 * expected:
        return Result.fail("17 billion is Rubin's star count: use 20 billion galaxies.")
    return Result.fail(f"Not quite: divide 20e9 galaxies by (throughput x 1 day) and round up (you gave {answer}).")


def _coadd_inputs(rng):
    n = int(rng.integers(1, 6))
    return (rng.uniform(21.0, 25.0, size=n), rng.integers(1, 1000, size=n)), {}


function_exercise(
    "surveys.coadd_depth", title="Build it: the depth of a stack of visits",
    reference="coursekit.surveys.simulate:coadd_depth", make_inputs=_coadd_inputs, n_trials=5, rtol=1e-9, atol=1e-9,
    hints=("With the sky background dominating, noise adds in quadrature: stacking N visits raises S/N by sqrt(N). "
           "What does that do to the faintest magnitude you reach?",
           "A flux ratio f is 2.5 log10(f) magnitudes, so sqrt(N) in S/N is 2.5 log10(sqrt(N)) = 1.25 log10(N): "
           "return `single_visit_depth + 1.25 * np.log10(n_visits)`."))

effect_exercise(
    "surveys.size_scaling", title="Experiment: how much slower are cut-outs twice as large per side?",
    direction=+1, min_sigma=2.0, value_range=(0.8, 2.8), what="log2(throughput at 64 px / at 128 px)",
    hints=("Time the network at two cut-out sizes with the same settings and compare the two rates.",
           "`size_scaling(config, small=cnn)` returns log2(rate_64 / rate_128) with its error; a convolution's work "
           "grows with the number of pixels, so expect about 2 (4x the pixels)."))
