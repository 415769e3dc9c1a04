"""The symbolic model: search (:func:`fit_symbolic`), the Pareto front, selection, prediction, save/load.

A symbolic regressor's "model" is a Pareto front of formulas (one per
complexity: the lowest loss found) and the one selected from it with PySR's
rule (Cranmer 2023, arXiv:2305.01582, Sec. 3): the score of a row is
``-d ln(loss) / d complexity`` against the previous row, and ``best`` takes the
highest score among the rows whose loss is within 1.5x of the smallest.
Both engines (:mod:`coursekit.symbolic.engine`) return raw candidates; the
front, the losses (recomputed from sympy on the data) and the selection are
made here, so both are measured the same way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from coursekit.symbolic import engine as _engine
from coursekit.symbolic.engine import BINARY_OPERATORS, UNARY_OPERATORS, choose_engine

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import sympy

SELECTIONS = ("best", "accuracy", "score")
#: Smallest number of rows :func:`fit_symbolic` accepts.
MIN_ROWS = 5
#: Largest |value| accepted in a column: its square must stay finite in a squared loss.
MAX_ABS_VALUE = 1e150
#: PySR's "best" rule considers the rows whose loss is within this factor of the smallest.
BEST_LOSS_FACTOR = 1.5
#: Defaults of the search's building blocks: a power operator and sqrt among them, so power laws are in reach.
DEFAULT_BINARY = ("+", "-", "*", "/", "^")
DEFAULT_UNARY: tuple[str, ...] = ()


# --------------------------------------------------------------------------- the front (the lesson's build-it)

def pareto_front(complexity: Any, loss: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """Pareto front, scores and PySR's ``best`` choice from a table of candidate formulas.

    Parameters
    ----------
    complexity:
        ``(n,)`` integer complexity (number of nodes) of each candidate.
    loss:
        ``(n,)`` finite loss (e.g. mean squared error) of each candidate.

    Returns
    -------
    front:
        Indices into the candidates of the front, by increasing complexity: for
        each complexity the candidate of lowest loss (the first one on a tie),
        kept only if its loss is lower than that of every simpler row kept.
    score:
        ``(len(front),)``: 0 for the simplest row, then
        ``-(ln L_i - ln L_{i-1}) / (c_i - c_{i-1})`` (losses floored at the
        smallest positive float so that an exact fit has a finite score).
    selected:
        Index into the candidates of the ``best`` row: the highest score among
        the front rows whose loss is at most ``1.5 x`` the smallest loss (the
        simpler row on a tie).
    """
    c = np.asarray(complexity)
    L = np.asarray(loss, dtype=float)
    if c.ndim != 1 or L.shape != c.shape or c.size == 0:
        raise ValueError(f"complexity and loss must be two (n,) arrays with n >= 1, got {c.shape} and {L.shape}")
    if not np.all(np.isfinite(L)):
        raise ValueError("every loss must be finite: drop the candidates whose loss is NaN or infinite first")
    best_at: dict[int, int] = {}
    for i in range(c.size):
        k = int(c[i])
        if k not in best_at or L[i] < L[best_at[k]]:
            best_at[k] = i
    front: list[int] = []
    for k in sorted(best_at):
        i = best_at[k]
        if not front or L[i] < L[front[-1]]:
            front.append(i)
    tiny = np.finfo(float).tiny
    score = [0.0]
    for i0, i1 in zip(front[:-1], front[1:]):
        score.append(-(np.log(max(L[i1], tiny)) - np.log(max(L[i0], tiny))) / (int(c[i1]) - int(c[i0])))
    score_arr = np.array(score)
    ok = [j for j, i in enumerate(front) if L[i] <= BEST_LOSS_FACTOR * L[front[-1]]]
    j_best = max(ok, key=lambda j: (score_arr[j], -j))
    return np.array(front, dtype=int), score_arr, int(front[j_best])


def select_index(front: pd.DataFrame, selection: str = "best") -> int:
    """Row of ``front`` chosen by ``selection``: ``best`` (see :func:`pareto_front`), ``accuracy``
    (smallest loss) or ``score`` (highest score)."""
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}: use one of {', '.join(SELECTIONS)}")
    if selection == "accuracy":
        return int(front["loss"].idxmin())
    if selection == "score":
        return int(front["score"].idxmax())
    ok = front[front["loss"] <= BEST_LOSS_FACTOR * front["loss"].min()]
    return int(ok["score"].idxmax())


# --------------------------------------------------------------------------- sympy helpers

def round_floats(expr: sympy.Expr, digits: int = 4) -> sympy.Expr:
    """Round every Float in ``expr`` to ``digits`` significant digits (for display)."""
    import sympy

    return expr.xreplace({f: sympy.Float(f, digits) for f in expr.atoms(sympy.Float)})


def make_symbols(feature_names: Sequence[str], X: np.ndarray) -> tuple:
    """One sympy symbol per feature; ``positive=True`` where every value is > 0 (lets sympy simplify powers)."""
    import sympy

    return tuple(
        sympy.Symbol(name, positive=True) if np.all(X[:, j] > 0) else sympy.Symbol(name, real=True)
        for j, name in enumerate(feature_names)
    )


def evaluate(expr: sympy.Expr, symbols: Sequence, X: np.ndarray) -> np.ndarray:
    """``expr`` on the rows of ``X`` ``(n, len(symbols))``; ``(n,)`` floats (NaN/inf where undefined)."""
    import sympy

    fn = sympy.lambdify(list(symbols), expr, modules="numpy")
    with np.errstate(all="ignore"):
        out = np.asarray(fn(*[X[:, j] for j in range(X.shape[1])]), dtype=float)
    return np.broadcast_to(out, (X.shape[0],)).copy()


def parse_infix(text: str, symbols: Sequence, internal_names: Sequence[str] | None = None) -> sympy.Expr:
    """Parse an engine's infix string (``^`` for powers) into sympy, mapping names to ``symbols``.

    ``internal_names`` are the names the engine used for the features (default:
    the symbols' own names).
    """
    import sympy
    from sympy.parsing.sympy_parser import parse_expr

    names = list(internal_names) if internal_names is not None else [s.name for s in symbols]
    local = {n: s for n, s in zip(names, symbols)}
    local.update({"sqrt": sympy.sqrt, "log": sympy.log, "exp": sympy.exp, "sin": sympy.sin, "cos": sympy.cos,
                  "abs": sympy.Abs, "square": lambda z: z**2})
    return parse_expr(text.replace("^", "**"), local_dict=local, evaluate=True)


def pareto_table(rows: list[tuple[int, sympy.Expr]], symbols: Sequence, X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """The front from ``(complexity, expression)`` candidates, as a table.

    The loss (mean squared error) is recomputed from the sympy expression, so
    both engines are measured the same way; candidates that are not finite on
    the data are dropped, then :func:`pareto_front` keeps the front. Columns:
    ``complexity, loss, score, expression, equation``.
    """
    import pandas as pd

    cands: list[tuple[int, float, Any]] = []
    for complexity, expr in rows:
        pred = evaluate(expr, symbols, X)
        if not np.all(np.isfinite(pred)):
            continue
        with np.errstate(over="ignore"):
            loss = float(np.mean((pred - y) ** 2))
        if np.isfinite(loss):
            cands.append((int(complexity), loss, expr))
    if not cands:
        raise RuntimeError("the search returned no formula whose loss is finite on the data: "
                           "rescale the columns (units) or take logarithms, then search again")
    idx, score, _ = pareto_front([k[0] for k in cands], [k[1] for k in cands])
    kept = [cands[i] for i in idx]
    return pd.DataFrame({
        "complexity": [k[0] for k in kept],
        "loss": [k[1] for k in kept],
        "score": score,
        "expression": [k[2] for k in kept],
        "equation": [str(k[2]) for k in kept],
    })


# --------------------------------------------------------------------------- the fitted model

@dataclass
class SymbolicFit:
    """What :func:`fit_symbolic` returns.

    Attributes
    ----------
    front:
        Pareto front, one row per complexity, sorted by complexity, with columns
        ``complexity`` (number of nodes in the expression tree), ``loss`` (mean
        squared error on the data, in target units squared), ``expression``
        (a sympy expression in the feature symbols), ``score`` (PySR's
        -d ln(loss) / d complexity) and ``equation`` (its string).
    best_index:
        Row of ``front`` chosen by ``selection``.
    symbols:
        One sympy symbol per feature, named like the features.
    """

    front: pd.DataFrame
    best_index: int
    symbols: tuple
    feature_names: tuple[str, ...]
    target_name: str
    engine: str
    engine_reason: str
    selection: str
    wall_s: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> sympy.Expr:
        """The selected law as a sympy expression."""
        return self.front.loc[self.best_index, "expression"]

    @property
    def best_row(self) -> pd.Series:
        return self.front.loc[self.best_index]

    def predict(self, X: np.ndarray, index: int | None = None) -> np.ndarray:
        """Evaluate the selected expression (or row ``index``) on ``X`` of shape (n, n_features)."""
        expr = self.best if index is None else self.front.loc[index, "expression"]
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X[:, None]
        if X.ndim != 2 or X.shape[1] != len(self.symbols):
            raise ValueError(f"X has shape {X.shape} but the fit used {len(self.symbols)} feature(s): "
                             f"give (n, {len(self.symbols)})")
        return evaluate(expr, self.symbols, X)

    def to_records(self) -> list[dict[str, Any]]:
        """The front as JSON-ready dicts: complexity, loss, score, expression (sympy syntax), selected."""
        return [
            {
                "complexity": int(row.complexity),
                "loss": float(row.loss),
                "score": float(row.score),
                "expression": str(row.expression),
                "selected": bool(i == self.best_index),
            }
            for i, row in self.front.iterrows()
        ]

    def summary(self, digits: int = 4) -> str:
        """A short text table of the front with the selected row marked."""
        lines = [f"engine: {self.engine}, {self.wall_s:.1f} s",
                 f"{'':2}{'complexity':>10}  {'loss':>11}  {'score':>7}  expression"]
        for i, row in self.front.iterrows():
            mark = ">>" if i == self.best_index else ""
            expr = round_floats(row.expression, digits)
            lines.append(f"{mark:2}{int(row.complexity):>10}  {row.loss:>11.4g}  {row.score:>7.3f}  {expr}")
        return "\n".join(lines)


def _check_inputs(X: Any, y: Any, feature_names: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray, tuple]:
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must have shape (n_rows, n_features), got {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if feature_names is None:
        feature_names = tuple(f"x{i}" for i in range(X.shape[1]))
    feature_names = tuple(str(n) for n in feature_names)
    if len(feature_names) != X.shape[1]:
        raise ValueError(f"{len(feature_names)} feature names for {X.shape[1]} columns of X")
    if len(set(feature_names)) != len(feature_names):
        raise ValueError(f"feature names must be unique, got {feature_names}")
    if X.shape[0] < MIN_ROWS:
        raise ValueError(f"too few rows: {X.shape[0]} (symbolic regression needs at least {MIN_ROWS})")
    for name, col, what in [*((n, X[:, j], "feature") for j, n in enumerate(feature_names)), ("", y, "target")]:
        label = f"{what} {name!r}" if name else what
        if not np.all(np.isfinite(col)):
            raise ValueError(f"{label} has {int((~np.isfinite(col)).sum())} non-finite values: drop those rows")
        big = float(np.max(np.abs(col)))
        if big > MAX_ABS_VALUE:
            raise ValueError(f"{label} has values up to {big:.3g}, too large for a squared loss: "
                             "rescale it (another unit) or take its logarithm")
        if np.ptp(col) == 0:
            if what == "target":
                raise ValueError("target is constant: there is no law to find")
            raise ValueError(f"feature {name!r} is constant ({float(col[0]):g}): it cannot enter a law; drop it")
    return X, y, feature_names


def fit_symbolic(
    X: Any,
    y: Any,
    feature_names: Sequence[str] | None = None,
    *,
    engine: str = "auto",
    binary_operators: Sequence[str] = DEFAULT_BINARY,
    unary_operators: Sequence[str] = DEFAULT_UNARY,
    max_complexity: int = 20,
    population_size: int = 500,
    generations: int = 100,
    seed: int = 0,
    restarts: int = 1,
    time_limit: float | None = None,
    selection: str = "best",
    n_threads: int = 1,
    target_name: str = "y",
    engine_options: dict[str, Any] | None = None,
) -> SymbolicFit:
    """Search for a formula ``y = f(X)`` and return its Pareto front.

    Parameters
    ----------
    X:
        ``(n, n_features)`` plain numbers (convert astropy quantities to a chosen unit first).
    y:
        ``(n,)`` target in its own unit.
    feature_names:
        Names of the columns of ``X``; they become the sympy symbols of the laws.
    engine:
        ``"auto"``, ``"operon"`` or ``"pysr"``: see :func:`coursekit.symbolic.engine.choose_engine`.
    binary_operators, unary_operators:
        The search's building blocks in PySR's spelling (``+ - * / ^``;
        ``sqrt log exp square sin cos abs``). Small sets give clean laws.
    max_complexity:
        Largest expression tree (nodes) searched.
    population_size, generations:
        Size of the search (Operon's own terms; PySR gets comparable values).
    restarts:
        Independent searches (seeds ``seed, seed+1, ...``) whose fronts are merged;
        a cheap guard against a run that settles on a look-alike formula.
    selection:
        ``"best"`` (PySR's default), ``"accuracy"`` or ``"score"``: see :func:`select_index`.
    time_limit:
        Seconds after which each search stops (``None``: no limit).
    engine_options:
        Extra keyword arguments for the engine's estimator (``pyoperon.sklearn.SymbolicRegressor``
        or ``pysr.PySRRegressor``), applied last.

    Raises
    ------
    ValueError
        Bad shapes, constant, huge or non-finite columns, fewer than ``MIN_ROWS`` rows,
        unknown operators or selection.
    RuntimeError
        ``engine="pysr"`` where Julia is missing; no formula finite on the data.
    """
    X, y, feature_names = _check_inputs(X, y, feature_names)
    for op in binary_operators:
        if op not in BINARY_OPERATORS:
            raise ValueError(f"unknown binary operator {op!r}: use some of {' '.join(BINARY_OPERATORS)}")
    for op in unary_operators:
        if op not in UNARY_OPERATORS:
            raise ValueError(f"unknown unary operator {op!r}: use some of {' '.join(UNARY_OPERATORS)}")
    if selection not in SELECTIONS:
        raise ValueError(f"unknown selection {selection!r}: use one of {', '.join(SELECTIONS)}")
    if restarts < 1:
        raise ValueError(f"restarts must be >= 1, got {restarts}")
    if max_complexity < 3:
        raise ValueError(f"max_complexity must be at least 3, got {max_complexity}")
    name, reason = choose_engine(engine)
    symbols = make_symbols(feature_names, X)
    internal = [f"x{j}" for j in range(X.shape[1])]
    options = dict(binary=tuple(binary_operators), unary=tuple(unary_operators), max_complexity=int(max_complexity),
                   population_size=int(population_size), generations=int(generations), time_limit=time_limit,
                   n_threads=int(n_threads))
    backend = getattr(_engine, f"fit_{name}")
    t0 = time.perf_counter()
    raw: list[tuple[int, str]] = []
    for k in range(restarts):
        raw += backend(X, y, internal, options=engine_options, seed=seed + k, **options)
    wall = time.perf_counter() - t0
    rows = [(c, parse_infix(s, symbols, internal)) for c, s in raw]
    front = pareto_table(rows, symbols, X, y)
    settings = dict(options, seed=seed, restarts=restarts)
    return SymbolicFit(front=front, best_index=select_index(front, selection), symbols=symbols,
                       feature_names=feature_names, target_name=target_name, engine=name, engine_reason=reason,
                       selection=selection, wall_s=wall, settings=settings)


# --------------------------------------------------------------------------- constants and their uncertainty

def constants_of(expr: sympy.Expr) -> list:
    """The Float constants of ``expr`` in a fixed order (sympy's sort of the atoms)."""
    import sympy

    return sorted(expr.atoms(sympy.Float), key=sympy.default_sort_key)


def _template(expr: sympy.Expr, symbols: Sequence) -> tuple[Callable[..., Any], np.ndarray]:
    """``(fn, theta0)``: ``fn(*columns, *theta)`` evaluates ``expr`` with its constants replaced by ``theta``."""
    import sympy

    consts = constants_of(expr)
    params = sympy.symbols(f"_k0:{len(consts)}") if consts else ()
    template = expr.xreplace(dict(zip(consts, params)))
    return sympy.lambdify([*symbols, *params], template, modules="numpy"), np.array([float(c) for c in consts])


def _bind(fn: Callable[..., Any], theta: np.ndarray) -> Callable[..., np.ndarray]:
    def f(*cols: Any) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(fn(*cols, *theta), dtype=float)

    return f


def bootstrap_functions(expr: sympy.Expr, symbols: Sequence, X: np.ndarray, y: np.ndarray, *, n_boot: int = 200,
                        seed: int = 0) -> tuple[Callable[..., np.ndarray], list[Callable[..., np.ndarray]]]:
    """The selected formula as a function, and ``n_boot`` copies with constants re-fitted on bootstrap resamples.

    The structure found by the search is kept; only its constants move, fitted
    by least squares (``scipy.optimize.least_squares``, Levenberg-Marquardt) to
    resamples of the rows of ``X (n, k)``, ``y (n,)``. Each function takes the
    ``k`` feature columns (arrays or numbers) and returns floats; reading a
    number off each (an exponent, H0, q0) gives its bootstrap uncertainty.
    """
    from scipy.optimize import least_squares

    y = np.asarray(y, float)
    X = np.asarray(X, float).reshape(len(y), -1)
    fn, theta0 = _template(expr, symbols)
    f0 = _bind(fn, theta0)
    if theta0.size == 0:
        return f0, [f0] * n_boot
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        cols, yy = [X[i, j] for j in range(X.shape[1])], y[i]

        def resid(theta: np.ndarray, cols=cols, yy=yy) -> np.ndarray:
            with np.errstate(all="ignore"):
                r = np.broadcast_to(np.asarray(fn(*cols, *theta), dtype=float), yy.shape) - yy
            return np.where(np.isfinite(r), r, 1e10)

        lm = "lm" if len(yy) >= theta0.size else "trf"
        out.append(_bind(fn, least_squares(resid, theta0, method=lm).x))
    return f0, out


# --------------------------------------------------------------------------- save / load

def save_fit(path: str | Path, fit: SymbolicFit) -> Path:
    """Write the front (formulas as sympy text), the selection and the settings through :mod:`coursekit.checkpoint`."""
    from coursekit.checkpoint import save_model

    extra = {"front": fit.to_records(), "best_index": int(fit.best_index), "feature_names": list(fit.feature_names),
             "positive": [bool(s.is_positive) for s in fit.symbols], "target_name": fit.target_name,
             "engine": fit.engine, "selection": fit.selection}
    return Path(save_model(path, topic="symbolic", state_dict={}, config=json.loads(json.dumps(fit.settings)),
                           extra=extra))


def load_fit(path: str | Path) -> SymbolicFit:
    """Read a front written by :func:`save_fit` (refused with ``ModelFileError`` if changed or of another topic)."""
    import pandas as pd
    import sympy

    from coursekit.checkpoint import load_model

    ck = load_model(path, topic="symbolic")
    e = ck.extra
    symbols = tuple(sympy.Symbol(n, positive=True) if pos else sympy.Symbol(n, real=True)
                    for n, pos in zip(e["feature_names"], e["positive"]))
    local = {s.name: s for s in symbols}
    rows = e["front"]
    exprs = [sympy.sympify(r["expression"], locals=local) for r in rows]
    front = pd.DataFrame({"complexity": [r["complexity"] for r in rows], "loss": [r["loss"] for r in rows],
                          "score": [r["score"] for r in rows], "expression": exprs,
                          "equation": [str(x) for x in exprs]})
    return SymbolicFit(front=front, best_index=int(e["best_index"]), symbols=symbols,
                       feature_names=tuple(e["feature_names"]), target_name=e["target_name"], engine=e["engine"],
                       engine_reason="loaded from " + str(path), selection=e["selection"], wall_s=0.0,
                       settings=dict(ck.config or {}))


# --------------------------------------------------------------------------- is it just a power law?

@dataclass(frozen=True)
class PowerLawCheck:
    """The best power law ``c * prod x_i^p_i`` on the same data, and whether the selected formula needs more."""

    formula: str
    complexity: int
    loss: float
    selected_complexity: int
    selected_loss: float

    @property
    def simpler_and_as_good(self) -> bool:
        """The power law is simpler than the selected formula and its loss within PySR's 1.5x window of it."""
        return self.complexity < self.selected_complexity and self.loss <= BEST_LOSS_FACTOR * self.selected_loss

    def note(self) -> str | None:
        """One line when the selected formula is more complex than a power law of about the same loss."""
        if not self.simpler_and_as_good:
            return None
        return (f"note: the power law {self.formula} (complexity {self.complexity}) fits about as well "
                f"(loss {self.loss:.4g} vs {self.selected_loss:.4g}) as the selected formula of complexity "
                f"{self.selected_complexity}: prefer it unless the extra terms mean something "
                "(or search in log space: --space log)")


def power_law_check(fit: SymbolicFit, X: Any, y: Any) -> PowerLawCheck | None:
    """Fit ``y = c * prod x_i^p_i`` (log-space least squares, then the same squared loss as the search) and
    compare it with the selected formula; ``None`` when a power law does not apply (a value <= 0)."""
    from scipy.optimize import least_squares

    from coursekit.symbolic.baseline import power_law_fit

    X = np.asarray(X, float).reshape(len(y), -1)
    y = np.asarray(y, float)
    if np.any(X <= 0) or np.any(y <= 0) or len(y) <= X.shape[1] + 1:
        return None
    start = power_law_fit(X, y)
    theta0 = np.array([np.log(start.coefficient.value), *[e.value for e in start.exponents]])
    lnX = np.log(X)

    def resid(theta: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            r = np.exp(theta[0] + lnX @ theta[1:]) - y
        return np.where(np.isfinite(r), r, 1e150)

    theta = least_squares(resid, theta0, method="lm").x
    loss = float(np.mean(resid(theta) ** 2))
    terms = " * ".join(f"{n}^{p:.4g}" for n, p in zip(fit.feature_names, theta[1:]))
    k = X.shape[1]
    return PowerLawCheck(f"{fit.target_name} = {np.exp(theta[0]):.4g} * {terms}", 4 * k + 1, loss,
                         int(fit.best_row.complexity), float(fit.best_row.loss))
