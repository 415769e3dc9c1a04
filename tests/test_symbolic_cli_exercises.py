"""``python -m coursekit symbolic fit`` and the notebook's exercise checkers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from coursekit.cli import main
from coursekit.exercises import evaluate


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 5, 40)
    f = tmp_path / "t.csv"
    rows = ["x,y,const,name"] + [f"{a},{3 * a},7,row{i}" for i, a in enumerate(x)]
    f.write_text("\n".join(rows) + "\n")
    return f


def test_cli_fit_json(table, capsys):
    rc = main(["symbolic", "fit", str(table), "--target", "y", "--features", "x", "--engine", "operon",
               "--population", "100", "--generations", "20", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == "operon" and out["features"] == ["x"]
    best = out["front"][out["selected"]]
    assert best["selected"] and best["loss"] < 1e-8
    assert {"complexity", "loss", "expression"} <= set(best)


def test_cli_fit_table_output(table, capsys):
    assert main(["symbolic", "fit", str(table), "--target", "y", "--features", "x", "--engine", "operon",
                 "--population", "100", "--generations", "10"]) == 0
    assert "selected: y =" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "nope"], "unknown target column 'nope'"),
        (["--target", "y", "--features", "x", "zz"], r"unknown feature column\(s\) \['zz'\]"),
        (["--target", "y", "--features", "const"], "feature 'const' is constant"),
        (["--target", "y", "--features", "name"], "column 'name' is not numeric"),
        (["--target", "y", "--features", "x", "--operators", "+,%"], "unknown binary operator '%'"),
        (["--target", "y", "--features", "y"], "cannot also be a feature"),
    ],
)
def test_cli_errors_are_one_line(table, capsys, args, message):
    assert main(["symbolic", "fit", str(table), "--engine", "operon", *args]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    import re

    assert re.search(message, err)


def test_cli_too_few_rows_and_missing_file(tmp_path, capsys):
    f = tmp_path / "small.dat"
    f.write_text("x y\n1 2\n2 4\n3 6\n")
    assert main(["symbolic", "fit", str(f), "--target", "y", "--engine", "operon"]) == 1
    assert "too few rows: 3" in capsys.readouterr().err
    assert main(["symbolic", "fit", str(tmp_path / "none.csv"), "--target", "y"]) == 1
    assert "table not found" in capsys.readouterr().err


def test_cli_pysr_without_julia_is_a_clear_error(table, capsys, monkeypatch):
    from coursekit.symbolic import engine as E

    monkeypatch.setattr(E, "pysr_status", lambda: (False, "no Julia installation was found"))
    assert main(["symbolic", "fit", str(table), "--target", "y", "--features", "x", "--engine", "pysr"]) == 1
    err = capsys.readouterr().err
    assert "engine 'pysr' is not available: no Julia" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "ex_id, right, wrong, hint",
    [
        ("symbolic.kepler_exponent", 1.503, 2 / 3, "exponent of a(T)"),
        ("symbolic.kepler_exponent", 1.5, 3.0, "exponent of T^2"),
        ("symbolic.hubble_constant", 73.4, 0.0136, "slope k"),
        ("symbolic.hubble_constant", 73.4, 73400.0, "factor 1000"),
        ("symbolic.select_law", 4, 12, "'accuracy' rule"),
        ("symbolic.select_law", 4, 1, "1.5x"),
    ],
)
def test_exercise_checkers(ex_id, right, wrong, hint):
    assert evaluate(ex_id, right).passed
    bad = evaluate(ex_id, wrong)
    assert not bad.passed and hint in bad.message
    assert not evaluate(ex_id, None).passed


def test_select_law_solution_matches_engine():
    import pandas as pd

    from coursekit.symbolic.engine import select_index
    from coursekit.symbolic.exercises import EXAMPLE_FRONT

    front = pd.DataFrame(EXAMPLE_FRONT, columns=["complexity", "loss"])
    front["score"] = [0.0] + [-(np.log(l1) - np.log(l0)) / (c1 - c0)
                              for (c0, l0), (c1, l1) in zip(EXAMPLE_FRONT[:-1], EXAMPLE_FRONT[1:])]
    assert front.loc[select_index(front, "best"), "complexity"] == 4
