"""Exercises of notebook 02 (galaxy morphology), checked by :func:`coursekit.exercises.check`."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Result, exercise

# --------------------------------------------------------------------------- concentration of a disc

#: C = 5 log10(r80 / r20) of an exponential disc, total light to infinity (see the solution).
DISC_CONCENTRATION = 2.8008


@exercise(
    "galaxies.disc_concentration",
    title="Concentration of an exponential disc",
    solution='''
from scipy.optimize import brentq
import numpy as np
# light inside R for I(R) = I0 exp(-R/h):  L(<x)/L = 1 - (1 + x) exp(-x),  x = R/h
frac = lambda x, f: 1 - (1 + x) * np.exp(-x) - f
x20, x80 = brentq(frac, 1e-6, 50, args=(0.2,)), brentq(frac, 1e-6, 50, args=(0.8,))
answer = 5 * np.log10(x80 / x20)      # = 2.80: discs are much less concentrated than ellipticals (C ~ 4-5)
''',
)
def disc_concentration(answer) -> Result:
    value = float(answer)
    if abs(value - DISC_CONCENTRATION) < 0.03:
        return Result.ok(f"C = {value:.2f}. Ellipticals (de Vaucouleurs) reach C ~ 5; a simple cut near C = 3 "
                         "already separates early from late types (Conselice 2003).")
    if abs(value - np.log10(2.994 / 0.824)) < 0.03:
        return Result.fail("You have log10(r80/r20); the concentration index has a factor 5 in front.")
    if 5 < value < 5.6:
        return Result.fail("That is the value for a de Vaucouleurs (n = 4) profile; redo it for I ∝ exp(-R/h).")
    return Result.fail("Integrate I(R) = exp(-R/h) over the disc: L(<x)/L = 1 - (1 + x) e^(-x) with x = R/h; "
                       "solve for 20% and 80% of the light and take 5 log10(x80 / x20).")


# --------------------------------------------------------------------------- expected calibration error

def calibration_exercise_data() -> tuple[np.ndarray, np.ndarray]:
    """Ten predictions of a 3-class classifier: probabilities (10, 3) and true labels (10,)."""
    probs = np.array([
        [0.95, 0.03, 0.02], [0.92, 0.05, 0.03], [0.10, 0.85, 0.05], [0.20, 0.75, 0.05], [0.55, 0.40, 0.05],
        [0.30, 0.35, 0.35], [0.05, 0.05, 0.90], [0.62, 0.30, 0.08], [0.15, 0.15, 0.70], [0.48, 0.46, 0.06],
    ])
    labels = np.array([0, 1, 1, 1, 1, 2, 2, 0, 2, 0])
    return probs, labels


def _ece_reference(n_bins: int = 5) -> float:
    from coursekit.galaxies.evaluate import expected_calibration_error

    return expected_calibration_error(*calibration_exercise_data(), n_bins=n_bins)


@exercise(
    "galaxies.ece",
    title="Expected calibration error by hand (5 bins)",
    solution='''
from coursekit.galaxies.exercises import calibration_exercise_data
probs, labels = calibration_exercise_data()
conf = probs.max(1)
correct = probs.argmax(1) == labels
edges = np.linspace(0, 1, 6)                       # 5 equal bins over [0, 1]
answer = 0.0
for lo, hi in zip(edges[:-1], edges[1:]):
    inside = (conf > lo) & (conf <= hi)
    if inside.any():                               # ECE = sum_b n_b/n |acc_b - conf_b|
        answer += inside.mean() * abs(correct[inside].mean() - conf[inside].mean())
''',
)
def ece(answer) -> Result:
    value = float(answer)
    ref = _ece_reference(5)
    if abs(value - ref) < 1e-3:
        return Result.ok(f"ECE = {value:.3f}: on average the stated confidence is off by {100 * value:.0f} "
                         "percentage points, weighted by how many predictions fall in each bin.")
    probs, labels = calibration_exercise_data()
    if abs(value - (1 - np.mean(probs.argmax(1) == labels))) < 1e-3:
        return Result.fail("That is the error rate. The ECE compares confidence with accuracy inside each bin.")
    if abs(value - abs(np.mean(probs.argmax(1) == labels) - probs.max(1).mean())) < 1e-3:
        return Result.fail("You compared mean confidence and accuracy over all predictions at once (one bin); "
                           "use 5 bins and weight each |acc - conf| by the fraction of predictions in it.")
    return Result.fail("Per bin of the top-class probability (edges 0, 0.2, ..., 1): |accuracy - mean confidence|, "
                       "weighted by the fraction of the 10 predictions in the bin, summed over bins.")


# --------------------------------------------------------------------------- Galaxy10 -> four classes

@exercise(
    "galaxies.galaxy10_mapping",
    title="Map the ten Galaxy10 DECaLS classes onto elliptical/spiral/merger/irregular",
    solution='''
# Galaxy10: 0 disturbed, 1 merging, 2 round smooth, 3 in-between round smooth, 4 cigar-shaped smooth,
#           5 barred spiral, 6 unbarred tight spiral, 7 unbarred loose spiral, 8 edge-on no bulge, 9 edge-on bulge
# four classes: 0 elliptical, 1 spiral, 2 merger, 3 irregular
answer = {0: 3, 1: 2, 2: 0, 3: 0, 4: 0, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}
''',
)
def galaxy10_mapping(answer) -> Result:
    from coursekit.galaxies.data import GALAXY10_CLASSES, GALAXY10_TO_FOUR
    from coursekit.galaxies.simulate import CLASSES

    mapping = {int(k): int(v) for k, v in dict(answer).items()}
    missing = sorted(set(range(10)) - set(mapping))
    if missing:
        return Result.fail(f"Give a class for every Galaxy10 index; missing {missing}.")
    wrong = [k for k in range(10) if mapping[k] != GALAXY10_TO_FOUR[k]]
    if not wrong:
        return Result.ok("Right. Smooth = elliptical, discs (barred, tight, loose, edge-on) = spiral; "
                         "'disturbed' is the closest to irregular, but it is a loose match.")
    k = wrong[0]
    if k in (8, 9):
        return Result.fail(f"{GALAXY10_CLASSES[k]}: an edge-on galaxy is a disc seen side on, so it belongs with "
                           "the spirals even though no arms are visible.")
    if k == 4:
        return Result.fail("Cigar-shaped smooth galaxies have no disc features: they are smooth, i.e. elliptical "
                           "(or edge-on S0s, which Galaxy Zoo also calls smooth).")
    return Result.fail(f"Look again at {GALAXY10_CLASSES[k]} (index {k}); you mapped it to "
                       f"{CLASSES[mapping[k]] if 0 <= mapping[k] < 4 else mapping[k]}.")
