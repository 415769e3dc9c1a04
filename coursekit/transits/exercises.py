"""Exercises of notebook 05 (exoplanet transits), checked by ``coursekit.exercises.check``."""

from __future__ import annotations

import math

from coursekit.exercises import Result, exercise

R_EARTH_KM = 6371.0
R_SUN_KM = 695700.0


@exercise(
    "transits.earth_depth",
    title="Transit depth of an Earth twin",
    solution='''
depth = (R_earth / R_sun)**2 = (6371 / 695700)**2 = 8.39e-5  ->  answer = 83.9  (ppm)
# Compare with the 6.5-h CDPP of a quiet 12th-magnitude star (~30 ppm): detectable only by
# stacking many transits, which is why Kepler stared at one field for four years.
''',
)
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


@exercise(
    "transits.local_view_geometry",
    title="Span and bin width of a local view",
    solution='''
duration = 8.0 / 24                      # Kepler-90 d, days
window_days = 2 * 4 * duration           # +-4 durations  -> 2.667 d
bin_hours = 0.16 * 8.0                   # bins are 0.16 durations wide -> 1.28 h (they overlap:
                                         # spacing is 2.667 d / 200 = 0.32 h)
answer = (window_days, bin_hours)
''',
)
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


@exercise(
    "transits.odd_even",
    title="Odd/even depth test",
    solution='''
sigma = abs(1200 - 800) / (60**2 + 60**2) ** 0.5   # = 4.71
is_binary = sigma > 3                               # True: alternating depths -> eclipsing binary at 2P
answer = (sigma, is_binary)
''',
)
def odd_even(answer) -> Result:
    sigma, is_binary = answer
    sigma = float(sigma)
    truth = 400 / math.hypot(60, 60)
    if abs(sigma - truth) > 0.05:
        if abs(sigma - 400 / 60) < 0.05 or abs(sigma - 400 / 120) < 0.05:
            return Result.fail("Independent errors add in quadrature: sqrt(60**2 + 60**2), not 60 or 60 + 60.")
        return Result.fail("Significance = |depth_odd - depth_even| / sqrt(err_odd**2 + err_even**2).")
    if not isinstance(is_binary, bool) and not hasattr(is_binary, "dtype"):
        return Result.fail("Give the verdict as True or False.")
    if not bool(is_binary):
        return Result.fail(f"{truth:.2f} sigma is above the usual 3-sigma threshold: flag it as a likely binary.")
    return Result.ok(f"Right: {truth:.2f} sigma; odd and even events differ, the hallmark of an eclipsing binary "
                     "found at half its true period.")
