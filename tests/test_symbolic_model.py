"""coursekit.symbolic.model: input checks, parsing, the Pareto front and selection, a small fit, constants'
bootstrap, the power-law check, save/load."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sympy

from coursekit.symbolic import model as M


@pytest.mark.parametrize(
    "X, y, names, match",
    [
        (np.ones((10, 1)), np.arange(10.0), ["a"], "feature 'a' is constant"),
        (np.c_[np.arange(10.0), [np.nan] + [1.0] * 9], np.arange(10.0), ["a", "b"], "feature 'b' has 1 non-finite"),
        (np.arange(3.0)[:, None], np.arange(3.0), ["a"], "too few rows: 3"),
        (np.arange(10.0)[:, None], np.ones(10), ["a"], "target is constant"),
        (np.arange(10.0)[:, None], np.r_[np.inf, np.arange(9.0)], ["a"], "target has 1 non-finite"),
        (np.arange(10.0)[:, None], np.arange(10.0), ["a", "b"], "2 feature names for 1 columns"),
        (np.arange(10.0)[:, None], np.arange(9.0), ["a"], r"y must have shape \(10,\)"),
        (np.arange(10.0)[:, None], np.r_[1e300, np.arange(9.0)], ["a"], "target has values up to 1e\\+300, too large"),
        (np.r_[1e200, np.arange(9.0)][:, None], np.arange(10.0), ["a"], "feature 'a' has values up to 1e\\+200"),
    ],
)
def test_bad_inputs_are_named(X, y, names, match):
    with pytest.raises(ValueError, match=match):
        M.fit_symbolic(X, y, names, engine="operon")


def test_bad_operators_and_selection():
    X, y = np.arange(1.0, 11.0)[:, None], np.arange(10.0)
    with pytest.raises(ValueError, match="unknown binary operator '%'"):
        M.fit_symbolic(X, y, binary_operators=("%",), engine="operon")
    with pytest.raises(ValueError, match="unknown unary operator 'gamma'"):
        M.fit_symbolic(X, y, unary_operators=("gamma",), engine="operon")
    with pytest.raises(ValueError, match="unknown selection 'bic'"):
        M.fit_symbolic(X, y, selection="bic", engine="operon")


def test_parse_infix_operon_strings():
    a = sympy.Symbol("a", positive=True)
    expr = M.parse_infix("((-7.25) + (1.5 * (2.0 * x0)))", [a], ["x0"])
    assert sympy.simplify(expr - (3 * a - 7.25)) == 0
    expr = M.parse_infix("(abs((0.99 * x0)) ^ 1.5)", [a], ["x0"])
    assert float(expr.subs(a, 2.0)) == pytest.approx((0.99 * 2.0) ** 1.5)
    expr = M.parse_infix("(sqrt(abs((4.0 * x0))) * log(x0))", [a], ["x0"])
    assert float(expr.subs(a, np.e)) == pytest.approx(2 * np.sqrt(np.e))


def test_pareto_front_by_hand():
    # candidates: (complexity, loss); two at complexity 3, one dominated at 5, an exact fit at 9
    c = [1, 3, 3, 4, 5, 9, 7]
    L = [88.6, 50.0, 43.9, 0.205, 0.3, 0.15, 0.199]
    front, score, selected = M.pareto_front(c, L)
    assert front.tolist() == [0, 2, 3, 6, 5]          # complexity 1, 3 (the better), 4, 7, 9; 5 is dominated
    expected = [0.0, -np.log(43.9 / 88.6) / 2, -np.log(0.205 / 43.9) / 1, -np.log(0.199 / 0.205) / 3,
                -np.log(0.15 / 0.199) / 2]
    np.testing.assert_allclose(score, expected)
    assert selected == 3                                # complexity 4: the elbow, and within 1.5x of 0.15
    # 'best' only looks within 1.5x of the smallest loss: here the elbow at 4 is outside (0.205 > 1.5 * 0.1)
    assert M.pareto_front([1, 4, 9], [88.6, 0.205, 0.1])[2] == 2
    # an exact fit (loss 0) keeps a finite score
    f, s, sel = M.pareto_front([1, 5], [1.0, 0.0])
    assert np.isfinite(s).all() and sel == 1
    with pytest.raises(ValueError, match="every loss must be finite"):
        M.pareto_front([1, 2], [1.0, np.inf])
    with pytest.raises(ValueError, match="two \\(n,\\) arrays"):
        M.pareto_front([1, 2], [1.0])


def test_pareto_table_drops_dominated_rows_and_non_finite_candidates():
    x = sympy.Symbol("x", positive=True)
    X = np.linspace(1, 4, 20)[:, None]
    y = X[:, 0] ** 2
    rows = [(1, 3 * x), (3, x**2 + 0.1), (5, x**2 + 0.5), (4, 2 * x + x), (7, x**2), (2, 1 / (x - 2.5) ** 40)]
    front = M.pareto_table(rows, [x], X, y)
    assert list(front["complexity"]) == [1, 3, 7]
    assert front["loss"].iloc[1] == pytest.approx(0.01)
    with pytest.raises(RuntimeError, match="no formula whose loss is finite"):
        M.pareto_table([(1, sympy.Float(1e200) * x**3)], [x], X * 1e40, y)


def test_select_index_rules():
    front = pd.DataFrame({"complexity": [1, 3, 4, 8], "loss": [10.0, 5.0, 0.2, 0.15], "score": [0, 0.35, 3.2, 0.07]})
    assert M.select_index(front, "best") == 2
    assert M.select_index(front, "accuracy") == 3
    assert M.select_index(front, "score") == 2
    with pytest.raises(ValueError, match="unknown selection"):
        M.select_index(front, "aic")


def test_fit_symbolic_recovers_a_square_law_with_operon(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 10, 60)
    y = 2.5 * x**2
    fit = M.fit_symbolic(x[:, None], y, ["x"], engine="operon", binary_operators=("+", "*", "^"),
                         unary_operators=(), population_size=200, generations=40, max_complexity=8, seed=0)
    assert fit.engine == "operon" and fit.best.free_symbols == {fit.symbols[0]}
    np.testing.assert_allclose(fit.predict(x[:, None]), y, rtol=1e-4)
    assert fit.best_row.loss < 1e-6
    records = fit.to_records()
    json.dumps(records)
    assert sum(r["selected"] for r in records) == 1
    assert "engine: operon" in fit.summary()
    with pytest.raises(ValueError, match="the fit used 1 feature"):
        fit.predict(np.ones((3, 2)))
    # save / load through coursekit.checkpoint
    path = M.save_fit(tmp_path / "front.pt", fit)
    back = M.load_fit(path)
    assert back.feature_names == ("x",) and back.best_index == fit.best_index
    np.testing.assert_allclose(back.predict(x[:, None]), fit.predict(x[:, None]), rtol=1e-9)
    from coursekit.checkpoint import ModelFileError

    raw = bytearray(path.read_bytes())
    raw[-200] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError):
        M.load_fit(path)


def test_bootstrap_functions_give_the_least_squares_error_of_a_slope():
    rng = np.random.default_rng(0)
    x = np.linspace(1, 10, 200)
    y = 3.0 * x + rng.normal(0, 0.5, x.size)
    s = sympy.Symbol("x", positive=True)
    f0, boots = M.bootstrap_functions(sympy.Float(2.9) * s, [s], x[:, None], y, n_boot=300, seed=1)
    assert float(f0(1.0)) == pytest.approx(2.9)
    slopes = np.array([float(f(1.0)) for f in boots])
    se = 0.5 / np.sqrt(np.sum(x**2))  # least-squares standard error of a slope through the origin
    assert slopes.mean() == pytest.approx(np.sum(x * y) / np.sum(x * x), abs=3 * se)
    assert slopes.std() == pytest.approx(se, rel=0.2)
    f0, boots = M.bootstrap_functions(s * sympy.sqrt(s), [s], x[:, None], y, n_boot=3)
    assert float(boots[0](4.0)) == 8.0  # no constants: nothing to re-fit


def test_power_law_check_says_when_a_power_law_would_do():
    a = sympy.Symbol("a", positive=True)
    x = np.linspace(0.3, 40, 400)
    y = x**1.5
    fake = M.SymbolicFit(front=pd.DataFrame({"complexity": [17], "loss": [1e-12], "score": [0.0],
                                             "expression": [a**1.5 + 1e-9 * a], "equation": [""]}),
                         best_index=0, symbols=(a,), feature_names=("a",), target_name="T", engine="operon",
                         engine_reason="", selection="best", wall_s=0.0)
    check = M.power_law_check(fake, x[:, None], y)
    assert check.complexity == 5 and check.loss < 1e-12 and check.simpler_and_as_good
    assert "a^1.5" in check.formula and "fits about as well" in check.note()
    assert M.power_law_check(fake, x[:, None] - 1, y) is None  # values <= 0: not applicable
