"""coursekit.symbolic.engine: engine choice without Julia, input checks, parsing, the Pareto table, a small fit."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
import sympy

from coursekit.symbolic import engine as E


@pytest.fixture
def no_julia(monkeypatch, tmp_path):
    monkeypatch.delenv("PYTHON_JULIAPKG_EXE", raising=False)
    monkeypatch.delenv("PYTHON_JULIAPKG_PROJECT", raising=False)
    monkeypatch.delenv("COURSEKIT_SR_ENGINE", raising=False)
    monkeypatch.setenv("JULIA_DEPOT_PATH", str(tmp_path / "depot"))
    monkeypatch.setattr(E.shutil, "which", lambda name: None)
    monkeypatch.setattr(E.sys, "prefix", str(tmp_path / "venv"))
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    monkeypatch.delitem(sys.modules, "juliacall", raising=False)


def test_pysr_status_without_julia_never_imports_pysr(no_julia):
    ok, why = E.pysr_status()
    assert not ok
    assert "Julia" in why or "not installed" in why
    assert "pysr" not in sys.modules


def test_pysr_status_finds_configured_julia(no_julia, monkeypatch, tmp_path):
    if E.importlib.util.find_spec("pysr") is None:
        pytest.skip("pysr not installed")
    exe = tmp_path / "julia"
    exe.write_text("#!/bin/sh\n")
    monkeypatch.setenv("PYTHON_JULIAPKG_EXE", str(exe))
    ok, why = E.pysr_status()
    assert ok and str(exe) in why


def test_choose_engine(no_julia, monkeypatch):
    assert E.choose_engine("auto")[0] == "operon"
    assert E.choose_engine("operon")[0] == "operon"
    with pytest.raises(RuntimeError, match="engine 'pysr' is not available"):
        E.choose_engine("pysr")
    with pytest.raises(ValueError, match="unknown engine 'gplearn'"):
        E.choose_engine("gplearn")
    monkeypatch.setenv("COURSEKIT_SR_ENGINE", "pysr")
    with pytest.raises(RuntimeError, match="not available"):
        E.choose_engine("auto")


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
    ],
)
def test_bad_inputs_are_named(X, y, names, match):
    with pytest.raises(ValueError, match=match):
        E.fit_symbolic(X, y, names, engine="operon")


def test_bad_operators_and_selection():
    X, y = np.arange(1.0, 11.0)[:, None], np.arange(10.0)
    with pytest.raises(ValueError, match="unknown binary operator '%'"):
        E.fit_symbolic(X, y, binary_operators=("%",), engine="operon")
    with pytest.raises(ValueError, match="unknown unary operator 'gamma'"):
        E.fit_symbolic(X, y, unary_operators=("gamma",), engine="operon")
    with pytest.raises(ValueError, match="unknown selection 'bic'"):
        E.fit_symbolic(X, y, selection="bic", engine="operon")


def test_parse_infix_operon_strings():
    a = sympy.Symbol("a", positive=True)
    expr = E.parse_infix("((-7.25) + (1.5 * (2.0 * x0)))", [a], ["x0"])
    assert sympy.simplify(expr - (3 * a - 7.25)) == 0
    expr = E.parse_infix("(abs((0.99 * x0)) ^ 1.5)", [a], ["x0"])
    assert float(expr.subs(a, 2.0)) == pytest.approx((0.99 * 2.0) ** 1.5)
    expr = E.parse_infix("(sqrt(abs((4.0 * x0))) * log(x0))", [a], ["x0"])
    assert float(expr.subs(a, np.e)) == pytest.approx(2 * np.sqrt(np.e))


def test_pareto_table_drops_dominated_rows_and_scores_like_pysr():
    x = sympy.Symbol("x", positive=True)
    X = np.linspace(1, 4, 20)[:, None]
    y = X[:, 0] ** 2
    rows = [(1, 3 * x), (3, x**2 + 0.1), (5, x**2 + 0.5), (4, 2 * x + x), (7, x**2)]
    front = E.pareto_table(rows, [x], X, y)
    # complexity 4 and 5 do not beat complexity 3: dropped; 7 is exact
    assert list(front["complexity"]) == [1, 3, 7]
    l1 = np.mean((3 * X[:, 0] - y) ** 2)
    assert front["loss"].iloc[0] == pytest.approx(l1)
    assert front["loss"].iloc[1] == pytest.approx(0.01)
    assert front["score"].iloc[0] == 0.0
    assert front["score"].iloc[1] == pytest.approx(-(np.log(0.01) - np.log(l1)) / 2)


def test_select_index_rules():
    front = pd.DataFrame({"complexity": [1, 3, 4, 8], "loss": [10.0, 5.0, 0.2, 0.15], "score": [0, 0.35, 3.2, 0.07]})
    assert E.select_index(front, "best") == 2
    assert E.select_index(front, "accuracy") == 3
    assert E.select_index(front, "score") == 2
    with pytest.raises(ValueError, match="unknown selection"):
        E.select_index(front, "aic")


def test_fit_symbolic_recovers_a_square_law_with_operon():
    rng = np.random.default_rng(1)
    x = rng.uniform(1, 10, 60)
    y = 2.5 * x**2
    fit = E.fit_symbolic(x[:, None], y, ["x"], engine="operon", binary_operators=("+", "*", "^"),
                         unary_operators=(), population_size=200, generations=40, max_complexity=8, seed=0)
    assert fit.engine == "operon"
    assert fit.best.free_symbols == {fit.symbols[0]}
    np.testing.assert_allclose(fit.predict(x[:, None]), y, rtol=1e-4)
    assert fit.best_row.loss < 1e-6
    records = fit.to_records()
    json.dumps(records)
    assert sum(r["selected"] for r in records) == 1
    assert {"complexity", "loss", "score", "expression"} <= set(records[0])
    assert "engine: operon" in fit.summary()
    with pytest.raises(ValueError, match="X has 2 columns"):
        fit.predict(np.ones((3, 2)))
