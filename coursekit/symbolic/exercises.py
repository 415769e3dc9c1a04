"""Exercises of notebook 06 (checked with ``coursekit.exercises.check``)."""

from __future__ import annotations

from coursekit.exercises import Result, exercise

#: The front used by ``symbolic.select_law``: (complexity, loss) rows.
EXAMPLE_FRONT = [(1, 88.6), (3, 43.9), (4, 0.205), (6, 0.201), (8, 0.199), (12, 0.150)]


@exercise("symbolic.kepler_exponent", title="Read Kepler's exponent off the selected formula", solution="""
from coursekit.symbolic.laws import as_power_law
law = as_power_law(kepler.fit.best, kepler.fit.symbols)   # T = c * a^p
answer = law.exponents["a"]                                # 1.5 within 0.01: T^2 ∝ a^3
""")
def kepler_exponent(answer) -> Result:
    p = float(answer)
    if abs(p - 1.5) <= 0.01:
        return Result.ok(f"p = {p:.4f}: T ∝ a^1.5, i.e. T^2 ∝ a^3, Kepler's third law.")
    if abs(p - 2 / 3) <= 0.02:
        return Result.fail("That is the exponent of a(T): the formula gives T as a function of a.")
    if abs(p - 3) <= 0.05:
        return Result.fail("3 is the exponent of T^2; the search fitted T itself.")
    return Result.fail("Use as_power_law(fit.best, fit.symbols).exponents['a'] on the selected formula.")


@exercise("symbolic.hubble_constant", title="H0 from the slope of d = k v", solution="""
from coursekit.symbolic.laws import taylor_coefficients
_, k, _ = taylor_coefficients(hubble.fit.best, hubble.fit.symbols[0])  # k in Mpc per km/s
answer = 1 / k                                                          # km/s/Mpc, about 73.5
""")
def hubble_constant(answer, *, expected: float = 73.5, tol: float = 1.0) -> Result:
    h0 = float(answer)
    if abs(h0 - expected) <= tol:
        return Result.ok(f"H0 = {h0:.2f} km/s/Mpc: the SH0ES-calibrated value (Riess et al. 2022: 73.0 ± 1.0).")
    if 0 < h0 < 1:
        return Result.fail("That looks like the slope k = d/v itself (Mpc per km/s): H0 is 1/k.")
    if abs(h0 * 1000 - expected) <= 10 * tol or abs(h0 / 1000 - expected) <= 10 * tol:
        return Result.fail("Off by a factor 1000: keep v in km/s and d in Mpc.")
    return Result.fail(f"H0 should be near {expected:.0f} km/s/Mpc: take 1 / (slope of the formula at v = 0).")


@exercise("symbolic.select_law", title="Which formula does PySR's 'best' rule pick?", solution="""
import pandas as pd
from coursekit.symbolic.engine import select_index
front = pd.DataFrame(EXAMPLE_FRONT, columns=["complexity", "loss"])
front["score"] = [0.0] + [-(np.log(l1) - np.log(l0)) / (c1 - c0)
                          for (c0, l0), (c1, l1) in zip(EXAMPLE_FRONT[:-1], EXAMPLE_FRONT[1:])]
answer = front.loc[select_index(front, "best"), "complexity"]   # 4: the biggest drop of log-loss per node
""")
def select_law(answer) -> Result:
    c = int(answer)
    if c == 4:
        return Result.ok("Complexity 4: among formulas within 1.5x of the smallest loss, it has the largest score "
                         "(-d ln loss / d complexity).")
    if c == 12:
        return Result.fail("12 has the smallest loss (the 'accuracy' rule); 'best' prefers the largest score "
                           "among losses within 1.5x of the minimum.")
    if c in (1, 3):
        return Result.fail("Its loss is far more than 1.5x the smallest: 'best' only considers near-minimal losses.")
    return Result.fail("Compute the score -(ln L_i - ln L_{i-1}) / (c_i - c_{i-1}) for each row, "
                       "keep rows with loss <= 1.5 x min, take the highest score.")
