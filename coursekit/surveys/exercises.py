"""Exercises for notebook 01 (the data tsunami)."""

from __future__ import annotations

import astropy.units as u

from coursekit.exercises import Result, exercise


@exercise(
    "surveys.rubin_per_year",
    title="Rubin's raw data volume in one year (300 nights), as an astropy Quantity in PB",
    solution="""
import astropy.units as u
answer = (20 * u.TB / u.night * 300 * u.night).to(u.PB)   # 6 PB
# u.night is not an astropy unit; (20 * u.TB * 300).to(u.PB) works just as well.
""",
)
def rubin_per_year(answer) -> Result:
    if not isinstance(answer, u.Quantity):
        return Result.fail("Give a Quantity with units, e.g. `(20 * u.TB * 300).to(u.PB)`, not a bare number.")
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


@exercise(
    "surveys.volunteer_years",
    title="Years Galaxy Zoo's volunteers would need for Rubin's 17 billion galaxies",
    solution="""
from coursekit.surveys import classification_time, volunteer_rate
answer = classification_time(17e9, volunteer_rate()).to(u.year)   # ~230 years
""",
)
def volunteer_years(answer) -> Result:
    from coursekit.surveys import classification_time, volunteer_rate

    expected = classification_time(17e9, volunteer_rate()).to(u.year).value
    if not isinstance(answer, u.Quantity) or not answer.unit.is_equivalent(u.year):
        return Result.fail("Give a time Quantity, e.g. `classification_time(17e9, volunteer_rate()).to(u.year)`.")
    got = answer.to(u.year).value
    if abs(got - expected) / expected < 0.05:
        return Result.ok(f"About {expected:.0f} years: far longer than the 10-year survey itself.")
    if abs(got * 38 - expected) / expected < 0.05:
        return Result.fail("Each galaxy needs ~38 independent classifications: use `volunteer_rate()`, which "
                           "divides the click rate by that.")
    return Result.fail(f"{got:.3g} yr differs from the expected value; use 17e9 galaxies and `volunteer_rate()`.")


@exercise(
    "surveys.gpus_needed",
    title="How many copies of your measured CNN would classify 17 billion galaxies in one day?",
    solution="""
import numpy as np
answer = int(np.ceil((17e9 / (throughput * u.day)).to(u.one).value))
""",
)
def gpus_needed(answer, throughput: u.Quantity | None = None) -> Result:
    import math

    if throughput is None:
        return Result.fail("Pass your measured throughput: check('surveys.gpus_needed', answer, throughput=throughput)")
    expected = math.ceil((17e9 / (throughput * u.day)).to(u.one).value)
    if not isinstance(answer, (int, float)) or isinstance(answer, bool):
        return Result.fail("Give a plain number of machines (an int).")
    if abs(answer - expected) <= max(1, 0.02 * expected):
        return Result.ok(f"{expected:,} copies of this machine, or a handful of GPUs: ML makes the impossible routine.")
    if abs(answer * 86400 - expected) <= 0.05 * expected or abs(answer - expected * 86400) <= 0.05 * expected * 86400:
        return Result.fail("A day has 86,400 seconds: convert with `(17e9 / (throughput * u.day)).to(u.one)`.")
    return Result.fail(f"Not quite: divide 17e9 galaxies by (throughput x 1 day) and round up (you gave {answer}).")
