"""Checks for notebook 06: the build-it (Pareto-front selection), two experiments, a cosmography answer, the quiz."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Result, effect_exercise, exercise, function_exercise


def _candidate_table(rng: np.random.Generator) -> tuple[tuple, dict]:
    """A table of candidate formulas as a search returns them: complexities 1-20 (repeats allowed), and
    losses that fall with complexity on average, with scatter, so the front has several rows."""
    n = int(rng.integers(6, 30))
    c = rng.integers(1, 21, n)
    loss = 10 ** (2 - 0.3 * c + rng.normal(0, 1.0, n))
    return (c, loss), {}


function_exercise(
    "symbolic.pareto_front", title="Build the Pareto front and PySR's 'best' choice",
    reference="coursekit.symbolic.model:pareto_front", make_inputs=_candidate_table, n_trials=8,
    rtol=1e-9, atol=1e-12,
    hints=("Three steps: for each complexity keep the candidate of lowest loss; walk up in complexity keeping "
           "only rows that beat every simpler kept row; then score and select.",
           "score_i = -(ln L_i - ln L_{i-1}) / (c_i - c_{i-1}) with score_0 = 0; among front rows with "
           "L <= 1.5 * min(L), return the index (into the input) of the highest score."),
)


effect_exercise(
    "symbolic.noise_sweep", title="How much does timing noise move Kepler's exponent?",
    direction=+1, min_sigma=2.0, value_range=(0.002, 1.0), what="increase of mean |p - 3/2|",
    hints=("Compare the mean |p - 3/2| at the largest noise with that at the smallest; both carry a standard "
           "error over the orbit sets.",
           "effect = coursekit.metrics.difference(sweep.abs_error[-1], sweep.abs_error[0])"),
)


effect_exercise(
    "symbolic.operator_ablation", title="What does taking sqrt away cost?",
    direction=+1, min_sigma=2.0, value_range=(0.2, 8.0), what="loss increase without sqrt [dex]",
    hints=("Compare the loss of the formula selected with and without sqrt on the same orbit sets, in log10.",
           "effect = ablation.loss_increase(): the mean of log10(loss without / loss with) and its standard error."),
)


@exercise("symbolic.q0_from_slope", title="Accelerating or not? q0 from the slope of d_L/(cz)",
          hints=("The expansion is d_L/(cz) = (1/H0) [1 + (1 - q0) z / 2]: divide the slope by the constant.",
                 "c1/c0 = (1 - q0)/2, so q0 = 1 - 2 c1/c0; acceleration means q0 < 0."))
def q0_from_slope(answer) -> Result:
    """For a formula d_L/v = 13.70 + 3.425 z (Mpc per 1000 km/s), give ``(q0, accelerating)``."""
    q0, accelerating = answer
    q0 = float(q0)
    if not isinstance(accelerating, (bool, np.bool_)):
        return Result.fail("Give the second item as True or False: is the expansion accelerating?")
    if abs(q0 - 0.5) > 0.01:
        if abs(q0 + 0.5) <= 0.01:
            return Result.fail("Sign: c1/c0 = (1 - q0)/2 gives q0 = 1 - 2 c1/c0, not 2 c1/c0 - 1.")
        if abs(q0 - 0.25) <= 0.01:
            return Result.fail("0.25 is c1/c0 itself; it equals (1 - q0)/2.")
        return Result.fail("Use c0 = 13.70 and c1 = 3.425: q0 = 1 - 2 c1 / c0.")
    if accelerating:
        return Result.fail("q0 = +0.5 > 0: decelerating. A positive slope alone only says q0 < 1; "
                           "acceleration needs c1/c0 > 1/2.")
    return Result.ok("q0 = +0.5: exactly the matter-only Einstein-de Sitter universe, decelerating, although the "
                     "slope is positive. Acceleration needs c1/c0 > 1/2.")
