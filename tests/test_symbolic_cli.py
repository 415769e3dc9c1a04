"""``python -m coursekit symbolic fit``: output, strict JSON, the power-law note, log space, hostile input."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from coursekit.cli import main

SMALL = ["--engine", "operon", "--population", "100", "--generations", "20"]


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(1, 5, 40)
    f = tmp_path / "t.csv"
    rows = ["x,y,const,name"] + [f"{a},{3 * a},7,row{i}" for i, a in enumerate(x)]
    f.write_text("\n".join(rows) + "\n")
    return f


def test_cli_fit_json(table, capsys):
    assert main(["symbolic", "fit", str(table), "--target", "y", "--features", "x", *SMALL, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == "operon" and out["features"] == ["x"] and out["space"] == "linear"
    best = out["front"][out["selected"]]
    assert best["selected"] and best["loss"] < 1e-8
    assert out["power_law"]["exponents"]["x"] == pytest.approx(1.0)


def test_cli_fit_table_output_says_the_engine(table, capsys):
    assert main(["symbolic", "fit", str(table), "--target", "y", "--features", "x", *SMALL]) == 0
    out = capsys.readouterr().out
    assert "selected: y =" in out and out.startswith("engine choice: Operon")


def test_cli_fit_in_log_space_reads_a_power_law(tmp_path, capsys):
    rng = np.random.default_rng(5)
    a = rng.uniform(0.3, 40, 200)
    T = a**1.5 * (1 + 0.01 * rng.normal(size=a.size))
    f = tmp_path / "kepler.csv"
    f.write_text("a,T\n" + "".join(f"{x},{y}\n" for x, y in zip(a, T)))
    assert main(["symbolic", "fit", str(f), "--target", "T", "--space", "log", "--operators", "+,-,*", *SMALL,
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    import sympy

    a_sym = sympy.Symbol("a", positive=True)
    law = sympy.sympify(out["best"], locals={"a": a_sym})
    slope = [float((a_sym * sympy.diff(law, a_sym) / law).subs(a_sym, x)) for x in (0.5, 5.0, 30.0)]
    assert slope == pytest.approx([1.5] * 3, abs=0.01)  # T ∝ a^1.5 across the range, whatever the exact form


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "nope"], "unknown target column 'nope'"),
        (["--target", "y", "--features", "x", "zz"], r"unknown feature column\(s\) \['zz'\]"),
        (["--target", "y", "--features", "const"], "feature 'const' is constant"),
        (["--target", "y", "--features", "name"], "column 'name' is not numeric"),
        (["--target", "y", "--features", "x", "--operators", "+,%"], "unknown binary operator '%'"),
        (["--target", "y", "--features", "x", "--operators", ","], "--operators is empty"),
        (["--target", "y", "--features", "y"], "cannot also be a feature"),
        (["--target", "y", "--features", "x", "--space", "log", "--target", "const"], "constant"),
    ],
)
def test_cli_errors_are_one_line(table, capsys, args, message):
    assert main(["symbolic", "fit", str(table), "--engine", "operon", *args]) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert re.search(message, err)


@pytest.mark.parametrize("option, value", [("--population", "0"), ("--generations", "-3"), ("--seed", "x"),
                                           ("--max-complexity", "1.5")])
def test_cli_numeric_options_are_validated(table, capsys, option, value):
    with pytest.raises(SystemExit) as exc:
        main(["symbolic", "fit", str(table), "--target", "y", option, value])
    assert exc.value.code != 0 and option in capsys.readouterr().err


def _fit_file(path, capsys, *extra):
    rc = main(["symbolic", "fit", str(path), "--target", "y", *SMALL, *extra])
    return rc, capsys.readouterr()


def test_hostile_tables_are_refused_in_one_line(tmp_path, capsys):
    x = np.linspace(1, 10, 20)
    good = "x,y\n" + "".join(f"{a},{2 * a}\n" for a in x)
    cases = {
        "huge.csv": (good + "11,1e300\n", "target has values up to 1e\\+300, too large"),
        "cut.csv": (good + "11,2", "does not end with a line break.*'11,2'.*cut off"),
        "empty.csv": ("", "is empty"),
        "hole.csv": (good + "11,\n", "column 'y' has 1 missing value"),
        "inf.csv": (good + "11,inf\n", "target has 1 non-finite"),
        "few.dat": ("x y\n1 2\n2 4\n3 6\n", "too few rows: 3"),
    }
    for name, (text, message) in cases.items():
        f = tmp_path / name
        f.write_text(text)
        rc, out = _fit_file(f, capsys)
        assert rc != 0, name
        assert out.out == "" and "Traceback" not in out.err and re.search(message, out.err), (name, out.err)
    rc, out = _fit_file(tmp_path / "none.csv", capsys)
    assert rc != 0 and "table not found" in out.err
    f = tmp_path / "neg.csv"
    f.write_text(good.replace("1.0,2.0", "-1.0,2.0"))
    rc, out = _fit_file(f, capsys, "--space", "log")
    assert rc != 0 and "--space log needs positive values" in out.err


def test_cli_pysr_without_julia_is_a_clear_error(table, capsys, monkeypatch):
    from coursekit.symbolic import engine as E

    monkeypatch.setattr(E, "pysr_status", lambda: (False, "PySR is installed but Julia is not"))
    monkeypatch.setattr(E, "_install_outcome", (False, "Julia cannot be downloaded here"))
    assert main(["symbolic", "fit", str(table), "--target", "y", "--features", "x", "--engine", "pysr"]) != 0
    err = capsys.readouterr().err
    assert "engine 'pysr' is not available" in err and "Traceback" not in err


def test_cli_defaults_find_kepler_power_law(tmp_path, capsys):
    """Round one's defaults (+ - * /, no power operator) selected a 20-node rational function here."""
    from coursekit.symbolic.cli import DEFAULT_OPERATORS

    assert "^" in DEFAULT_OPERATORS.split(",")
    rng = np.random.default_rng(424242)
    a = rng.uniform(0.3, 40, 200)
    T = a**1.5 * (1 + 0.01 * rng.normal(size=a.size))
    f = tmp_path / "kepler.csv"
    f.write_text("a,T\n" + "".join(f"{x},{y}\n" for x, y in zip(a, T)))
    assert main(["symbolic", "fit", str(f), "--target", "T", "--engine", "operon", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["power_law"]["exponents"]["a"] == pytest.approx(1.5, abs=0.01)
    assert out["front"][out["selected"]]["complexity"] <= 5
