"""``python -m coursekit symbolic fit TABLE --target COL [--features ...] [--engine ...] [--json]``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def read_table(path: str | Path):
    """Read a CSV (``.csv``) or whitespace-separated table (anything else) with a header line."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"table not found: {path}")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path)
        return pd.read_csv(path, sep=r"\s+")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path} as a table with a header line: {exc}") from exc


def prepare(table, target: str, features: list[str] | None):
    """Pick the numeric columns for the search; raise ``ValueError`` naming any unknown or non-numeric column."""
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
            raise ValueError(f"column {c!r} is not numeric (e.g. {table[c][bad].iloc[0]!r})")
        out[c] = values.to_numpy(float)
    X = np.column_stack([out[f] for f in features])
    return X, out[target], list(features)


def _cmd_fit(args: argparse.Namespace) -> int:
    from coursekit.symbolic.engine import fit_symbolic, round_floats

    table = read_table(args.table)
    X, y, features = prepare(table, args.target, args.features)
    binary = tuple(o for o in args.operators.split(",") if o)
    unary = tuple(o for o in args.unary.split(",") if o)
    fit = fit_symbolic(X, y, features, engine=args.engine, binary_operators=binary, unary_operators=unary,
                       max_complexity=args.max_complexity, population_size=args.population,
                       generations=args.generations, seed=args.seed, target_name=args.target)
    if args.json:
        print(json.dumps({"engine": fit.engine, "engine_reason": fit.engine_reason, "target": args.target,
                          "features": features, "selected": int(fit.best_index),
                          "best": str(fit.best), "front": fit.to_records()}, indent=2))
    else:
        print(fit.summary())
        print(f"\nselected: {args.target} = {round_floats(fit.best, 6)}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("symbolic", help="symbolic regression: search a table for a formula")
    sub = p.add_subparsers(dest="symbolic_cmd", metavar="ACTION", required=True)
    q = sub.add_parser("fit", help="Pareto front of formulas TARGET = f(FEATURES) for a CSV/whitespace table")
    q.add_argument("table", help="CSV file (.csv) or whitespace-separated table with a header line")
    q.add_argument("--target", required=True, help="column to explain")
    q.add_argument("--features", nargs="+", metavar="COL", help="columns to use (default: every other numeric one)")
    q.add_argument("--engine", default="auto", choices=["auto", "operon", "pysr"],
                   help="auto: PySR if Julia is installed, else Operon")
    q.add_argument("--operators", default="+,-,*,/", help="binary operators, comma separated (+,-,*,/,^)")
    q.add_argument("--unary", default="", help="unary operators, comma separated (sqrt,log,exp,square,sin,cos,abs)")
    q.add_argument("--max-complexity", type=int, default=20)
    q.add_argument("--population", type=int, default=500)
    q.add_argument("--generations", type=int, default=100)
    q.add_argument("--seed", type=int, default=0)
    q.add_argument("--json", action="store_true", help="print the front as JSON")
    q.set_defaults(func=_cmd_fit)
