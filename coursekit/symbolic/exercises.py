"""Checks for notebook 06: the build-it (Pareto-front selection), two experiments, a cosmography answer, the quiz."""

from __future__ import annotations

import numpy as np

from coursekit.exercises import Question, Result, effect_exercise, exercise, function_exercise, quiz_questions


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


quiz_questions("symbolic", [
    Question("What does PySR's score -Δ ln(loss) / Δ complexity reward?",
             choices={"a": "the smallest loss on the front",
                      "b": "a large drop in log-loss bought by few extra nodes",
                      "c": "the simplest formula on the front",
                      "d": "formulas without constants"},
             answer="b",
             feedback={"a": "That is the 'accuracy' rule; the score measures the gain per added node.",
                       "c": "The simplest formula has score 0 by definition.",
                       "d": "Constants count as nodes like any other; the score does not look at them."},
             explain="The score is the log-loss gained per node relative to the next simpler formula: an elbow."),
    Question("Why does the 'best' rule only consider formulas within 1.5x of the smallest loss?",
             choices={"a": "to avoid selecting a simple formula that fits badly but has a large score early on",
                      "b": "to make the search faster",
                      "c": "because PySR cannot compute larger losses"},
             answer="a",
             feedback={"b": "Selection happens after the search; it costs nothing.",
                       "c": "Every loss on the front is computed."},
             explain="A big score early on (1 node to 3) can still leave a poor fit; the window keeps only accurate rows."),
    Question("With + - * and sqrt, Operon returns T = 1.001 a*sqrt(a). What is the uncertainty of the exponent "
             "from this formula's constants?",
             choices={"a": "zero: 3/2 is the structure, not a fitted number",
                      "b": "the same as the log-log least-squares error",
                      "c": "about 1 %, the timing noise"},
             answer="a",
             feedback={"b": "Re-fitting the constant 1.001 does not move the exponent.",
                       "c": "The noise moves the coefficient, not the structure a*sqrt(a)."},
             explain="The exponent is structural; the search's uncertainty is in *which* structure wins."),
    Question("A cosmographic fit gives d_L/(cz) with a positive linear term in z. What can you conclude?",
             choices={"a": "the expansion accelerates (q0 < 0)",
                      "b": "only q0 < 1; acceleration needs the slope over the constant above 1/2",
                      "c": "the universe is flat"},
             answer="b",
             feedback={"a": "Einstein-de Sitter (q0 = +1/2, decelerating) also has a positive slope: (1 - q0)/2 = 1/4.",
                       "c": "Curvature enters at second order (the jerk), not in the linear term."},
             explain="d_L/(cz) = (1/H0)[1 + (1 - q0) z/2 + ...]; acceleration is c1/c0 > 1/2."),
    Question("Why is d regressed on v (and not v on d) to measure H0?",
             choices={"a": "d is the noisy quantity; noise in the regressor flattens the fitted slope",
                      "b": "v has larger numbers",
                      "c": "it makes no difference"},
             answer="a",
             feedback={"b": "Units do not decide which variable carries the noise.",
                       "c": "Regression dilution biases the slope when the regressor is noisy."},
             explain="Redshifts are nearly exact; 7 % distance scatter belongs on the left-hand side."),
    Question("On the exoplanet catalogue the search works on ln P, ln a, ln M. Why?",
             choices={"a": "a power law is a plane in log space, and the periods span seven decades",
                      "b": "Operon cannot handle large numbers",
                      "c": "logarithms remove the outliers"},
             answer="a",
             feedback={"b": "It can; but a squared loss in linear space would be dominated by the longest periods.",
                       "c": "Outliers stay; they are clipped separately."},
             explain="In log space the law needs only + and *, and every planet weighs the same."),
    Question("Without sqrt or ^, what does the search return for Kepler's orbits?",
             choices={"a": "the same law, written differently",
                      "b": "a polynomial look-alike with a higher loss and no exponent 3/2",
                      "c": "an error"},
             answer="b",
             feedback={"a": "a^(3/2) cannot be written with + - * and finitely many nodes.",
                       "c": "The search always returns its best front."},
             explain="The operator set is a prior: the law must be expressible in it."),
    Question("As the timing noise grows, why does the fitted exponent stop being 3/2 within 0.01?",
             choices={"a": "the law changes",
                      "b": "the exponent's statistical error grows with the noise until it exceeds the window",
                      "c": "Operon has a bug at high noise"},
             answer="b",
             feedback={"a": "The simulator keeps Kepler's law at every noise level.",
                       "c": "The log-log baseline loses precision at the same rate."},
             explain="The error of a fitted exponent scales with the noise over the lever arm in ln a."),
    Question("A selected formula has complexity 17; a power law of complexity 5 has a loss 1.2x larger. Which "
             "do you report?",
             choices={"a": "the complexity-17 formula, it has the lower loss",
                      "b": "the power law, unless the extra terms have a physical meaning you can test",
                      "c": "neither"},
             answer="b",
             feedback={"a": "Within 1.5x of the loss, PySR's own rule prefers the simpler formula.",
                       "c": "The power law is a fine description at that accuracy."},
             explain="Parsimony: 12 more nodes for a 20 % lower loss is usually fitting noise."),
])
