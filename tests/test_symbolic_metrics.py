"""coursekit.symbolic.metrics: recovery rates, means with errors, numbers read off formulas, pulls."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from coursekit.metrics import Measurement
from coursekit.symbolic import metrics as Mt


def test_recovery_rate_and_mean():
    r = Mt.recovery_rate([True] * 7 + [False] * 3)
    assert r.value == 0.7 and r.err == pytest.approx(np.sqrt(0.7 * 0.3 / 10))
    assert Mt.recovery_rate([True] * 4).err == pytest.approx(0.25)  # the 1/n floor: never a zero error
    m = Mt.mean_with_error([1.0, 2.0, 3.0, np.nan])
    assert m.value == 2.0 and m.err == pytest.approx(1 / np.sqrt(3))
    with pytest.raises(ValueError, match="at least one"):
        Mt.recovery_rate([])
    with pytest.raises(ValueError, match="at least 2 finite"):
        Mt.mean_with_error([1.0, np.nan])


def test_log_slope_and_taylor():
    assert Mt.log_slope_at(lambda a: 3 * a**1.5, [2.0]) == pytest.approx(1.5, abs=1e-8)
    assert np.isnan(Mt.log_slope_at(lambda a: -a, [2.0]))
    f0, f1 = Mt.taylor_at_zero(lambda z: 13.7 + 3.4 * z + 2.0 * z**2, 0.5)
    assert f0 == pytest.approx(13.7) and f1 == pytest.approx(3.4, rel=1e-6)


def test_formula_measurement_structural_and_fitted():
    a = sympy.Symbol("a", positive=True)
    x = np.geomspace(0.2, 40, 100)
    rng = np.random.default_rng(0)
    y = x**1.5 * (1 + 0.01 * rng.normal(size=x.size))
    structural = Mt.formula_measurement(sympy.Float(1.001) * a * sympy.sqrt(a), [a], x[:, None], y,
                                        lambda f: Mt.log_slope_at(f, [3.0]), n_boot=30)
    assert structural.value == pytest.approx(1.5) and structural.err == 0.0
    fitted = Mt.formula_measurement(sympy.Float(1.0) * a ** sympy.Float(1.5), [a], x[:, None], y,
                                    lambda f: Mt.log_slope_at(f, [3.0]), n_boot=60)
    assert fitted.value == pytest.approx(1.5) and 1e-4 < fitted.err < 0.01


def test_pull():
    assert Mt.pull(Measurement(-0.5, 0.1), -0.55) == pytest.approx(0.5)
    assert Mt.pull(Measurement(-0.5, 0.1), 0.5) == pytest.approx(-10)
    assert Mt.pull(Measurement(1.0, 0.0), 1.0) == 0.0 and Mt.pull(Measurement(1.0, 0.0), 2.0) == np.inf
