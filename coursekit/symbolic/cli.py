"""``python -m coursekit symbolic fit TABLE --target COL [...]`` and ``python -m coursekit symbolic run``.

``fit`` searches a user's table for a formula (thin over :func:`coursekit.symbolic.model.fit_symbolic`);
``run`` runs the lesson's experiment (:func:`coursekit.symbolic.experiment.run`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from coursekit.cli_util import nonneg_int, positive_float, positive_int

DEFAULT_OPERATORS = "+,-,*,/,^"
DEFAULT_UNARY = ""


def read_table(path: str | Path):
    """Read a CSV (``.csv``) or whitespace-separated table (anything else) with a header line.

    Refuses, with one line naming the file, an empty file and a file whose last
    line is cut off (no line break at the end): a table truncated in the middle
    of a number would otherwise be read as a smaller, wrong number.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"table not found: {path}")
    if not path.is_file():
        raise ValueError(f"{path} is not a file: give a CSV or whitespace-separated table")
    data = path.read_bytes()
    if not data.strip():
        raise ValueError(f"{path} is empty: give a table with a header line and one row per example")
    if not data.endswith((b"\n", b"\r")):
        last = data.splitlines()[-1].decode("utf-8", "replace")[-60:]
        raise ValueError(f"{path} does not end with a line break, so its last row ({last!r}) may be cut off "
                         "mid-number: copy the file again; if it is complete, add a newline at its end")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        return pd.read_csv(path, sep=r"\s+")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path} as a table with a header line: {str(exc).strip()}") from exc


def prepare(table, target: str, features: list[str] | None):
    """Pick the numeric columns for the search; raise ``ValueError`` naming any unknown or non-numeric column
    or a row with a missing value."""
    import numpy as np
    import pandas as pd

    cols = list(table.columns)
    if target not in cols:
        raise ValueError(f"unknown target column {target!r}; the table has: {', '.join(map(str, cols))}")
    if features:
        unknown = [f for f in features if f not in cols]
        if unknown:
            raise ValueError(f"unknown feature column(s) {unknown}; the table has: {', '.join(map(str, cols))}")
        if target in features:
            raise ValueError(f"the target {target!r} cannot also be a feature")
    else:
        features = [c for c in cols if c != target and pd.api.types.is_numeric_dtype(table[c])]
        if not features:
            raise ValueError("no numeric feature columns besides the target: name them with --features")
    out = {}
    for c in [*features, target]:
        values = pd.to_numeric(table[c], errors="coerce")
        bad = values.isna() & table[c].notna()
        if bad.any():
            raise ValueError(f"column {c!r} is not numeric (row {int(np.argmax(bad.to_numpy())) + 1}: "
                             f"{table[c][bad].iloc[0]!r})")
        if values.isna().any():
            row = int(np.argmax(values.isna().to_numpy())) + 1
            raise ValueError(f"column {c!r} has {int(values.isna().sum())} missing value(s) (first in data row {row}): "
                             "fill or drop those rows")
        out[c] = values.to_numpy(float)
    X = np.column_stack([out[f] for f in features])
    return X, out[target], list(features)


def _to_log_space(X, y, features: list[str], target: str):
    import numpy as np

    for name, col in [*zip(features, X.T), (target, y)]:
        if np.any(col <= 0):
            raise ValueError(f"--space log needs positive values, but column {name!r} has values <= 0: "
                             "use --space linear")
    return np.log(X), np.log(y), [f"ln_{f}" for f in features], f"ln_{target}"


def _cmd_fit(args: argparse.Namespace) -> int:
    import sympy

    from coursekit.jsonio import print_json
    from coursekit.symbolic.laws import as_power_law
    from coursekit.symbolic.model import fit_symbolic, power_law_check, round_floats

    table = read_table(args.table)
    X, y, features = prepare(table, args.target, args.features)
    binary = tuple(o.strip() for o in args.operators.split(",") if o.strip())
    unary = tuple(o.strip() for o in args.unary.split(",") if o.strip())
    if not binary:
        raise ValueError("--operators is empty: give at least one binary operator, e.g. --operators '+,*'")
    names, target = features, args.target
    Xs, ys = X, y
    if args.space == "log":
        Xs, ys, names, target = _to_log_space(X, y, features, args.target)
    fit = fit_symbolic(Xs, ys, names, engine=args.engine, binary_operators=binary, unary_operators=unary,
                       max_complexity=args.max_complexity, population_size=args.population,
                       generations=args.generations, seed=args.seed, target_name=target,
                       time_limit=args.time_limit)
    law_expr = fit.best
    if args.space == "log":  # back to the table's own columns: y = exp(f(ln x))
        orig = sympy.symbols(features, positive=True)
        law_expr = sympy.exp(fit.best.xreplace({s: sympy.log(o) for s, o in zip(fit.symbols, orig)}))
        power = as_power_law(law_expr, orig)
    else:
        power = as_power_law(fit.best, fit.symbols)
    check = power_law_check(fit, X, y) if args.space == "linear" else None
    note = check.note() if check else None
    if args.json:
        print_json({"engine": fit.engine, "engine_reason": fit.engine_reason, "target": args.target,
                    "features": features, "space": args.space, "selected": int(fit.best_index),
                    "best": str(law_expr),
                    "power_law": ({"coefficient": power.coefficient, "exponents": power.exponents}
                                  if power else None),
                    "note": note, "front": fit.to_records()})
    else:
        print(f"engine choice: {fit.engine_reason}")
        print(fit.summary())
        print(f"\nselected: {args.target} = {round_floats(law_expr, 6)}")
        if power is not None:
            print(f"a power law: {args.target} = {power}")
        if note:
            print(note)
    return 0


def register(subparsers) -> None:
    from coursekit.experiment import add_run_command
    from coursekit.symbolic.experiment import run

    p = subparsers.add_parser("symbolic", help="symbolic regression: search a table for a formula")
    sub = p.add_subparsers(dest="symbolic_cmd", metavar="ACTION", required=True)
    q = sub.add_parser("fit", help="Pareto front of formulas TARGET = f(FEATURES) for a CSV/whitespace table")
    q.add_argument("table", help="CSV file (.csv) or whitespace-separated table with a header line")
    q.add_argument("--target", required=True, help="column to explain")
    q.add_argument("--features", nargs="+", metavar="COL", help="columns to use (default: every other numeric one)")
    q.add_argument("--engine", default="auto", choices=["auto", "operon", "pysr"],
                   help="auto: PySR where Julia is installed or can be installed now, else Operon (says why)")
    q.add_argument("--operators", default=DEFAULT_OPERATORS,
                   help=f"binary operators, comma separated, from + - * / ^ (default {DEFAULT_OPERATORS})")
    q.add_argument("--unary", default=DEFAULT_UNARY,
                   help="unary operators, comma separated (sqrt,log,exp,square,sin,cos,abs; default none)")
    q.add_argument("--space", default="linear", choices=["linear", "log"],
                   help="log: search ln(target) as a function of ln(features) (a power law is then a plane)")
    q.add_argument("--max-complexity", type=positive_int, default=12, help="largest formula, in nodes (default 12)")
    q.add_argument("--population", type=positive_int, default=500)
    q.add_argument("--generations", type=positive_int, default=100)
    q.add_argument("--seed", type=nonneg_int, default=0)
    q.add_argument("--time-limit", type=positive_float, default=None, help="seconds per search (default: none)")
    q.add_argument("--json", action="store_true", help="print the front as strict JSON")
    q.set_defaults(func=_cmd_fit)
    add_run_command(sub, "symbolic", run)
